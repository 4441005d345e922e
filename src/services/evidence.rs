//! EvidenceService: adding files, URLs and message snapshots to a case, one-time upload links,
//! amendments, listing and verifying. Every entry is stored before it is recorded, signed, and
//! chained to the case's previous entry; every action is an event in `mod_events`.

use super::cases::{CaseService, ExternalCase};
use super::event_log::{event, EventExt, ModEventLogger};
use crate::domain::evidence::snapshot::{
    CaptureDocument, CaptureRange, MessageSnapshot, StoredObject, FORMAT,
};
use crate::domain::{CaseStatus, ModAction};
use crate::error::{GavelError, GavelResult};
use crate::evidence::canonical::{amendment_document, item_document, truncate_to_micros};
use crate::evidence::cdn::CdnError;
use crate::evidence::signing::sha256_hex;
use crate::evidence::store::{object_key, safe_name, PresignedUpload, MAX_UPLOAD_EXPIRY};
use crate::evidence::verify::{CaseReport, Verifier};
use crate::evidence::Evidence;
use crate::ports::discord::{DiscordPort, MessagePage};
use crate::store::cases::{self, Case};
use crate::store::evidence::{self as rows, AmendmentRow, EvidenceItemRow, UploadRow};
use chrono::Utc;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;

pub const EVIDENCE_ADDED: &str = "evidence.added";
pub const EVIDENCE_AMENDED: &str = "evidence.amended";
pub const EVIDENCE_UPLOAD_REQUESTED: &str = "evidence.upload_requested";
pub const EVIDENCE_VERIFIED: &str = "evidence.verified";

const MAX_NOTE_CHARS: usize = 1000;
const MAX_URL_CHARS: usize = 2000;

/// Which case evidence goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseChoice {
    Existing(i32),
    /// Open a new case about the captured message's author.
    New,
}

/// An attachment given to a slash command.
#[derive(Debug, Clone)]
pub struct AttachmentInput {
    pub url: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: u64,
}

/// What a capture stored.
#[derive(Debug, Clone)]
pub struct Capture {
    pub case: Case,
    pub item: EvidenceItemRow,
    pub messages: Vec<MessageSnapshot>,
}

impl Capture {
    pub fn attachments_stored(&self) -> usize {
        self.messages
            .iter()
            .flat_map(|m| &m.attachments)
            .filter(|a| a.stored.is_some())
            .count()
    }

    /// `filename: reason` for each attachment that was not stored.
    pub fn attachments_refused(&self) -> Vec<String> {
        self.messages
            .iter()
            .flat_map(|m| &m.attachments)
            .filter_map(|a| {
                a.not_stored
                    .as_ref()
                    .map(|why| format!("{}: {why}", a.filename))
            })
            .collect()
    }
}

/// An entry of a case's chain.
#[derive(Debug, Clone)]
pub enum ChainEntry {
    Item(EvidenceItemRow),
    Amendment(AmendmentRow),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmendmentKind {
    Note,
    Correction,
    RedactionRequest,
}

impl AmendmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AmendmentKind::Note => "note",
            AmendmentKind::Correction => "correction",
            AmendmentKind::RedactionRequest => "redaction_request",
        }
    }
}

struct ItemDraft {
    kind: &'static str,
    source: &'static str,
    url: Option<String>,
    filename: Option<String>,
    note: Option<String>,
    objects: Vec<(StoredObject, &'static str)>,
    metadata: serde_json::Value,
}

#[derive(Clone)]
pub struct EvidenceService {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
    cases: CaseService,
    evidence: Option<Arc<Evidence>>,
}

fn storage_failed(e: impl std::fmt::Display) -> GavelError {
    tracing::error!(error = %e, "evidence storage failed");
    GavelError::invalid(
        "Gavel could not write to its evidence storage, so nothing was recorded; try again in a moment.",
    )
}

fn clean_note(note: Option<&str>) -> GavelResult<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(GavelError::invalid(format!(
            "Keep the note to {MAX_NOTE_CHARS} characters."
        )));
    }
    Ok(note.map(str::to_string))
}

