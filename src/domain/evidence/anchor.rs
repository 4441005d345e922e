//! A case's chain head anchored outside the database. At each append Gavel writes, once, to
//! evidence storage the new entry's number and signature, itself signed. Each entry's signature
//! covers the one before it, so an anchor pins the whole chain up to that entry: a database
//! chain that is shorter than its newest anchor, or that differs from any anchor, was changed
//! after the fact, whoever held the database.

use super::canonical::timestamp;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What an anchor states: entry `seq` of the case is the one signed `entry_signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainAnchor {
    pub guild_id: u64,
    pub case_number: i32,
    pub seq: i32,
    pub entry_signature: String,
    /// The key the anchor itself is signed with.
    pub key_id: String,
    pub anchored_at: DateTime<Utc>,
}

impl ChainAnchor {
    /// The document the anchor's signature covers.
    pub fn to_json(&self) -> Value {
        json!({
            "v": 1,
            "type": "evidence_anchor",
            "guild": self.guild_id.to_string(),
            "case": self.case_number,
            "seq": self.seq,
            "entry_signature": self.entry_signature,
            "key_id": self.key_id,
            "anchored_at": timestamp(self.anchored_at),
        })
    }

    /// Reads back the fields of a stored anchor's document; `None` if it is not one.
    pub fn from_json(document: &Value) -> Option<ChainAnchor> {
        if document["type"] != "evidence_anchor" || document["v"] != 1 {
            return None;
        }
        Some(ChainAnchor {
            guild_id: document["guild"].as_str()?.parse().ok()?,
            case_number: i32::try_from(document["case"].as_i64()?).ok()?,
            seq: i32::try_from(document["seq"].as_i64()?).ok()?,
            entry_signature: document["entry_signature"].as_str()?.to_string(),
            key_id: document["key_id"].as_str()?.to_string(),
            anchored_at: DateTime::parse_from_rfc3339(document["anchored_at"].as_str()?)
                .ok()?
                .with_timezone(&Utc),
        })
    }
}

/// An anchor as stored: its document and the signature over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAnchor {
    pub document: Value,
    pub signature: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::canonical::truncate_to_micros;

    #[test]
    fn anchors_read_back_what_they_state() {
        let anchor = ChainAnchor {
            guild_id: 18_446_744_073_709_551_615,
            case_number: 7,
            seq: 12,
            entry_signature: "ab".repeat(32),
            key_id: "k1".into(),
            anchored_at: truncate_to_micros(Utc::now()),
        };
        assert_eq!(ChainAnchor::from_json(&anchor.to_json()), Some(anchor));
        assert_eq!(
            ChainAnchor::from_json(&json!({"type": "evidence_item"})),
            None
        );
    }
}
