use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Note {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    #[sqlx(try_from = "i64")]
    pub author_id: u64,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<i64>,
}

pub async fn insert(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    author_id: u64,
    content: &str,
) -> Result<Note, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO notes (guild_id, user_id, author_id, content) VALUES ($1, $2, $3, $4)
         RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(to_db(author_id))
    .bind(content)
    .fetch_one(conn)
    .await
}

/// The user's newest `limit` visible notes, newest first; [`count_visible`] gives the total.
pub async fn recent_visible_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM notes WHERE guild_id = $1 AND user_id = $2 AND deleted_at IS NULL
         ORDER BY id DESC LIMIT $3",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// All of the user's visible notes. Unbounded: views use [`recent_visible_for_user`].
pub async fn visible_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM notes WHERE guild_id = $1 AND user_id = $2 AND deleted_at IS NULL
         ORDER BY id DESC",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}

pub async fn count_visible(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM notes WHERE guild_id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_one(db)
    .await
}

/// Hides a note (the row is kept with who deleted it). `None` when there is no such visible
/// note in this guild.
/// One note of the guild, deleted or not.
pub async fn get(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    note_id: i64,
) -> Result<Option<Note>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM notes WHERE guild_id = $1 AND id = $2")
        .bind(to_db(guild_id))
        .bind(note_id)
        .fetch_optional(db)
        .await
}

pub async fn delete(
    conn: &mut PgConnection,
    guild_id: u64,
    note_id: i64,
    deleted_by: u64,
) -> Result<Option<Note>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE notes SET deleted_at = now(), deleted_by = $3
         WHERE guild_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(note_id)
    .bind(to_db(deleted_by))
    .fetch_optional(conn)
    .await
}
