use crate::domain::ids::to_db;
use crate::domain::UserFlag;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct FlagRecord {
    #[sqlx(try_from = "String")]
    pub flag: UserFlag,
    #[sqlx(try_from = "i64")]
    pub set_by: u64,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Sets a flag; returns false when the user already had it (nothing changes then).
pub async fn set(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    flag: UserFlag,
    set_by: u64,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO user_flags (guild_id, user_id, flag, set_by, reason)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(flag.as_str())
    .bind(to_db(set_by))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Clears a flag; returns false when the user did not have it.
pub async fn clear(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    flag: UserFlag,
) -> Result<bool, sqlx::Error> {
    let deleted =
        sqlx::query("DELETE FROM user_flags WHERE guild_id = $1 AND user_id = $2 AND flag = $3")
            .bind(to_db(guild_id))
            .bind(to_db(user_id))
            .bind(flag.as_str())
            .execute(conn)
            .await?;
    Ok(deleted.rows_affected() == 1)
}

pub async fn for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<FlagRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT flag, set_by, reason, created_at FROM user_flags
         WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}
