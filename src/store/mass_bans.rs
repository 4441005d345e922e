//! Previewed mass bans waiting for their moderator's Confirm or Cancel (`mass_ban_batches`).

use crate::domain::ids::{from_db, to_db};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedUser {
    pub user_id: u64,
    pub why: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct BatchRow {
    pub id: uuid::Uuid,
    guild_id: i64,
    moderator_id: i64,
    pub moderator_top_position: i32,
    pub reason: Option<String>,
    pub violation_type: String,
    pub delete_message_seconds: i32,
    user_ids: Vec<i64>,
    skipped: sqlx::types::Json<Vec<SkippedUser>>,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl BatchRow {
    pub fn guild_id(&self) -> u64 {
        from_db(self.guild_id)
    }

    pub fn moderator_id(&self) -> u64 {
        from_db(self.moderator_id)
    }

    pub fn user_ids(&self) -> Vec<u64> {
        self.user_ids.iter().copied().map(from_db).collect()
    }

    pub fn skipped(&self) -> &[SkippedUser] {
        &self.skipped.0
    }
}

pub struct NewBatch<'a> {
    pub id: uuid::Uuid,
    pub guild_id: u64,
    pub moderator_id: u64,
    pub moderator_top_position: u16,
    pub reason: Option<&'a str>,
    pub violation_type: &'a str,
    pub delete_message_seconds: u32,
    pub user_ids: &'a [u64],
    pub skipped: &'a [SkippedUser],
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    batch: &NewBatch<'_>,
) -> Result<BatchRow, sqlx::Error> {
    let ids: Vec<i64> = batch.user_ids.iter().copied().map(to_db).collect();
    sqlx::query_as(
        "INSERT INTO mass_ban_batches (id, guild_id, moderator_id, moderator_top_position, reason,
             violation_type, delete_message_seconds, user_ids, skipped, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING *",
    )
    .bind(batch.id)
    .bind(to_db(batch.guild_id))
    .bind(to_db(batch.moderator_id))
    .bind(i32::from(batch.moderator_top_position))
    .bind(batch.reason)
    .bind(batch.violation_type)
    .bind(batch.delete_message_seconds as i32)
    .bind(ids)
    .bind(sqlx::types::Json(batch.skipped))
    .bind(batch.expires_at)
    .fetch_one(db)
    .await
}

/// The batch, if it is this guild's.
pub async fn get(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    id: uuid::Uuid,
) -> Result<Option<BatchRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mass_ban_batches WHERE id = $1 AND guild_id = $2")
        .bind(id)
        .bind(to_db(guild_id))
        .fetch_optional(db)
        .await
}

/// Moves a previewed, unexpired batch of this guild and moderator to `state` (CONFIRMED or
/// CANCELLED). Only one press wins: `None` when it was decided already, expired or is not theirs.
pub async fn decide(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    moderator_id: u64,
    id: uuid::Uuid,
    state: &str,
) -> Result<Option<BatchRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mass_ban_batches SET state = $4, decided_at = now()
         WHERE id = $1 AND guild_id = $2 AND moderator_id = $3 AND state = 'PREVIEWED'
           AND expires_at > now()
         RETURNING *",
    )
    .bind(id)
    .bind(to_db(guild_id))
    .bind(to_db(moderator_id))
    .bind(state)
    .fetch_optional(db)
    .await
}

/// Forgets previews nobody confirmed, a day after they expired.
pub async fn delete_stale(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM mass_ban_batches
         WHERE state = 'PREVIEWED' AND expires_at < now() - interval '1 day'",
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
