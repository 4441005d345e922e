use super::scheduled_row::{self, Ending};
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
    /// Lifting the ban when it runs out, or its end.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub ending: Ending,
}

#[derive(Debug, Clone, Copy)]
pub struct NewTempban {
    pub guild_id: u64,
    pub user_id: u64,
    pub case_id: i64,
    pub expires_at: DateTime<Utc>,
}

/// Records an active tempban. The caller ends any earlier one first, and schedules its expiry
/// (`schedule::end_tempban`, `schedule::start_tempban`).
pub async fn start(conn: &mut PgConnection, tempban: &NewTempban) -> Result<Tempban, sqlx::Error> {
    let NewTempban {
        guild_id,
        user_id,
        case_id,
        expires_at,
    } = *tempban;
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

pub async fn get(db: impl PgExecutor<'_>, tempban_id: i64) -> Result<Option<Tempban>, sqlx::Error> {
    scheduled_row::get(db, tempban_id).await
}
