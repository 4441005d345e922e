//! When an idle worker asks the database for due jobs.
//!
//! apalis' `PollWith` calls `poll_drive` once per `poll_next` and ignores the result. Its
//! `IntervalStrategy` re-arms a fresh timer after a tick without polling it, so no waker is
//! registered and the worker sleeps until something else (the heartbeat) wakes it: jobs then
//! fire up to a heartbeat late. This strategy polls a tokio `Interval` until it is pending,
//! so a wake-up is always armed.

use apalis::prelude::{PollSnapshot, PollStrategy};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Interval, MissedTickBehavior};

pub struct TickStrategy {
    interval: Interval,
}

impl TickStrategy {
    /// Must be called inside a tokio runtime.
    pub fn every(period: Duration) -> Self {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        TickStrategy { interval }
    }
}

impl PollStrategy for TickStrategy {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut ticked = false;
        // Loop until Pending: the last poll registers the waker for the next tick.
        while self.interval.poll_tick(cx).is_ready() {
            ticked = true;
        }
        if ticked {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}
