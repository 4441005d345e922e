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
}

/// Records an active tempban, ending any earlier one for the same user (a new ban replaces it).
pub async fn start(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    case_id: i64,
    expires_at: DateTime<Utc>,
    actor_id: u64,
) -> Result<Tempban, sqlx::Error> {
    end_active(conn, guild_id, user_id, actor_id, "replaced by a new ban").await?;
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

/// Ends the user's active tempban, if any; returns whether there was one.
pub async fn end_active(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    ended_by: u64,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE tempbans SET active = FALSE, ended_at = now(), ended_by = $3, end_reason = $4
         WHERE guild_id = $1 AND user_id = $2 AND active",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(to_db(ended_by))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(ended.rows_affected() > 0)
}
