use crate::domain::ids::to_db;
use crate::domain::MuteType;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Mute {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    #[sqlx(try_from = "String")]
    pub mute_type: MuteType,
    #[sqlx(try_from = "i64")]
    pub role_id: u64,
    pub case_id: i64,
    pub active: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<i64>,
    pub end_reason: Option<String>,
    /// The scheduled expiry job (an apalis task id).
    pub job_id: Option<String>,
    /// Why Discord refused the last attempt to remove the role.
    pub expiry_failure: Option<String>,
}

/// A mute with what its expiry needs from the case.
#[derive(Debug, Clone, FromRow)]
pub struct MuteWithCase {
    #[sqlx(flatten)]
    pub mute: Mute,
    pub case_number: i32,
    pub violation_type: String,
}

#[derive(Debug, Clone, Copy)]
pub struct NewMute {
    pub guild_id: u64,
    pub user_id: u64,
    pub mute_type: MuteType,
    pub role_id: u64,
    pub case_id: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Who muted: recorded as ending an earlier mute this one replaces.
    pub actor_id: u64,
}

/// Records an active mute, replacing (ending) an earlier active mute of the same type. Returns
/// the new mute and the expiry jobs of the replaced one, to cancel.
pub async fn start(
    conn: &mut PgConnection,
    mute: &NewMute,
) -> Result<(Mute, Vec<String>), sqlx::Error> {
    let NewMute {
        guild_id,
        user_id,
        mute_type,
        role_id,
        case_id,
        expires_at,
        actor_id,
    } = *mute;
    let replaced_jobs: Vec<Option<String>> = sqlx::query_scalar(
        "UPDATE mutes SET active = FALSE, ended_at = now(), ended_by = $4,
             end_reason = 'replaced by a new mute'
         WHERE guild_id = $1 AND user_id = $2 AND mute_type = $3 AND active
         RETURNING job_id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(mute_type.as_str())
    .bind(to_db(actor_id))
    .fetch_all(&mut *conn)
    .await?;
    let mute = sqlx::query_as(
        "INSERT INTO mutes (guild_id, user_id, mute_type, role_id, case_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(mute_type.as_str())
    .bind(to_db(role_id))
    .bind(case_id)
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok((mute, replaced_jobs.into_iter().flatten().collect()))
}

pub async fn active_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<Mute>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mutes WHERE guild_id = $1 AND user_id = $2 AND active ORDER BY id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}

/// Ends an active mute; returns its expiry job, to cancel.
pub async fn end(
    conn: &mut PgConnection,
    mute_id: i64,
    ended_by: u64,
    reason: &str,
) -> Result<Option<String>, sqlx::Error> {
    let job: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE mutes SET active = FALSE, ended_at = now(), ended_by = $2, end_reason = $3,
             expiry_failure = NULL
         WHERE id = $1 AND active RETURNING job_id",
    )
    .bind(mute_id)
    .bind(to_db(ended_by))
    .bind(reason)
    .fetch_optional(conn)
    .await?;
    Ok(job.flatten())
}

/// Locks the mute row for its expiry job; the lock is held until the caller's commit.
pub async fn lock(
    conn: &mut PgConnection,
    mute_id: i64,
) -> Result<Option<MuteWithCase>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.*, c.case_number, c.violation_type
         FROM mutes m JOIN mod_cases c ON c.id = m.case_id
         WHERE m.id = $1 FOR UPDATE OF m",
    )
    .bind(mute_id)
    .fetch_optional(conn)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, mute_id: i64) -> Result<Option<Mute>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mutes WHERE id = $1")
        .bind(mute_id)
        .fetch_optional(db)
        .await
}

pub async fn set_job(
    conn: &mut PgConnection,
    mute_id: i64,
    job_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mutes SET job_id = $2 WHERE id = $1")
        .bind(mute_id)
        .bind(job_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records why removing the role failed; returns whether this is the first failure.
pub async fn record_expiry_failure(
    conn: &mut PgConnection,
    mute_id: i64,
    failure: &str,
) -> Result<bool, sqlx::Error> {
    let before: Option<String> = sqlx::query_scalar(
        "UPDATE mutes m SET expiry_failure = $2 FROM mutes old
         WHERE m.id = $1 AND old.id = m.id RETURNING old.expiry_failure",
    )
    .bind(mute_id)
    .bind(failure)
    .fetch_one(conn)
    .await?;
    Ok(before.is_none())
}

/// Active timed mutes whose expiry job is missing or that are more than `overdue_secs` past
/// their end; locked, skipping rows an expiry job holds right now.
pub async fn needing_schedule(
    conn: &mut PgConnection,
    overdue_secs: i64,
) -> Result<Vec<Mute>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.* FROM mutes m
         WHERE m.active AND m.expires_at IS NOT NULL AND (
             m.expires_at < now() - make_interval(secs => $1)
             OR m.job_id IS NULL
             OR NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.id = m.job_id AND (
                 j.status IN ('Pending', 'Queued', 'Running')
                 OR (j.status = 'Failed' AND j.attempts < j.max_attempts))))
         ORDER BY m.expires_at LIMIT 1000
         FOR UPDATE OF m SKIP LOCKED",
    )
    .bind(overdue_secs as f64)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct MuteInForce {
    #[sqlx(flatten)]
    pub mute: Mute,
    pub case_number: i32,
}

/// Active mutes that have not yet run out, with their case numbers (for audit reasons).
pub async fn in_force_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<MuteInForce>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.*, c.case_number FROM mutes m JOIN mod_cases c ON c.id = m.case_id
         WHERE m.guild_id = $1 AND m.user_id = $2 AND m.active
           AND (m.expires_at IS NULL OR m.expires_at > now())
         ORDER BY m.id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}
