//! Timeouts longer than Discord's 28-day cap, renewed until their end.

use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct TimeoutRenewal {
    pub case_id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    pub ends_at: DateTime<Utc>,
    pub applied_until: DateTime<Utc>,
    pub active: bool,
    pub job_id: Option<String>,
    pub renewals: i32,
    pub last_failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct RenewalWithCase {
    #[sqlx(flatten)]
    pub renewal: TimeoutRenewal,
    pub case_number: i32,
    pub violation_type: String,
}

pub async fn start(
    conn: &mut PgConnection,
    case_id: i64,
    guild_id: u64,
    user_id: u64,
    ends_at: DateTime<Utc>,
    applied_until: DateTime<Utc>,
) -> Result<TimeoutRenewal, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO timeout_renewals (case_id, guild_id, user_id, ends_at, applied_until)
         VALUES ($1, $2, $3, $4, $5) RETURNING *",
    )
    .bind(case_id)
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(ends_at)
    .bind(applied_until)
    .fetch_one(conn)
    .await
}

/// Ends the user's active renewal (a new timeout or a removal replaces it); returns it, so
/// its job can be cancelled.
pub async fn end_active(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    reason: &str,
) -> Result<Option<TimeoutRenewal>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE timeout_renewals SET active = FALSE, ended_at = now(), end_reason = $3
         WHERE guild_id = $1 AND user_id = $2 AND active RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(reason)
    .fetch_optional(conn)
    .await
}

pub async fn end(conn: &mut PgConnection, case_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE timeout_renewals SET active = FALSE, ended_at = now(), end_reason = $2
         WHERE case_id = $1 AND active",
    )
    .bind(case_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn lock(
    conn: &mut PgConnection,
    case_id: i64,
) -> Result<Option<RenewalWithCase>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.*, c.case_number, c.violation_type
         FROM timeout_renewals r JOIN mod_cases c ON c.id = r.case_id
         WHERE r.case_id = $1 FOR UPDATE OF r",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    case_id: i64,
) -> Result<Option<TimeoutRenewal>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM timeout_renewals WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(db)
        .await
}

pub async fn set_job(
    conn: &mut PgConnection,
    case_id: i64,
    job_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE timeout_renewals SET job_id = $2 WHERE case_id = $1")
        .bind(case_id)
        .bind(job_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_renewal(
    conn: &mut PgConnection,
    case_id: i64,
    applied_until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE timeout_renewals SET applied_until = $2, renewals = renewals + 1,
             last_failure = NULL
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(applied_until)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records why renewing failed; returns whether this is the first failure in a row.
pub async fn record_failure(
    conn: &mut PgConnection,
    case_id: i64,
    failure: &str,
) -> Result<bool, sqlx::Error> {
    let before: Option<String> = sqlx::query_scalar(
        "UPDATE timeout_renewals r SET last_failure = $2 FROM timeout_renewals old
         WHERE r.case_id = $1 AND old.case_id = r.case_id RETURNING old.last_failure",
    )
    .bind(case_id)
    .bind(failure)
    .fetch_one(conn)
    .await?;
    Ok(before.is_none())
}

/// Active renewals whose job is missing or overdue by more than `overdue_secs`; locked,
/// skipping rows a renewal job holds right now.
pub async fn needing_schedule(
    conn: &mut PgConnection,
    overdue_secs: i64,
    renew_lead_secs: i64,
) -> Result<Vec<TimeoutRenewal>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.* FROM timeout_renewals r
         WHERE r.active AND (
             r.applied_until - make_interval(secs => $2) < now() - make_interval(secs => $1)
             OR r.job_id IS NULL
             OR NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.id = r.job_id AND (
                 j.status IN ('Pending', 'Queued', 'Running')
                 OR (j.status = 'Failed' AND j.attempts < j.max_attempts))))
         ORDER BY r.applied_until LIMIT 1000
         FOR UPDATE OF r SKIP LOCKED",
    )
    .bind(overdue_secs as f64)
    .bind(renew_lead_secs as f64)
    .fetch_all(conn)
    .await
}
