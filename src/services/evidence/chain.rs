//! A case's chain: objects are stored first, then each entry is signed over the signature of
//! the entry before it and appended, with its event, in the case's lock.

use super::{lock_open_case, storage_failed, EvidenceService};
use crate::domain::evidence::canonical::truncate_to_micros;
use crate::domain::evidence::digest::ObjectDigest;
use crate::domain::evidence::snapshot::StoredObject;
use crate::error::{GavelError, GavelResult};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::cases::Case;
use crate::store::evidence::{self as rows, AmendmentRow, EvidenceItemRow};
use crate::store::objects::cdn::Download;
use crate::store::objects::{object_key, ObjectBody};
use chrono::Utc;
use serde_json::json;
use sqlx::PgConnection;

/// An entry of a case's chain.
#[derive(Debug, Clone)]
pub enum ChainEntry {
    Item(EvidenceItemRow),
    Amendment(AmendmentRow),
}

/// An item before it is numbered, chained and signed.
pub(super) struct ItemDraft {
    pub(super) kind: &'static str,
    pub(super) source: &'static str,
    pub(super) url: Option<String>,
    pub(super) filename: Option<String>,
    pub(super) note: Option<String>,
    pub(super) objects: Vec<(StoredObject, &'static str)>,
    pub(super) metadata: serde_json::Value,
}

impl EvidenceService {
    /// Stores a new object of the case, before anything about it is recorded. `digest` is of
    /// `body`, computed as it was made or downloaded.
    pub(super) async fn store_object(
        &self,
        case: &Case,
        name: &str,
        content_type: &str,
        body: ObjectBody,
        digest: ObjectDigest,
    ) -> GavelResult<StoredObject> {
        let evidence = self.runtime()?;
        let key = object_key(case.guild_id, case.case_number, name);
        evidence
            .store
            .put_new(&key, content_type, body)
            .await
            .map_err(storage_failed)?;
        Ok(StoredObject {
            key,
            sha256: digest.sha256,
            size: digest.size,
            content_type: content_type.to_string(),
        })
    }

    /// Stores a downloaded attachment, streamed from its temporary file.
    pub(super) async fn store_download(
        &self,
        case: &Case,
        name: &str,
        content_type: &str,
        download: Download,
    ) -> GavelResult<StoredObject> {
        let body = ObjectBody::File(download.spool.path().to_path_buf());
        let stored = self
            .store_object(case, name, content_type, body, download.digest)
            .await;
        drop(download.spool);
        stored
    }

    /// Appends an item to the case's chain inside `conn`'s transaction, with its event.
    pub(super) async fn append_item(
        &self,
        conn: &mut PgConnection,
        case: &Case,
        actor_id: u64,
        draft: ItemDraft,
    ) -> GavelResult<EvidenceItemRow> {
        let evidence = self.runtime()?;
        let case = &lock_open_case(&mut *conn, case).await?;
        let (last_seq, prev) = rows::chain_head(&mut *conn, case.id).await?;
        let objects: Vec<serde_json::Value> = draft
            .objects
            .iter()
            .map(|(o, role)| {
                json!({
                    "key": o.key, "sha256": o.sha256, "size": o.size,
                    "content_type": o.content_type, "role": role,
                })
            })
            .collect();
        let mut row = EvidenceItemRow {
            id: 0,
            guild_id: case.guild_id,
            case_id: case.id,
            case_number: case.case_number,
            seq: last_seq + 1,
            kind: draft.kind.to_string(),
            source: draft.source.to_string(),
            url: draft.url,
            filename: draft.filename,
            note: draft.note,
            objects: serde_json::Value::Array(objects),
            metadata: draft.metadata,
            added_by: actor_id,
            created_at: truncate_to_micros(Utc::now()),
            key_id: evidence.signer.key_id().to_string(),
            prev_signature: prev,
            signature: String::new(),
        };
        row.signature = evidence
            .signer
            .sign(&row.signed_document().to_json())
            .map_err(|e| GavelError::invalid(e.to_string()))?;
        let stored = rows::insert_item(&mut *conn, &row).await?;
        ModEventLogger::log(
            &mut *conn,
            &event(case.guild_id, kinds::EVIDENCE_ADDED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(stored.note.as_deref())
                .data(json!({
                    "seq": stored.seq,
                    "signature": stored.signature,
                    "item_id": stored.id,
                    "kind": stored.kind,
                    "source": stored.source,
                    "sha256": stored.sha256(),
                })),
        )
        .await?;
        Ok(stored)
    }

    pub(super) async fn record_item(
        &self,
        case: &Case,
        actor_id: u64,
        draft: ItemDraft,
    ) -> GavelResult<EvidenceItemRow> {
        let mut tx = self.pool.begin().await?;
        let item = self.append_item(&mut tx, case, actor_id, draft).await?;
        tx.commit().await?;
        self.anchor_head(item.guild_id, item.case_number, item.seq, &item.signature)
            .await;
        Ok(item)
    }

    /// The case's chain, oldest first.
    pub async fn list(
        &self,
        guild_id: u64,
        case_number: i32,
    ) -> GavelResult<(Case, Vec<ChainEntry>)> {
        let case = self.cases.get(guild_id, case_number).await?;
        let mut entries: Vec<ChainEntry> = rows::items_for_case(&self.pool, case.id)
            .await?
            .into_iter()
            .map(ChainEntry::Item)
            .chain(
                rows::amendments_for_case(&self.pool, case.id)
                    .await?
                    .into_iter()
                    .map(ChainEntry::Amendment),
            )
            .collect();
        entries.sort_by_key(|e| match e {
            ChainEntry::Item(i) => i.seq,
            ChainEntry::Amendment(a) => a.seq,
        });
        Ok((case, entries))
    }
}
