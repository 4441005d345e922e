//! Evidence items, amendments (both append-only) and pending upload links.

use crate::domain::evidence::canonical::{AmendmentDocument, ItemDocument};
use crate::domain::ids::to_db;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct EvidenceItemRow {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub case_id: i64,
    pub case_number: i32,
    pub seq: i32,
    pub kind: String,
    pub source: String,
    pub url: Option<String>,
    pub filename: Option<String>,
    pub note: Option<String>,
    pub objects: serde_json::Value,
    pub metadata: serde_json::Value,
    #[sqlx(try_from = "i64")]
    pub added_by: u64,
    pub created_at: DateTime<Utc>,
    pub key_id: String,
    pub prev_signature: Option<String>,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct AmendmentRow {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub case_id: i64,
    pub case_number: i32,
    pub seq: i32,
    pub kind: String,
    pub target_seq: Option<i32>,
    pub text: String,
    #[sqlx(try_from = "i64")]
    pub added_by: u64,
    pub created_at: DateTime<Utc>,
    pub key_id: String,
    pub prev_signature: Option<String>,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct UploadRow {
    pub id: uuid::Uuid,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub case_id: i64,
    pub case_number: i32,
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub note: Option<String>,
    #[sqlx(try_from = "i64")]
    pub requested_by: u64,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub item_id: Option<i64>,
}

/// The last entry of a case's chain: its seq and signature (0 and `None` when empty). Call
/// with the case row locked, so appends to one case are serialised.
pub async fn chain_head(
    conn: &mut PgConnection,
    case_id: i64,
) -> Result<(i32, Option<String>), sqlx::Error> {
    let head: Option<(i32, String)> = sqlx::query_as(
        "SELECT seq, signature FROM (
             SELECT seq, signature FROM evidence_items WHERE case_id = $1
             UNION ALL
             SELECT seq, signature FROM evidence_amendments WHERE case_id = $1
         ) entries ORDER BY seq DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match head {
        Some((seq, signature)) => (seq, Some(signature)),
        None => (0, None),
    })
}

pub async fn insert_item(
    conn: &mut PgConnection,
    item: &EvidenceItemRow,
) -> Result<EvidenceItemRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO evidence_items (guild_id, case_id, case_number, seq, kind, source, url,
             filename, note, objects, metadata, added_by, created_at, key_id, prev_signature,
             signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING *",
    )
    .bind(to_db(item.guild_id))
    .bind(item.case_id)
    .bind(item.case_number)
    .bind(item.seq)
    .bind(&item.kind)
    .bind(&item.source)
    .bind(&item.url)
    .bind(&item.filename)
    .bind(&item.note)
    .bind(&item.objects)
    .bind(&item.metadata)
    .bind(to_db(item.added_by))
    .bind(item.created_at)
    .bind(&item.key_id)
    .bind(&item.prev_signature)
    .bind(&item.signature)
    .fetch_one(conn)
    .await
}

pub async fn insert_amendment(
    conn: &mut PgConnection,
    amendment: &AmendmentRow,
) -> Result<AmendmentRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO evidence_amendments (guild_id, case_id, case_number, seq, kind, target_seq,
             text, added_by, created_at, key_id, prev_signature, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING *",
    )
    .bind(to_db(amendment.guild_id))
    .bind(amendment.case_id)
    .bind(amendment.case_number)
    .bind(amendment.seq)
    .bind(&amendment.kind)
    .bind(amendment.target_seq)
    .bind(&amendment.text)
    .bind(to_db(amendment.added_by))
    .bind(amendment.created_at)
    .bind(&amendment.key_id)
    .bind(&amendment.prev_signature)
    .bind(&amendment.signature)
    .fetch_one(conn)
    .await
}

pub async fn items_for_case(
    db: impl PgExecutor<'_>,
    case_id: i64,
) -> Result<Vec<EvidenceItemRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM evidence_items WHERE case_id = $1 ORDER BY seq")
        .bind(case_id)
        .fetch_all(db)
        .await
}

pub async fn amendments_for_case(
    db: impl PgExecutor<'_>,
    case_id: i64,
) -> Result<Vec<AmendmentRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM evidence_amendments WHERE case_id = $1 ORDER BY seq")
        .bind(case_id)
        .fetch_all(db)
        .await
}

/// Cases that have evidence (or evidence events), optionally for one guild or one case:
/// (guild, case id, case number), in order.
pub async fn cases_with_evidence(
    db: impl PgExecutor<'_>,
    guild_id: Option<u64>,
    case_number: Option<i32>,
) -> Result<Vec<(i64, i64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.guild_id, c.id, c.case_number FROM mod_cases c
         WHERE ($1::BIGINT IS NULL OR c.guild_id = $1)
           AND ($2::INTEGER IS NULL OR c.case_number = $2)
           AND (EXISTS (SELECT 1 FROM evidence_items i WHERE i.case_id = c.id)
             OR EXISTS (SELECT 1 FROM evidence_amendments a WHERE a.case_id = c.id)
             OR EXISTS (SELECT 1 FROM mod_events e
                        WHERE e.case_id = c.id AND e.kind LIKE 'evidence.%'
                          AND e.data ? 'signature'))
         ORDER BY c.guild_id, c.case_number",
    )
    .bind(guild_id.map(to_db))
    .bind(case_number)
    .fetch_all(db)
    .await
}

