//! Amendments: notes, corrections and redaction requests appended to a case's chain. Entries
//! are never changed; an amendment says what should be read differently.

use super::{lock_open_case, EvidenceService};
use crate::domain::evidence::canonical::truncate_to_micros;
use crate::error::{GavelError, GavelResult};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::evidence::{self as rows, AmendmentRow};
use chrono::Utc;
use serde_json::json;

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

impl EvidenceService {
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
        let case = lock_open_case(&mut tx, &case).await?;
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
            .sign(&row.signed_document().to_json())
            .map_err(|e| GavelError::invalid(e.to_string()))?;
        let stored = rows::insert_amendment(&mut tx, &row).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::EVIDENCE_AMENDED, actor_id)
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
        self.anchor_head(guild_id, case_number, stored.seq, &stored.signature)
            .await;
        Ok(stored)
    }
}
