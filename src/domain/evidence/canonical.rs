//! The canonical serialisation evidence signatures cover.
//!
//! A document is a JSON value written in exactly one way:
//! - objects: members sorted by key, compared as UTF-8 byte strings; duplicate keys cannot occur
//!   (documents are built from maps);
//! - no whitespace anywhere;
//! - strings: UTF-8, with `"` and `\` escaped as `\"` and `\\`, U+0008, U+0009, U+000A, U+000C
//!   and U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, other code points below U+0020 as `\u00xx`
//!   (lower-case hex), and everything else (including non-ASCII) written as is;
//! - numbers: integers only, in decimal with no leading zeros or `+` (`-` for negatives);
//!   fractions are refused, so no float formatting question arises. Discord ids are strings;
//! - `true`, `false` and `null` literally; absent optional fields are written as `null`, never
//!   left out, so every version-1 document of a type has the same keys.
//!
//! Timestamps inside documents are strings in RFC 3339 UTC with exactly six fractional digits
//! (`2026-11-21T10:00:00.123456Z`, see [`timestamp`]), the precision PostgreSQL stores.
//!
//! What is signed is the byte string `gavel-evidence-v1\n` followed by the document. The
//! documents of items and amendments are [`ItemDocument`] and [`AmendmentDocument`] written as
//! JSON: version `v`, `type`, and every column of the entry's row except its database id and its
//! own signature (the previous entry's signature is in `prev`, the key id in `key_id`, the
//! content's SHA-256 in each of `objects`).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::fmt::Write;

/// The domain-separation prefix of every signed message.
pub const PREFIX: &str = "gavel-evidence-v1\n";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} cannot be written canonically (only integers are allowed)")]
pub struct NotCanonical(String);

/// Writes `value` in the canonical form described above.
pub fn encode(value: &Value) -> Result<String, NotCanonical> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

/// The bytes that are signed: the prefix and the canonical document.
pub fn signed_message(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    Ok(format!("{PREFIX}{}", encode(value)?).into_bytes())
}

/// A timestamp as documents carry it (microseconds, UTC, `Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `at` cut to the microsecond, so it survives a round trip through PostgreSQL unchanged.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                return Err(NotCanonical(n.to_string()));
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, &map[key])?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The signed fields of an evidence item: every column of its row but the row ids and the
/// signature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemDocument<'a> {
    pub guild_id: u64,
    pub case_number: i32,
    pub seq: i32,
    pub kind: &'a str,
    pub source: &'a str,
    pub url: Option<&'a str>,
    pub filename: Option<&'a str>,
    pub note: Option<&'a str>,
    pub objects: &'a Value,
    pub metadata: &'a Value,
    pub added_by: u64,
    pub created_at: DateTime<Utc>,
    pub key_id: &'a str,
    pub prev_signature: Option<&'a str>,
}

impl ItemDocument<'_> {
    /// The document the signature covers.
    pub fn to_json(&self) -> Value {
        json!({
            "v": 1,
            "type": "evidence_item",
            "guild": self.guild_id.to_string(),
            "case": self.case_number,
            "seq": self.seq,
            "kind": self.kind,
            "source": self.source,
            "url": self.url,
            "filename": self.filename,
            "note": self.note,
            "objects": self.objects,
            "metadata": self.metadata,
            "added_by": self.added_by.to_string(),
            "created_at": timestamp(self.created_at),
            "key_id": self.key_id,
            "prev": self.prev_signature,
        })
    }
}

/// The signed fields of an amendment: every column of its row but the row ids and the
/// signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmendmentDocument<'a> {
    pub guild_id: u64,
    pub case_number: i32,
    pub seq: i32,
    pub kind: &'a str,
    pub target_seq: Option<i32>,
    pub text: &'a str,
    pub added_by: u64,
    pub created_at: DateTime<Utc>,
    pub key_id: &'a str,
    pub prev_signature: Option<&'a str>,
}

impl AmendmentDocument<'_> {
    /// The document the signature covers.
    pub fn to_json(&self) -> Value {
        json!({
            "v": 1,
            "type": "evidence_amendment",
            "guild": self.guild_id.to_string(),
            "case": self.case_number,
            "seq": self.seq,
            "kind": self.kind,
            "target": self.target_seq,
            "text": self.text,
            "added_by": self.added_by.to_string(),
            "created_at": timestamp(self.created_at),
            "key_id": self.key_id,
            "prev": self.prev_signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_escapes_strings_and_refuses_fractions() {
        let doc = json!({
            "z": null, "a": [1, -2, true], "m": {"b": "x\"y\\z\n\u{1}é", "a": 18446744073709551615u64}
        });
        assert_eq!(
            encode(&doc).unwrap(),
            r#"{"a":[1,-2,true],"m":{"a":18446744073709551615,"b":"x\"y\\z\n\u0001é"},"z":null}"#
        );
        assert!(encode(&json!({"x": 1.5})).is_err());
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-11-21T10:00:00.123456Z");
        assert_eq!(
            timestamp(truncate_to_micros(at)),
            "2026-11-21T10:00:00.123456Z"
        );
        assert!(signed_message(&json!({}))
            .unwrap()
            .starts_with(PREFIX.as_bytes()));
    }
}
