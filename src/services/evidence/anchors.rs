//! Chain heads anchored outside the database (`domain::evidence::anchor`): written once to
//! evidence storage after each append, read back by the verifier.

use super::signer::Signer;
use super::EvidenceService;
use crate::domain::evidence::anchor::{ChainAnchor, StoredAnchor};
use crate::domain::evidence::canonical::truncate_to_micros;
use crate::store::objects::{anchor_key, anchor_prefix, ObjectBody, ObjectStore};
use chrono::Utc;

/// Anchors are a few hundred bytes; anything larger was not written by Gavel.
const MAX_ANCHOR_BYTES: u64 = 4096;

impl EvidenceService {
    /// Anchors entry `seq`, just committed, as the head of the case's chain. A failure is
    /// logged, not returned: the entry is recorded, and the case's next entry anchors it too
    /// (that entry's signature covers this one's).
    pub(super) async fn anchor_head(
        &self,
        guild_id: u64,
        case_number: i32,
        seq: i32,
        entry_signature: &str,
    ) {
        let Ok(evidence) = self.runtime() else {
            return;
        };
        let anchor = ChainAnchor {
            guild_id,
            case_number,
            seq,
            entry_signature: entry_signature.to_string(),
            key_id: evidence.signer.key_id().to_string(),
            anchored_at: truncate_to_micros(Utc::now()),
        };
        let document = anchor.to_json();
        let signature = match evidence.signer.sign(&document) {
            Ok(signature) => signature,
            Err(e) => {
                tracing::error!(error = %e, "an evidence anchor could not be signed");
                return;
            }
        };
        let bytes = serde_json::to_vec(&StoredAnchor {
            document,
            signature,
        })
        .expect("anchors serialise");
        let key = anchor_key(guild_id, case_number, seq);
        if let Err(e) = evidence
            .store
            .put_new(&key, "application/json", ObjectBody::Bytes(bytes))
            .await
        {
            // An existing anchor for this entry means the database lost entries it once had.
            tracing::error!(error = %e, %key, "the evidence chain head could not be anchored");
        }
    }
}

/// What verify reports when storage could not be read for a case's anchors.
pub const ANCHORS_UNREADABLE: &str = "its anchors could not be read from evidence storage, so the chain's length was not checked against them (Gavel's log says why)";

/// The case's anchors, each read and checked against its own signature: `Ok` for an anchor
/// Gavel wrote, `Err` with a plain sentence for anything else found or for unreadable storage.
pub async fn read_anchors(
    store: &dyn ObjectStore,
    signer: &Signer,
    guild_id: u64,
    case_number: i32,
) -> Vec<Result<ChainAnchor, String>> {
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, guild_id, case_number, "evidence anchors could not be read");
        ANCHORS_UNREADABLE.to_string()
    };
    let mut keys = match store.list(&anchor_prefix(guild_id, case_number)).await {
        Ok(keys) => keys,
        Err(e) => return vec![Err(unreadable(&e))],
    };
    keys.sort();
    let mut anchors = Vec::new();
    for key in keys {
        let bytes = match store.read_small(&key, MAX_ANCHOR_BYTES).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(e) => {
                anchors.push(Err(unreadable(&e)));
                continue;
            }
        };
        anchors.push(check_anchor(signer, guild_id, case_number, &key, &bytes));
    }
    anchors
}

fn check_anchor(
    signer: &Signer,
    guild_id: u64,
    case_number: i32,
    key: &str,
    bytes: &[u8],
) -> Result<ChainAnchor, String> {
    let not_gavels =
        || format!("anchor {key} was not written by Gavel (it is not a signed anchor)");
    let stored: StoredAnchor = serde_json::from_slice(bytes).map_err(|_| not_gavels())?;
    let anchor = ChainAnchor::from_json(&stored.document).ok_or_else(not_gavels)?;
    signer
        .verify(&anchor.key_id, &stored.document, &stored.signature)
        .map_err(|e| format!("anchor {key} signature check failed: {e}"))?;
    if anchor.guild_id != guild_id
        || anchor.case_number != case_number
        || key != anchor_key(guild_id, case_number, anchor.seq)
    {
        return Err(format!(
            "anchor {key} was signed for guild {} case #{} entry #{}, not for where it is stored",
            anchor.guild_id, anchor.case_number, anchor.seq
        ));
    }
    Ok(anchor)
}
