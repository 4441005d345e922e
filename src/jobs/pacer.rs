//! Spaces this process's job-driven Discord calls evenly: Discord allows a bot about 50
//! requests a second in all, and moderators' own commands need some of that.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub struct Pacer {
    spacing: Option<Duration>,
    next_slot: Mutex<Instant>,
}

impl Pacer {
    /// `0` means no pacing.
    pub fn per_second(rate: u32) -> Self {
        Pacer {
            spacing: (rate > 0).then(|| Duration::from_secs(1) / rate),
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this call's slot.
    pub async fn wait(&self) {
        self.wait_for(1).await;
    }

    /// Reserves `calls` consecutive slots and waits for the first: a job that makes several
    /// calls in a row takes its share of the rate at once, before it locks anything.
    pub async fn wait_for(&self, calls: u32) {
        let Some(spacing) = self.spacing else {
            return;
        };
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + spacing * calls.max(1);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_at_the_rate() {
        let pacer = Pacer::per_second(50);
        let start = Instant::now();
        for _ in 0..51 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        let unpaced = Pacer::per_second(0);
        let start = Instant::now();
        unpaced.wait().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reservation_of_several_calls_takes_their_share_of_the_rate() {
        let pacer = Pacer::per_second(10);
        let start = Instant::now();
        pacer.wait_for(3).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait().await;
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }
}
