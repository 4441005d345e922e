use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgExecutor};

/// One row of the append-only moderation log.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ModEvent {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub kind: String,
    #[sqlx(try_from = "i64")]
    pub actor_id: u64,
    pub target_id: Option<i64>,
    pub case_id: Option<i64>,
    pub violation_type: String,
    pub details: Option<String>,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub guild_id: u64,
    pub kind: &'static str,
    pub actor_id: u64,
    pub target_id: Option<u64>,
    pub case_id: Option<i64>,
    pub violation_type: String,
    pub details: Option<String>,
    pub data: serde_json::Value,
}

pub async fn insert(db: impl PgExecutor<'_>, event: &NewEvent) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mod_events (guild_id, kind, actor_id, target_id, case_id, violation_type,
             details, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(to_db(event.guild_id))
    .bind(event.kind)
    .bind(to_db(event.actor_id))
    .bind(event.target_id.map(to_db))
    .bind(event.case_id)
    .bind(&event.violation_type)
    .bind(&event.details)
    .bind(&event.data)
    .fetch_one(db)
    .await
}

pub async fn for_guild(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    limit: i64,
) -> Result<Vec<ModEvent>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mod_events WHERE guild_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(to_db(guild_id))
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn for_case(db: impl PgExecutor<'_>, case_id: i64) -> Result<Vec<ModEvent>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mod_events WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(db)
        .await
}
