//! Timeouts longer than Discord's 28-day cap, renewed until their end.

use super::scheduled_row;
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

#[derive(Debug, Clone, Copy)]
pub struct NewTimeoutRenewal {
    pub case_id: i64,
    pub guild_id: u64,
    pub user_id: u64,
    /// When the timeout the moderator asked for ends.
    pub ends_at: DateTime<Utc>,
    /// How far Discord has applied it.
    pub applied_until: DateTime<Utc>,
}

pub async fn start(
    conn: &mut PgConnection,
    renewal: &NewTimeoutRenewal,
) -> Result<TimeoutRenewal, sqlx::Error> {
    let NewTimeoutRenewal {
        case_id,
        guild_id,
        user_id,
        ends_at,
        applied_until,
    } = *renewal;
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

pub async fn get(
    db: impl PgExecutor<'_>,
    case_id: i64,
) -> Result<Option<TimeoutRenewal>, sqlx::Error> {
    scheduled_row::get(db, case_id).await
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
