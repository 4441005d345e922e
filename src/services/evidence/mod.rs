//! EvidenceService: adding files, URLs and message snapshots to a case, one-time upload links,
//! amendments, listing and verifying. Every entry is stored before it is recorded, signed, and
//! chained to the case's previous entry; every action is an event in `mod_events`.
//!
//! - `chain.rs` storing objects and appending signed entries to a case's chain; listing it
//! - `capture.rs` URLs, Discord message links and Capture Evidence ranges
//! - `attachments.rs` files attached to a slash command
//! - `uploads.rs` one-time upload links and recording what was uploaded
//! - `amendments.rs` notes, corrections and redaction requests
//! - `anchors.rs` each chain head, anchored in evidence storage after each append
//! - `verify.rs` re-checking objects, signatures and chains
//! - `signer.rs` signing under named, rotatable keys; `setup.rs` the runtime built from config

pub mod amendments;
pub mod anchors;
pub mod attachments;
pub mod capture;
pub mod chain;
pub mod downloads;
pub mod setup;
pub mod signer;
pub mod uploads;
pub mod verify;

pub use amendments::AmendmentKind;
pub use attachments::AttachmentInput;
pub use capture::{Capture, CaseChoice};
pub use chain::ChainEntry;
pub use downloads::DownloadLink;
pub use setup::Evidence;
pub use verify::{CaseReport, Verifier};

use super::cases::CaseService;
use crate::domain::CaseStatus;
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::cases::{self, Case};
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;

const MAX_NOTE_CHARS: usize = 1000;

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

    /// The case, if evidence may still be added to it (it is not void).
    async fn case(&self, guild_id: u64, case_number: i32) -> GavelResult<Case> {
        refuse_if_void(self.cases.get(guild_id, case_number).await?)
    }
}

/// Locks the case row in the recording transaction and refuses a void case, so an entry follows
/// the case's state at the moment it is written (a case can be voided while a capture downloads
/// or an upload link is out).
async fn lock_open_case(conn: &mut PgConnection, case: &Case) -> GavelResult<Case> {
    let locked = cases::get_for_update(conn, case.guild_id, case.case_number)
        .await?
        .ok_or_else(|| GavelError::not_found(format!("There is no case #{}.", case.case_number)))?;
    refuse_if_void(locked)
}

fn refuse_if_void(case: Case) -> GavelResult<Case> {
    if case.status == CaseStatus::Void {
        return Err(GavelError::invalid(format!(
            "Case #{} is void; evidence can no longer be added to it.",
            case.case_number
        )));
    }
    Ok(case)
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
