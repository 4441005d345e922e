//! One-time upload links: a moderator gets a presigned URL for exactly one file and uploads it
//! straight to storage; completing the upload makes it an object no link can replace (S3: a
//! copy out of the staging key the link names), which is then read back, hashed and appended
//! to the chain.

use super::chain::ItemDraft;
use super::{clean_note, storage_failed, valid_content_type, EvidenceService};
use crate::domain::evidence::snapshot::StoredObject;
use crate::error::{GavelError, GavelResult};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::evidence::{self as rows, EvidenceItemRow, UploadRow};
use crate::store::objects::{object_key, safe_name, PresignedUpload, MAX_UPLOAD_EXPIRY};
use chrono::Utc;
use serde_json::json;

impl EvidenceService {
    /// A one-time link to upload one file of exactly `size` bytes straight to storage.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_upload(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        filename: &str,
        content_type: &str,
        size: u64,
        note: Option<&str>,
    ) -> GavelResult<(UploadRow, PresignedUpload)> {
        let evidence = self.runtime()?;
        let note = clean_note(note)?;
        let content_type = content_type.trim().to_ascii_lowercase();
        if !valid_content_type(&content_type) {
            return Err(GavelError::invalid(format!(
                "`{content_type}` is not a content type; write one like image/png or video/mp4."
            )));
        }
        if size == 0 || size > evidence.max_file_bytes {
            return Err(GavelError::invalid(format!(
                "Give the file's exact size in bytes, from 1 to {}.",
                evidence.max_file_bytes
            )));
        }
        let case = self.case(guild_id, case_number).await?;
        let key = object_key(guild_id, case_number, filename);
        let presigned = evidence
            .store
            .presign_put(&key, &content_type, size, MAX_UPLOAD_EXPIRY)
            .await
            .map_err(storage_failed)?;
        let upload = UploadRow {
            id: uuid::Uuid::new_v4(),
            guild_id,
            case_id: case.id,
            case_number,
            object_key: key,
            filename: safe_name(filename),
            content_type,
            size_bytes: size as i64,
            note,
            requested_by: actor_id,
            expires_at: presigned.expires_at,
            created_at: Utc::now(),
            item_id: None,
        };
        let mut tx = self.pool.begin().await?;
        rows::insert_upload(&mut *tx, &upload).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::EVIDENCE_UPLOAD_REQUESTED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .data(json!({
                    "upload_id": upload.id,
                    "filename": upload.filename,
                    "content_type": upload.content_type,
                    "size": size,
                    "expires_at": upload.expires_at,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok((upload, presigned))
    }

    /// Records an uploaded object: reads it back from storage, hashes it and appends it.
    /// `guild_id` limits it to one guild (from Discord); `None` for Gavel's upload endpoint.
    pub async fn complete_upload(
        &self,
        guild_id: Option<u64>,
        upload_id: uuid::Uuid,
        actor_id: Option<u64>,
    ) -> GavelResult<EvidenceItemRow> {
        let evidence = self.runtime()?;
        let mut tx = self.pool.begin().await?;
        let upload = rows::upload_for_update(&mut tx, upload_id)
            .await?
            .filter(|u| guild_id.is_none_or(|g| g == u.guild_id))
            .ok_or_else(|| GavelError::not_found("There is no such upload link."))?;
        if upload.item_id.is_some() {
            return Err(GavelError::invalid(
                "That upload has already been recorded as evidence.",
            ));
        }
        // Refused before the copy too, so a void case does not gain an orphan object.
        let case = self.case(upload.guild_id, upload.case_number).await?;
        let digest = evidence
            .store
            .finish_upload(&upload.object_key)
            .await
            .map_err(storage_failed)?
            .ok_or_else(|| GavelError::invalid("Nothing has been uploaded with that link yet."))?;
        if digest.size as i64 != upload.size_bytes {
            return Err(GavelError::invalid(
                "The uploaded file is not the size the link was made for, so it was not recorded.",
            ));
        }
        let object = StoredObject {
            key: upload.object_key.clone(),
            sha256: digest.sha256,
            size: digest.size,
            content_type: upload.content_type.clone(),
        };
        let item = self
            .append_item(
                &mut tx,
                &case,
                actor_id.unwrap_or(upload.requested_by),
                ItemDraft {
                    kind: "file",
                    source: "upload",
                    url: None,
                    filename: Some(upload.filename.clone()),
                    note: upload.note.clone(),
                    objects: vec![(object, "content")],
                    metadata: json!({ "upload_id": upload.id.to_string() }),
                },
            )
            .await?;
        rows::mark_upload_done(&mut tx, upload.id, item.id).await?;
        tx.commit().await?;
        self.anchor_head(item.guild_id, item.case_number, item.seq, &item.signature)
            .await;
        Ok(item)
    }

    /// For Gavel's own upload endpoint: completes the upload that owns `key`.
    pub async fn complete_upload_by_key(&self, key: &str) -> GavelResult<EvidenceItemRow> {
        let upload = rows::upload_by_key(&self.pool, key)
            .await?
            .ok_or_else(|| GavelError::not_found("There is no such upload link."))?;
        self.complete_upload(None, upload.id, None).await
    }
}
