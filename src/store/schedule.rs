//! Scheduling inside the caller's transaction: a tempban, timed mute or long timeout starts
//! and ends together with the job that acts on it. No apalis types cross this line.
//!
//! The three scheduled tables, and the job each row gets, are described here; the queries on
//! them are in `scheduled_row`.

use super::job_queue;
use super::mutes::{self, Mute, NewMute};
use super::scheduled_row::{self, ScheduledRow, ScheduledTable};
use super::tempbans::{self, NewTempban, Tempban};
use super::timeout_renewals::{self, NewTimeoutRenewal, TimeoutRenewal};
use crate::domain::timeout::{renewal_due_at, RENEW_LEAD};
use crate::domain::ScheduledJob;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

impl ScheduledRow for Tempban {
    const TABLE: ScheduledTable = ScheduledTable::punishment("tempbans", |tempban_id, retry| {
        ScheduledJob::EndTempban { tempban_id, retry }
    });
}

impl ScheduledRow for Mute {
    const TABLE: ScheduledTable = ScheduledTable::punishment("mutes", |mute_id, retry| {
        ScheduledJob::EndMute { mute_id, retry }
    });
}

impl ScheduledRow for TimeoutRenewal {
    const TABLE: ScheduledTable = ScheduledTable {
        name: "timeout_renewals",
        key_column: "case_id",
        due_column: "applied_until",
        lead: RENEW_LEAD,
        failure_column: "last_failure",
        is_punishment: false,
        job: |case_id, retry| ScheduledJob::RenewTimeout { case_id, retry },
    };
}

/// Schedules the next job for the row with key `key` at `run_at` and points the row at it;
/// `retry` counts the transient Discord errors before it.
pub async fn job<R: ScheduledRow>(
    conn: &mut PgConnection,
    key: i64,
    retry: u32,
    run_at: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let id = job_queue::push(conn, &R::job(key, retry), run_at).await?;
    scheduled_row::set_job::<R>(conn, key, Some(&id)).await?;
    Ok(id)
}

/// Gives a fresh job to every active, unparked row whose job is gone or whose worker is dead
/// (silent for `worker_dead_secs`); returns how many.
pub async fn reschedule_missing<R: ScheduledRow>(
    conn: &mut PgConnection,
    worker_dead_secs: i64,
) -> Result<usize, sqlx::Error> {
    let rows = scheduled_row::needing_schedule::<R>(conn, worker_dead_secs).await?;
    for row in &rows {
        cancel(conn, row.job_id.as_deref()).await?;
        if let Some(due_at) = row.due_at {
            job::<R>(conn, row.key, 0, due_at).await?;
        }
    }
    Ok(rows.len())
}

/// Records a tempban and schedules its end. The caller ends an earlier one first
/// ([`end_tempban`]).
pub async fn start_tempban(
    conn: &mut PgConnection,
    tempban: &NewTempban,
) -> Result<Tempban, sqlx::Error> {
    let tempban = tempbans::start(conn, tempban).await?;
    job::<Tempban>(conn, tempban.id, 0, tempban.expires_at).await?;
    Ok(tempban)
}

/// Ends the user's running tempban, if any, and cancels its job; returns the ended tempban.
pub async fn end_tempban(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    ended_by: u64,
    reason: &str,
) -> Result<Option<Tempban>, sqlx::Error> {
    let ended =
        scheduled_row::end_active::<Tempban>(conn, guild_id, user_id, Some(ended_by), reason)
            .await?;
    if let Some(tempban) = &ended {
        cancel(conn, tempban.ending.job_id.as_deref()).await?;
    }
    Ok(ended)
}

/// Records a mute, replacing an earlier active one of its type (whose job is cancelled), and
/// schedules its end if it has one.
pub async fn start_mute(conn: &mut PgConnection, mute: &NewMute) -> Result<Mute, sqlx::Error> {
    let (mute, replaced_jobs) = mutes::start(conn, mute).await?;
    job_queue::cancel_all(conn, replaced_jobs).await?;
    if let Some(expires_at) = mute.expires_at {
        job::<Mute>(conn, mute.id, 0, expires_at).await?;
    }
    Ok(mute)
}

/// Ends an active mute and cancels its job.
pub async fn end_mute(
    conn: &mut PgConnection,
    mute_id: i64,
    ended_by: u64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let job = scheduled_row::end::<Mute>(conn, mute_id, Some(ended_by), reason).await?;
    cancel(conn, job.as_deref()).await
}

/// Starts renewing a timeout whose requested end lies beyond what Discord applied.
pub async fn start_timeout_renewal(
    conn: &mut PgConnection,
    renewal: &NewTimeoutRenewal,
) -> Result<TimeoutRenewal, sqlx::Error> {
    let renewal = timeout_renewals::start(conn, renewal).await?;
    let due_at = renewal_due_at(renewal.applied_until);
    job::<TimeoutRenewal>(conn, renewal.case_id, 0, due_at).await?;
    Ok(renewal)
}

/// Stops renewing the user's long timeout (a new timeout replaces it, or it was removed).
pub async fn end_timeout_renewal(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let ended =
        scheduled_row::end_active::<TimeoutRenewal>(conn, guild_id, user_id, None, reason).await?;
    if let Some(renewal) = ended {
        cancel(conn, renewal.job_id.as_deref()).await?;
    }
    Ok(())
}

/// Parks every tempban, mute and timeout renewal of a server Gavel is not in: their jobs are
/// cancelled and reconciliation leaves them alone until [`unpark_guild`]. Returns how many.
pub async fn park_guild(
    conn: &mut PgConnection,
    guild_id: u64,
    reason: &str,
) -> Result<usize, sqlx::Error> {
    let mut parked = 0;
    for jobs in [
        scheduled_row::park_guild::<Tempban>(conn, guild_id, reason).await?,
        scheduled_row::park_guild::<Mute>(conn, guild_id, reason).await?,
        scheduled_row::park_guild::<TimeoutRenewal>(conn, guild_id, reason).await?,
    ] {
        parked += jobs.len();
        job_queue::cancel_all(conn, jobs).await?;
    }
    Ok(parked)
}

/// Gavel is in the server (again): its parked rows get their jobs back, due at their time (at
/// once when that has passed). Returns how many.
pub async fn unpark_guild(conn: &mut PgConnection, guild_id: u64) -> Result<usize, sqlx::Error> {
    Ok(unpark::<Tempban>(conn, guild_id).await?
        + unpark::<Mute>(conn, guild_id).await?
        + unpark::<TimeoutRenewal>(conn, guild_id).await?)
}

async fn unpark<R: ScheduledRow>(
    conn: &mut PgConnection,
    guild_id: u64,
) -> Result<usize, sqlx::Error> {
    let rows = scheduled_row::unpark_guild::<R>(conn, guild_id).await?;
    for row in &rows {
        if let Some(due_at) = row.due_at {
            job::<R>(conn, row.key, 0, due_at).await?;
        }
    }
    Ok(rows.len())
}

pub async fn cancel(conn: &mut PgConnection, job_id: Option<&str>) -> Result<(), sqlx::Error> {
    if let Some(id) = job_id {
        job_queue::cancel(conn, id).await?;
    }
    Ok(())
}
