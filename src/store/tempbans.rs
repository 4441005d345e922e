use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Tempban {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    pub case_id: i64,
    pub active: bool,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<i64>,
    pub end_reason: Option<String>,
    /// The scheduled expiry job (an apalis task id).
    pub job_id: Option<String>,
    /// Why Discord refused the last attempt to lift the ban.
    pub expiry_failure: Option<String>,
}

/// A tempban with what its expiry needs from the case.
#[derive(Debug, Clone, FromRow)]
pub struct TempbanWithCase {
    #[sqlx(flatten)]
    pub tempban: Tempban,
    pub case_number: i32,
    pub violation_type: String,
}

/// Records an active tempban. The caller ends any earlier one first (`end_active`), so it can
/// cancel that one's expiry job.
pub async fn start(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    case_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<Tempban, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO tempbans (guild_id, user_id, case_id, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(case_id)
    .bind(expires_at)
    .fetch_one(conn)
    .await
}

pub async fn active_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Option<Tempban>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM tempbans WHERE guild_id = $1 AND user_id = $2 AND active")
        .bind(to_db(guild_id))
        .bind(to_db(user_id))
        .fetch_optional(db)
        .await
}

/// Ends the user's active tempban, if any, and returns it (its `job_id` is to be cancelled).
pub async fn end_active(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    ended_by: u64,
    reason: &str,
) -> Result<Option<Tempban>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE tempbans SET active = FALSE, ended_at = now(), ended_by = $3, end_reason = $4
         WHERE guild_id = $1 AND user_id = $2 AND active RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(to_db(ended_by))
    .bind(reason)
    .fetch_optional(conn)
    .await
}

pub async fn end(
    conn: &mut PgConnection,
    tempban_id: i64,
    ended_by: u64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tempbans SET active = FALSE, ended_at = now(), ended_by = $2, end_reason = $3,
             expiry_failure = NULL
         WHERE id = $1 AND active",
    )
    .bind(tempban_id)
    .bind(to_db(ended_by))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the tempban row for its expiry job; the lock is held until the caller's commit.
pub async fn lock(
    conn: &mut PgConnection,
    tempban_id: i64,
) -> Result<Option<TempbanWithCase>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.*, c.case_number, c.violation_type
         FROM tempbans t JOIN mod_cases c ON c.id = t.case_id
         WHERE t.id = $1 FOR UPDATE OF t",
    )
    .bind(tempban_id)
    .fetch_optional(conn)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, tempban_id: i64) -> Result<Option<Tempban>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM tempbans WHERE id = $1")
        .bind(tempban_id)
        .fetch_optional(db)
        .await
}

pub async fn set_job(
    conn: &mut PgConnection,
    tempban_id: i64,
    job_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tempbans SET job_id = $2 WHERE id = $1")
        .bind(tempban_id)
        .bind(job_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records why lifting the ban failed; returns whether this is the first failure (so the mod
/// log hears about it once).
pub async fn record_expiry_failure(
    conn: &mut PgConnection,
    tempban_id: i64,
    failure: &str,
) -> Result<bool, sqlx::Error> {
    let before: Option<String> = sqlx::query_scalar(
        "UPDATE tempbans t SET expiry_failure = $2 FROM tempbans old
         WHERE t.id = $1 AND old.id = t.id RETURNING old.expiry_failure",
    )
    .bind(tempban_id)
    .bind(failure)
    .fetch_one(conn)
    .await?;
    Ok(before.is_none())
}

/// Active tempbans whose expiry job is missing (never scheduled, deleted, finished or given
/// up) or that are more than `overdue_secs` past their end. Locked, skipping rows an expiry
/// job holds right now.
pub async fn needing_schedule(
    conn: &mut PgConnection,
    overdue_secs: i64,
) -> Result<Vec<Tempban>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.* FROM tempbans t
         WHERE t.active AND (
             t.expires_at < now() - make_interval(secs => $1)
             OR t.job_id IS NULL
             OR NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.id = t.job_id AND (
                 j.status IN ('Pending', 'Queued', 'Running')
                 OR (j.status = 'Failed' AND j.attempts < j.max_attempts))))
         ORDER BY t.expires_at LIMIT 1000
         FOR UPDATE OF t SKIP LOCKED",
    )
    .bind(overdue_secs as f64)
    .fetch_all(conn)
    .await
}
