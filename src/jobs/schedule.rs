//! The scheduling hooks services call inside their transactions: start or cancel the job
//! that ends a tempban or mute, or renews a long timeout. No apalis types cross this line.

use super::{queue, Job};
use crate::domain::timeout::renewal_due_at;
use crate::store::mutes::{self, Mute};
use crate::store::tempbans::{self, Tempban};
use crate::store::timeout_renewals::{self, TimeoutRenewal};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub async fn tempban_expiry(
    conn: &mut PgConnection,
    tempban: &Tempban,
) -> Result<String, sqlx::Error> {
    let job = Job::EndTempban {
        tempban_id: tempban.id,
        retry: 0,
    };
    let id = queue::push(conn, &job, tempban.expires_at).await?;
    tempbans::set_job(conn, tempban.id, Some(&id)).await?;
    Ok(id)
}

/// Schedules the end of a timed mute; a mute without an end gets no job.
pub async fn mute_expiry(
    conn: &mut PgConnection,
    mute: &Mute,
) -> Result<Option<String>, sqlx::Error> {
    let Some(expires_at) = mute.expires_at else {
        return Ok(None);
    };
    let job = Job::EndMute {
        mute_id: mute.id,
        retry: 0,
    };
    let id = queue::push(conn, &job, expires_at).await?;
    mutes::set_job(conn, mute.id, Some(&id)).await?;
    Ok(Some(id))
}

pub async fn timeout_renewal(
    conn: &mut PgConnection,
    renewal: &TimeoutRenewal,
) -> Result<String, sqlx::Error> {
    let job = Job::RenewTimeout {
        case_id: renewal.case_id,
        retry: 0,
    };
    let id = queue::push(conn, &job, renewal_due_at(renewal.applied_until)).await?;
    timeout_renewals::set_job(conn, renewal.case_id, Some(&id)).await?;
    Ok(id)
}

/// Starts renewing a timeout whose requested end lies beyond what Discord applied.
pub async fn start_timeout_renewal(
    conn: &mut PgConnection,
    case_id: i64,
    guild_id: u64,
    user_id: u64,
    ends_at: DateTime<Utc>,
    applied_until: DateTime<Utc>,
) -> Result<TimeoutRenewal, sqlx::Error> {
    let renewal =
        timeout_renewals::start(conn, case_id, guild_id, user_id, ends_at, applied_until).await?;
    timeout_renewal(conn, &renewal).await?;
    Ok(renewal)
}

/// Stops renewing the user's long timeout (a new timeout replaces it, or it was removed).
pub async fn end_timeout_renewal(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    if let Some(ended) = timeout_renewals::end_active(conn, guild_id, user_id, reason).await? {
        cancel(conn, ended.job_id.as_deref()).await?;
    }
    Ok(())
}

pub async fn cancel(conn: &mut PgConnection, job_id: Option<&str>) -> Result<(), sqlx::Error> {
    if let Some(id) = job_id {
        queue::cancel(conn, id).await?;
    }
    Ok(())
}
