//! Discord's cap on timeouts, and how Gavel applies longer ones in steps it renews.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Discord refuses a `communication_disabled_until` more than 28 days ahead.
pub const DISCORD_TIMEOUT_CAP: Duration = Duration::from_secs(28 * 86_400);
/// A longer timeout is applied this much at a time...
pub const TIMEOUT_STEP: Duration = Duration::from_secs(27 * 86_400);
/// ...and renewed this long before the applied part runs out.
pub const RENEW_LEAD: Duration = Duration::from_secs(86_400);

pub fn renewal_due_at(applied_until: DateTime<Utc>) -> DateTime<Utc> {
    applied_until - chrono::Duration::from_std(RENEW_LEAD).expect("a day fits")
}
