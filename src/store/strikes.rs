use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Strike {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    pub case_id: i64,
    pub points: i32,
    pub violation_type: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub voided_at: Option<DateTime<Utc>>,
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
}

impl Strike {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.voided_at.is_none() && self.expires_at > now
    }
}

pub async fn insert(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    case_id: i64,
    points: i32,
    violation_type: &str,
    expiry_days: i32,
) -> Result<Strike, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO strikes (guild_id, user_id, case_id, points, violation_type, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6)) RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(case_id)
    .bind(points)
    .bind(violation_type)
    .bind(expiry_days)
    .fetch_one(conn)
    .await
}

/// Points that still count: not expired, not voided.
pub async fn active_points(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(sum(points), 0)::BIGINT FROM strikes
         WHERE guild_id = $1 AND user_id = $2 AND voided_at IS NULL AND expires_at > now()",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_one(db)
    .await
}

/// Holds the user's strike lock until the transaction ends, so reading their points and
/// adding strikes is one step: two actions settling for the same user at once queue here, and
/// each sees the other's strikes.
pub async fn lock_user(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("gavel.strikes:{guild_id}:{user_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// How many strikes are on the user's record (active, expired and void) and, of those still
/// counting, how many and their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct StrikeTotals {
    pub on_record: i64,
    pub active: i64,
    pub active_points: i64,
}

pub async fn totals(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<StrikeTotals, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) AS on_record,
                count(*) FILTER (WHERE voided_at IS NULL AND expires_at > now()) AS active,
                COALESCE(sum(points) FILTER (WHERE voided_at IS NULL AND expires_at > now()),
                    0)::BIGINT AS active_points
         FROM strikes WHERE guild_id = $1 AND user_id = $2",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_one(db)
    .await
}

/// The user's newest `limit` strikes, newest first, for views.
pub async fn recent_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
    limit: i64,
) -> Result<Vec<Strike>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM strikes WHERE guild_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The user's whole strike record. Unbounded: views use [`recent_for_user`] and [`totals`].
pub async fn for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<Strike>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM strikes WHERE guild_id = $1 AND user_id = $2 ORDER BY id DESC")
        .bind(to_db(guild_id))
        .bind(to_db(user_id))
        .fetch_all(db)
        .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    strike_id: i64,
) -> Result<Option<Strike>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM strikes WHERE guild_id = $1 AND id = $2")
        .bind(to_db(guild_id))
        .bind(strike_id)
        .fetch_optional(db)
        .await
}

pub async fn void(
    conn: &mut PgConnection,
    strike_id: i64,
    voided_by: u64,
    reason: &str,
) -> Result<Option<Strike>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE strikes SET voided_at = now(), voided_by = $2, void_reason = $3
         WHERE id = $1 AND voided_at IS NULL RETURNING *",
    )
    .bind(strike_id)
    .bind(to_db(voided_by))
    .bind(reason)
    .fetch_optional(conn)
    .await
}

pub async fn void_for_case(
    conn: &mut PgConnection,
    case_id: i64,
    voided_by: u64,
    reason: &str,
) -> Result<Vec<Strike>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE strikes SET voided_at = now(), voided_by = $2, void_reason = $3
         WHERE case_id = $1 AND voided_at IS NULL RETURNING *",
    )
    .bind(case_id)
    .bind(to_db(voided_by))
    .bind(reason)
    .fetch_all(conn)
    .await
}

/// Strikes that stopped counting and whose expiry is not yet in the event log; locked,
/// skipping rows another process is recording.
pub async fn expired_unrecorded(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<Strike>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM strikes
         WHERE voided_at IS NULL AND expiry_recorded_at IS NULL AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn mark_expiry_recorded(
    conn: &mut PgConnection,
    strike_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE strikes SET expiry_recorded_at = now() WHERE id = $1")
        .bind(strike_id)
        .execute(conn)
        .await?;
    Ok(())
}