fn valid_content_type(text: &str) -> bool {
    let Some((kind, sub)) = text.split_once('/') else {
        return false;
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    token(kind) && token(sub)
}

impl EvidenceService {
    pub fn new(
        pool: PgPool,
        port: Arc<dyn DiscordPort>,
        cases: CaseService,
        evidence: Option<Evidence>,
    ) -> Self {
        EvidenceService {
            pool,
            port,
            cases,
            evidence: evidence.map(Arc::new),
        }
    }

    fn runtime(&self) -> GavelResult<&Evidence> {
        self.evidence.as_deref().ok_or_else(|| {
            GavelError::invalid(
                "Evidence is not set up on this Gavel: its operator needs to set EVIDENCE_HMAC_KEY.",
            )
        })
    }

    pub fn runtime_handle(&self) -> Option<&Evidence> {
        self.evidence.as_deref()
    }

    pub fn verifier(&self) -> GavelResult<Verifier> {
        let evidence = self.runtime()?;
        Ok(Verifier::new(
            self.pool.clone(),
            evidence.store.clone(),
            evidence.signer.clone(),
        ))
    }

    async fn case(&self, guild_id: u64, case_number: i32) -> GavelResult<Case> {
        let case = self.cases.get(guild_id, case_number).await?;
        if case.status == CaseStatus::Void {
            return Err(GavelError::invalid(format!(
                "Case #{case_number} is void; evidence can no longer be added to it."
            )));
        }
        Ok(case)
    }

    async fn store_object(
        &self,
        case: &Case,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> GavelResult<StoredObject> {
        let evidence = self.runtime()?;
        let key = object_key(case.guild_id, case.case_number, name);
        let sha256 = sha256_hex(&bytes);
        let size = bytes.len() as u64;
        evidence
            .store
            .put_new(&key, content_type, bytes)
            .await
            .map_err(storage_failed)?;
        Ok(StoredObject {
            key,
            sha256,
            size,
            content_type: content_type.to_string(),
        })
    }

    /// Appends an item to the case's chain inside `conn`'s transaction, with its event.
    async fn append_item(
        &self,
        conn: &mut PgConnection,
        case: &Case,
        actor_id: u64,
        draft: ItemDraft,
    ) -> GavelResult<EvidenceItemRow> {
        let evidence = self.runtime()?;
        cases::get_for_update(&mut *conn, case.guild_id, case.case_number).await?;
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
            .sign(&item_document(&row))
            .map_err(|e| GavelError::invalid(e.to_string()))?;
        let stored = rows::insert_item(&mut *conn, &row).await?;
        ModEventLogger::log(
            &mut *conn,
            &event(case.guild_id, EVIDENCE_ADDED, actor_id)
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

    async fn record_item(
        &self,
        case: &Case,
        actor_id: u64,
        draft: ItemDraft,
    ) -> GavelResult<EvidenceItemRow> {
        let mut tx = self.pool.begin().await?;
        let item = self.append_item(&mut tx, case, actor_id, draft).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// A URL: Discord message links become message snapshots; anything else is recorded as
    /// given, never fetched.
    pub async fn add_url(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        url: &str,
        note: Option<&str>,
    ) -> GavelResult<Capture> {
        self.runtime()?;
        let note = clean_note(note)?;
        let url = url.trim();
        if let Some((link_guild, channel, message)) =
            crate::domain::evidence::snapshot::parse_message_link(url)
        {
            if link_guild != guild_id {
                return Err(GavelError::invalid(
                    "That message link points to another server; capture evidence from this one.",
                ));
            }
            return self
                .capture(
                    guild_id,
                    actor_id,
                    CaseChoice::Existing(case_number),
                    channel,
                    message,
                    CaptureRange::Single,
                    note.as_deref(),
                    "message_link",
                )
                .await;
        }
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if parsed.is_none() || url.chars().count() > MAX_URL_CHARS {
            return Err(GavelError::invalid(
                "Give a full http:// or https:// URL (up to 2000 characters).",
            ));
        }
        let case = self.case(guild_id, case_number).await?;
        let item = self
            .record_item(
                &case,
                actor_id,
                ItemDraft {
                    kind: "url",
                    source: "url",
                    url: Some(url.to_string()),
                    filename: None,
                    note,
                    objects: vec![],
                    metadata: json!({}),
                },
            )
            .await?;
        Ok(Capture {
            case,
            item,
            messages: vec![],
        })
    }

    /// A file attached to a slash command: downloaded from Discord's CDN and stored.
    pub async fn add_attachment(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        attachment: &AttachmentInput,
        note: Option<&str>,
    ) -> GavelResult<EvidenceItemRow> {
        let evidence = self.runtime()?;
        let note = clean_note(note)?;
        let case = self.case(guild_id, case_number).await?;
        if attachment.size > evidence.max_file_bytes {
            return Err(GavelError::invalid(format!(
                "That file is larger than the {} bytes Gavel keeps.",
                evidence.max_file_bytes
            )));
        }
        let (bytes, served_type) =
            evidence.cdn.download(&attachment.url).await.map_err(|e| {
                GavelError::invalid(format!("Gavel could not store that file: {e}."))
            })?;
        let content_type = attachment
            .content_type
            .clone()
            .or(served_type)
            .filter(|t| valid_content_type(t.split(';').next().unwrap_or("").trim()))
            .unwrap_or_else(|| "application/octet-stream".into());
        let object = self
            .store_object(&case, &attachment.filename, &content_type, bytes)
            .await?;
        self.record_item(
            &case,
            actor_id,
            ItemDraft {
                kind: "file",
                source: "attachment",
                url: None,
                filename: Some(attachment.filename.clone()),
                note,
                objects: vec![(object, "content")],
                metadata: json!({}),
            },
        )
        .await
    }

    async fn fetch_range(
        &self,
        channel_id: u64,
        target: &MessageSnapshot,
        range: CaptureRange,
    ) -> GavelResult<Vec<MessageSnapshot>> {
        let id = target.id_u64();
        let mut messages = vec![target.clone()];
        match range {
            CaptureRange::Single => {}
            CaptureRange::Around { before, after } => {
                if before > 0 {
                    messages.extend(
                        self.port
                            .messages(channel_id, MessagePage::Before(id), before)
                            .await?,
                    );
                }
                if after > 0 {
                    messages.extend(
                        self.port
                            .messages(channel_id, MessagePage::After(id), after)
                            .await?,
                    );
                }
            }
            CaptureRange::UpTo(other) if other > id => {
                let after = self
                    .port
                    .messages(channel_id, MessagePage::After(id), 100)
                    .await?;
                messages.extend(after.into_iter().filter(|m| m.id_u64() <= other));
            }
            CaptureRange::UpTo(other) => {
                let before = self
                    .port
                    .messages(channel_id, MessagePage::Before(id), 100)
                    .await?;
                messages.extend(before.into_iter().filter(|m| m.id_u64() >= other));
            }
        }
        messages.sort_by_key(MessageSnapshot::id_u64);
        messages.dedup_by_key(|m| m.id_u64());
        Ok(messages)
    }

    /// Captures a message (and a range around it) with its attachments as one item.
    #[allow(clippy::too_many_arguments)]
    pub async fn capture(
        &self,
        guild_id: u64,
        actor_id: u64,
        case: CaseChoice,
        channel_id: u64,
        message_id: u64,
        range: CaptureRange,
        note: Option<&str>,
        source: &'static str,
    ) -> GavelResult<Capture> {
        let evidence = self.runtime()?;
        let note = clean_note(note)?;
        let target = self
            .port
            .message(channel_id, message_id)
            .await
            .map_err(|e| {
                if e.is(crate::ports::discord::codes::UNKNOWN_MESSAGE) {
                    GavelError::not_found("That message no longer exists (or Gavel cannot see it).")
                } else {
                    GavelError::from(e)
                }
            })?;
        let mut messages = self.fetch_range(channel_id, &target, range).await?;
        let case = match case {
            CaseChoice::Existing(number) => self.case(guild_id, number).await?,
            CaseChoice::New => {
                let author: u64 = target.author.id.parse().unwrap_or(0);
                self.cases
                    .record(ExternalCase {
                        guild_id,
                        action: ModAction::Report,
                        moderator_id: actor_id,
                        target_id: author,
                        reason: Some("Opened to hold captured evidence"),
                        duration_secs: None,
                        expires_at: None,
                        source: "evidence",
                    })
                    .await?
            }
        };
        let mut objects = Vec::new();
        for message in &mut messages {
            for attachment in &mut message.attachments {
                if attachment.size > evidence.max_file_bytes {
                    attachment.not_stored =
                        Some(CdnError::TooLarge(evidence.max_file_bytes).to_string());
                    continue;
                }
                match evidence.cdn.download(&attachment.url).await {
                    Ok((bytes, served_type)) => {
                        let content_type = attachment
                            .content_type
                            .clone()
                            .or(served_type)
                            .unwrap_or_else(|| "application/octet-stream".into());
                        let name = format!("{}-{}", attachment.id, attachment.filename);
                        let object = self
                            .store_object(&case, &name, &content_type, bytes)
                            .await?;
                        attachment.stored = Some(object.clone());
                        objects.push((object, "attachment"));
                    }
                    Err(e) => attachment.not_stored = Some(e.to_string()),
                }
            }
        }
        let document = CaptureDocument {
            format: FORMAT.into(),
            guild_id: guild_id.to_string(),
            channel_id: channel_id.to_string(),
            target_message_id: message_id.to_string(),
            range: range.describe(),
            captured_by: actor_id.to_string(),
            captured_at: crate::evidence::canonical::timestamp(Utc::now()),
            messages: messages.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&document).expect("snapshots serialise");
        let snapshot = self
            .store_object(
                &case,
                &format!("messages-{message_id}.json"),
                "application/json",
                bytes,
            )
            .await?;
        objects.insert(0, (snapshot, "snapshot"));
        let item = self
            .record_item(
                &case,
                actor_id,
                ItemDraft {
                    kind: "message",
                    source,
                    url: None,
                    filename: None,
                    note,
                    objects,
                    metadata: json!({
                        "channel_id": channel_id.to_string(),
                        "target_message_id": message_id.to_string(),
                        "message_ids": messages.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
                        "range": range.describe(),
                    }),
                },
            )
            .await?;
        Ok(Capture {
            case,
            item,
            messages,
        })
    }

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
            &event(guild_id, EVIDENCE_UPLOAD_REQUESTED, actor_id)
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
        let bytes = evidence
            .store
            .get(&upload.object_key)
            .await
            .map_err(storage_failed)?
            .ok_or_else(|| GavelError::invalid("Nothing has been uploaded with that link yet."))?;
        if bytes.len() as i64 != upload.size_bytes {
            return Err(GavelError::invalid(
                "The uploaded file is not the size the link was made for, so it was not recorded.",
            ));
        }
        let case = self.cases.get(upload.guild_id, upload.case_number).await?;
        let object = StoredObject {
            key: upload.object_key.clone(),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
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
        Ok(item)
    }

    /// For Gavel's own upload endpoint: completes the upload that owns `key`.
    pub async fn complete_upload_by_key(&self, key: &str) -> GavelResult<EvidenceItemRow> {
        let upload = rows::upload_by_key(&self.pool, key)
            .await?
            .ok_or_else(|| GavelError::not_found("There is no such upload link."))?;
        self.complete_upload(None, upload.id, None).await
    }

    /// Appends a note, correction or redaction request (about one item, or the whole case).
    pub async fn amend(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        kind: AmendmentKind,
        target_seq: Option<i32>,
        text: &str,
    ) -> GavelResult<AmendmentRow> {
        let evidence = self.runtime()?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(GavelError::invalid(
                "Write the amendment (up to 2000 characters).",
            ));
        }
        let case = self.case(guild_id, case_number).await?;
        let mut tx = self.pool.begin().await?;
        cases::get_for_update(&mut tx, guild_id, case_number).await?;
        if let Some(seq) = target_seq {
            let items = rows::items_for_case(&mut *tx, case.id).await?;
            if !items.iter().any(|i| i.seq == seq) {
                return Err(GavelError::not_found(format!(
                    "Case #{case_number} has no evidence item #{seq}."
                )));
            }
        }
        let (last_seq, prev) = rows::chain_head(&mut tx, case.id).await?;
        let mut row = AmendmentRow {
            id: 0,
            guild_id,
            case_id: case.id,
            case_number,
            seq: last_seq + 1,
            kind: kind.as_str().to_string(),
            target_seq,
            text: text.to_string(),
            added_by: actor_id,
            created_at: truncate_to_micros(Utc::now()),
            key_id: evidence.signer.key_id().to_string(),
            prev_signature: prev,
            signature: String::new(),
        };
        row.signature = evidence
            .signer
            .sign(&amendment_document(&row))
            .map_err(|e| GavelError::invalid(e.to_string()))?;
        let stored = rows::insert_amendment(&mut tx, &row).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, EVIDENCE_AMENDED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(Some(text))
                .data(json!({
                    "seq": stored.seq,
                    "signature": stored.signature,
                    "kind": stored.kind,
                    "target_seq": stored.target_seq,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
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

    /// Verifies one case's evidence, and records that it was checked.
    pub async fn verify(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
    ) -> GavelResult<CaseReport> {
        let verifier = self.verifier()?;
        let case = self.cases.get(guild_id, case_number).await?;
        let report = verifier
            .verify_case(guild_id, case.id, case.case_number)
            .await?;
        ModEventLogger::log(
            &self.pool,
            &event(guild_id, EVIDENCE_VERIFIED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .data(json!({
                    "entries": report.entries,
                    "objects": report.objects,
                    "problems": report.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                })),
        )
        .await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_type_slash_subtype() {
        assert!(valid_content_type("image/png"));
        assert!(valid_content_type("application/vnd.ms-excel"));
        assert!(!valid_content_type("image"));
        assert!(!valid_content_type("text/html\r\nX: y"));
        assert!(!valid_content_type("a/b/c"));
    }
}
