//! The one handler for jobs that act on a scheduled row (tempban and mute expiry, timeout
//! renewal). It waits for its Discord slot (the pacer) holding nothing, then locks the row
//! (`FOR UPDATE`), re-checks that it is still active, due and still this job's, lets the
//! action act through the Discord port and record the outcome, and commits: two workers can
//! never both act on one row, and no job holds a transaction while it waits its turn. After a transient Discord error the
//! job runs again with a growing delay; after a refusal, in an hour, with the refusal recorded
//! on the row and told to the mod log once. When Discord says Gavel is not in the server
//! (Unknown Guild, Missing Access) every scheduled row of that server is parked instead, until
//! Gavel is added back (`store::schedule::unpark_guild` on GUILD_CREATE).

use super::notices::{post_failure, post_to_mod_log};
use super::JobContext;
use crate::domain::Embed;
use crate::error::GavelResult;
use crate::ports::discord::DiscordError;
use crate::store::schedule;
use crate::store::scheduled_row::{self, Locked, ScheduledRow};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::future::Future;
use std::time::Duration;
use tracing::field::Empty;

/// How long to wait before trying again after Discord refused for good (missing
/// permissions): a moderator may fix it meanwhile.
const AFTER_REFUSAL: Duration = Duration::from_secs(3600);
/// Longest wait between retries after transient errors.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What differs between the scheduled jobs: the Discord call and how its outcome is recorded.
pub trait ScheduledAction {
    type Row: ScheduledRow;

    /// Discord calls one run makes at most; the pacer reserves them before the row is locked.
    const PACED_CALLS: u32 = 1;

    /// Acts on the row and writes what follows in `due.tx`; the caller commits.
    fn act(due: Due<'_, Self::Row>) -> impl Future<Output = GavelResult<Acted>> + Send;

    /// The mod-log notice (title, text) when Discord first refuses.
    fn refusal_notice(locked: &Locked<Self::Row>, error: &DiscordError) -> (String, String);
}

/// A locked row, active and due, that its job acts on now.
pub struct Due<'a, R> {
    pub ctx: &'a JobContext,
    pub tx: &'a mut PgConnection,
    pub locked: &'a Locked<R>,
    pub due_at: DateTime<Utc>,
    /// Transient Discord errors before this run.
    pub retry: u32,
}

pub enum Acted {
    /// The outcome is written; after the commit the mod log gets the embed, if any.
    Recorded(Option<Embed>),
    /// Discord failed: try again, and record a refusal on the row; or, when Gavel is not in
    /// the server, park the server's rows.
    Failed(DiscordError),
}

/// Runs job `job_id` for the row with key `key`. Errors are database errors (apalis retries
/// the job); Discord's errors are handled here.
#[tracing::instrument(
    name = "scheduled_row",
    skip_all,
    fields(row_id = key, guild_id = Empty, case_id = Empty)
)]
pub async fn run<A: ScheduledAction>(
    ctx: &JobContext,
    key: i64,
    job_id: &str,
    retry: u32,
) -> GavelResult<()> {
    // Wait for the Discord slot before taking a connection, a transaction or the lock. (A job
    // whose row ended or moved on was deleted unless already taken, so a wasted slot is rare.)
    ctx.pacer.wait_for(A::PACED_CALLS).await;
    let mut tx = ctx.pool.begin().await?;
    let Some(locked) = scheduled_row::lock::<A::Row>(&mut tx, key).await? else {
        return Ok(());
    };
    let state = &locked.state;
    let span = tracing::Span::current();
    span.record("guild_id", state.guild_id);
    span.record("case_id", state.case_id);
    if !state.active || state.job_id.as_deref() != Some(job_id) {
        tracing::debug!("ended or rescheduled; nothing to do");
        return Ok(());
    }
    let Some(due_at) = state.due_at else {
        return Ok(());
    };
    if due_at > Utc::now() {
        // Not due (never expected: apalis takes jobs only after run_at). Put it back.
        schedule::job::<A::Row>(&mut tx, key, 0, due_at).await?;
        tx.commit().await?;
        return Ok(());
    }
    let due = Due {
        ctx,
        tx: &mut tx,
        locked: &locked,
        due_at,
        retry,
    };
    match A::act(due).await? {
        Acted::Recorded(notice) => {
            tx.commit().await?;
            if let Some(embed) = notice {
                post_to_mod_log(ctx, state.guild_id, embed).await;
            }
        }
        Acted::Failed(error) if error.is_not_in_guild() => {
            let reason = format!(
                "Gavel is not in the server (Discord answered {} {}); waiting until it is added back",
                error.status, error.message
            );
            let parked = schedule::park_guild(&mut tx, state.guild_id, &reason).await?;
            tx.commit().await?;
            tracing::warn!(%error, parked, "Gavel is not in the server; its scheduled rows are parked");
        }
        Acted::Failed(error) => {
            let first = match retry_after::<A::Row>(&mut tx, &error, retry, key).await? {
                Some(refusal) => {
                    scheduled_row::record_failure::<A::Row>(&mut tx, key, &refusal).await?
                }
                None => false,
            };
            tx.commit().await?;
            if first {
                let (title, text) = A::refusal_notice(&locked, &error);
                post_failure(ctx, state.guild_id, &title, text).await;
            }
        }
    }
    Ok(())
}

/// Schedules the next attempt after a Discord error: soon with a growing delay after a
/// transient error, in an hour after a refusal. Returns the refusal in a moderator's words;
/// `None` for a transient error.
pub async fn retry_after<R: ScheduledRow>(
    tx: &mut PgConnection,
    error: &DiscordError,
    retry: u32,
    key: i64,
) -> Result<Option<String>, sqlx::Error> {
    if error.is_transient() {
        tracing::info!(%error, retry, "Discord error that may pass; retrying");
        schedule::job::<R>(tx, key, retry + 1, later(backoff(retry))).await?;
        Ok(None)
    } else {
        tracing::warn!(%error, "Discord refused a scheduled action");
        schedule::job::<R>(tx, key, 0, later(AFTER_REFUSAL)).await?;
        Ok(Some(error.moderator_message()))
    }
}

/// 1 s, 2 s, 4 s … up to five minutes.
pub fn backoff(retry: u32) -> Duration {
    Duration::from_secs(1u64 << retry.min(16)).min(MAX_BACKOFF)
}

pub fn later(wait: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), Duration::from_secs(300));
        assert_eq!(backoff(40), Duration::from_secs(300));
    }
}
