use crate::domain::ids::to_db;
use crate::domain::ModAction;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct CaseTemplate {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub action: ModAction,
    pub reason: Option<String>,
    pub violation_type: Option<String>,
    pub duration_secs: Option<i64>,
    /// The moderator's pick within the violation type's range; `None` takes its low end.
    pub strike_points: Option<i16>,
    #[sqlx(try_from = "i64")]
    pub created_by: u64,
    pub created_at: DateTime<Utc>,
}

pub struct NewTemplate<'a> {
    pub guild_id: u64,
    pub name: &'a str,
    pub action: ModAction,
    pub reason: Option<&'a str>,
    pub violation_type: Option<&'a str>,
    pub duration_secs: Option<i64>,
    pub strike_points: Option<u8>,
    pub created_by: u64,
}

/// Creates or replaces the guild's template with this name.
pub async fn upsert(
    conn: &mut PgConnection,
    template: &NewTemplate<'_>,
) -> Result<CaseTemplate, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO case_templates (guild_id, name, action, reason, violation_type,
             duration_secs, created_by, strike_points)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (guild_id, name) DO UPDATE SET action = EXCLUDED.action,
             reason = EXCLUDED.reason, violation_type = EXCLUDED.violation_type,
             duration_secs = EXCLUDED.duration_secs,
             strike_points = EXCLUDED.strike_points, created_by = EXCLUDED.created_by,
             created_at = now()
         RETURNING *",
    )
    .bind(to_db(template.guild_id))
    .bind(template.name)
    .bind(template.action.as_str())
    .bind(template.reason)
    .bind(template.violation_type)
    .bind(template.duration_secs)
    .bind(to_db(template.created_by))
    .bind(template.strike_points.map(i16::from))
    .fetch_one(conn)
    .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    name: &str,
) -> Result<Option<CaseTemplate>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM case_templates WHERE guild_id = $1 AND lower(name) = lower($2)")
        .bind(to_db(guild_id))
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn get_by_id(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    id: i64,
) -> Result<Option<CaseTemplate>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM case_templates WHERE guild_id = $1 AND id = $2")
        .bind(to_db(guild_id))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list(
    db: impl PgExecutor<'_>,
    guild_id: u64,
) -> Result<Vec<CaseTemplate>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM case_templates WHERE guild_id = $1 ORDER BY name")
        .bind(to_db(guild_id))
        .fetch_all(db)
        .await
}

pub async fn delete(
    conn: &mut PgConnection,
    guild_id: u64,
    name: &str,
) -> Result<Option<CaseTemplate>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM case_templates WHERE guild_id = $1 AND lower(name) = lower($2) RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(name)
    .fetch_optional(conn)
    .await
}
