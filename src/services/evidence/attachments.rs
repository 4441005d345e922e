//! Files attached to a slash command: downloaded from Discord's CDN and stored.

use super::chain::ItemDraft;
use super::{clean_note, valid_content_type, EvidenceService};
use crate::error::{GavelError, GavelResult};
use crate::store::evidence::EvidenceItemRow;
use serde_json::json;

/// An attachment given to a slash command.
#[derive(Debug, Clone)]
pub struct AttachmentInput {
    pub url: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: u64,
}

impl EvidenceService {
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
        let download =
            evidence.cdn.download(&attachment.url).await.map_err(|e| {
                GavelError::invalid(format!("Gavel could not store that file: {e}."))
            })?;
        let content_type = attachment
            .content_type
            .clone()
            .or(download.content_type.clone())
            .filter(|t| valid_content_type(t.split(';').next().unwrap_or("").trim()))
            .unwrap_or_else(|| "application/octet-stream".into());
        let object = self
            .store_download(&case, &attachment.filename, &content_type, download)
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
}