/// (seq, signature) of every evidence entry the event log says was appended to the case.
pub async fn logged_entries(
    db: impl PgExecutor<'_>,
    case_id: i64,
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (data->>'seq')::INTEGER, data->>'signature' FROM mod_events
         WHERE case_id = $1 AND kind IN ('evidence.added', 'evidence.amended')
           AND data ? 'seq' AND data ? 'signature'
         ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(db)
    .await
}

pub async fn insert_upload(db: impl PgExecutor<'_>, upload: &UploadRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO evidence_uploads (id, guild_id, case_id, case_number, object_key, filename,
             content_type, size_bytes, note, requested_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(upload.id)
    .bind(to_db(upload.guild_id))
    .bind(upload.case_id)
    .bind(upload.case_number)
    .bind(&upload.object_key)
    .bind(&upload.filename)
    .bind(&upload.content_type)
    .bind(upload.size_bytes)
    .bind(&upload.note)
    .bind(to_db(upload.requested_by))
    .bind(upload.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Locks the upload row (so it completes once).
pub async fn upload_for_update(
    conn: &mut PgConnection,
    id: uuid::Uuid,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM evidence_uploads WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn upload_by_key(
    db: impl PgExecutor<'_>,
    object_key: &str,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM evidence_uploads WHERE object_key = $1")
        .bind(object_key)
        .fetch_optional(db)
        .await
}

pub async fn mark_upload_done(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    item_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE evidence_uploads SET item_id = $2 WHERE id = $1")
        .bind(id)
        .bind(item_id)
        .execute(conn)
        .await?;
    Ok(())
}

impl EvidenceItemRow {
    /// What the item's signature covers.
    pub fn signed_document(&self) -> ItemDocument<'_> {
        ItemDocument {
            guild_id: self.guild_id,
            case_number: self.case_number,
            seq: self.seq,
            kind: &self.kind,
            source: &self.source,
            url: self.url.as_deref(),
            filename: self.filename.as_deref(),
            note: self.note.as_deref(),
            objects: &self.objects,
            metadata: &self.metadata,
            added_by: self.added_by,
            created_at: self.created_at,
            key_id: &self.key_id,
            prev_signature: self.prev_signature.as_deref(),
        }
    }

    /// The SHA-256 of the item's content (its first object), if it has one.
    pub fn sha256(&self) -> Option<String> {
        self.objects
            .get(0)
            .and_then(|o| o["sha256"].as_str())
            .map(str::to_string)
    }

    pub fn object_count(&self) -> usize {
        self.objects.as_array().map_or(0, Vec::len)
    }
}

impl AmendmentRow {
    /// What the amendment's signature covers.
    pub fn signed_document(&self) -> AmendmentDocument<'_> {
        AmendmentDocument {
            guild_id: self.guild_id,
            case_number: self.case_number,
            seq: self.seq,
            kind: &self.kind,
            target_seq: self.target_seq,
            text: &self.text,
            added_by: self.added_by,
            created_at: self.created_at,
            key_id: &self.key_id,
            prev_signature: self.prev_signature.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::canonical::encode;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn signed_documents_cover_every_column_but_ids_and_signature() {
        let item = EvidenceItemRow {
            id: 9,
            guild_id: 1,
            case_id: 2,
            case_number: 7,
            seq: 3,
            kind: "file".into(),
            source: "upload".into(),
            url: None,
            filename: Some("a.png".into()),
            note: Some("n".into()),
            objects: json!([{"sha256": "ab"}]),
            metadata: json!({}),
            added_by: 5,
            created_at: at(),
            key_id: "k1".into(),
            prev_signature: Some("ff".into()),
            signature: "x".into(),
        };
        assert_eq!(
            encode(&item.signed_document().to_json()).unwrap(),
            r#"{"added_by":"5","case":7,"created_at":"2026-11-21T10:00:00.123456Z","filename":"a.png","guild":"1","key_id":"k1","kind":"file","metadata":{},"note":"n","objects":[{"sha256":"ab"}],"prev":"ff","seq":3,"source":"upload","type":"evidence_item","url":null,"v":1}"#
        );
        let amendment = AmendmentRow {
            id: 9,
            guild_id: 1,
            case_id: 2,
            case_number: 7,
            seq: 4,
            kind: "note".into(),
            target_seq: Some(3),
            text: "t".into(),
            added_by: 5,
            created_at: at(),
            key_id: "k1".into(),
            prev_signature: None,
            signature: "x".into(),
        };
        assert_eq!(
            encode(&amendment.signed_document().to_json()).unwrap(),
            r#"{"added_by":"5","case":7,"created_at":"2026-11-21T10:00:00.123456Z","guild":"1","key_id":"k1","kind":"note","prev":null,"seq":4,"target":3,"text":"t","type":"evidence_amendment","v":1}"#
        );
    }
}
