//! `evidence_download_links`: every link to an evidence object handed to a moderator, and the
//! single use of the local backend's links.

use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

pub struct NewDownloadLink<'a> {
    pub id: Uuid,
    pub guild_id: u64,
    pub item_id: i64,
    pub object_key: &'a str,
    pub created_by: u64,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    link: &NewDownloadLink<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO evidence_download_links (id, guild_id, item_id, object_key, created_by,
             expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.id)
    .bind(to_db(link.guild_id))
    .bind(link.item_id)
    .bind(link.object_key)
    .bind(to_db(link.created_by))
    .bind(link.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Uses the link `id` for `object_key` once: the key when it was unused and unexpired, `None`
/// otherwise. Concurrent uses cannot both succeed.
pub async fn redeem(
    db: impl PgExecutor<'_>,
    id: Uuid,
    object_key: &str,
) -> Result<bool, sqlx::Error> {
    let used: Option<Uuid> = sqlx::query_scalar(
        "UPDATE evidence_download_links SET used_at = now()
         WHERE id = $1 AND object_key = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING id",
    )
    .bind(id)
    .bind(object_key)
    .fetch_optional(db)
    .await?;
    Ok(used.is_some())
}
