//! Message snapshots: what Discord said a message was when it was captured, stored as a JSON
//! document in the bucket with its attachments stored beside it.

use serde::{Deserialize, Serialize};

/// The format name every snapshot document carries.
pub const FORMAT: &str = "gavel-message-snapshot-v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorSnapshot {
    pub id: String,
    pub name: String,
    pub bot: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentSnapshot {
    pub id: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: u64,
    /// Where Discord served it at capture time (signed CDN URLs expire).
    pub url: String,
    /// Where Gavel stored its bytes; `None` when it could not (see `not_stored`).
    pub stored: Option<StoredObject>,
    pub not_stored: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    pub key: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceSnapshot {
    pub message_id: Option<String>,
    pub channel_id: String,
    pub guild_id: Option<String>,
}

/// The message a reply points to, as Discord included it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferencedSnapshot {
    pub id: String,
    pub author: AuthorSnapshot,
    pub content: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSnapshot {
    pub id: String,
    pub channel_id: String,
    pub author: AuthorSnapshot,
    pub content: String,
    pub created_at: String,
    /// When it was last edited. Discord keeps no edit history, so earlier versions are only
    /// what an earlier capture recorded.
    pub edited_at: Option<String>,
    pub embeds: Vec<serde_json::Value>,
    pub reference: Option<ReferenceSnapshot>,
    pub referenced_message: Option<ReferencedSnapshot>,
    pub attachments: Vec<AttachmentSnapshot>,
}

impl MessageSnapshot {
    pub fn id_u64(&self) -> u64 {
        self.id.parse().unwrap_or(0)
    }
}

/// The document stored for one capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureDocument {
    pub format: String,
    pub guild_id: String,
    pub channel_id: String,
    pub target_message_id: String,
    pub range: String,
    pub captured_by: String,
    pub captured_at: String,
    /// Oldest first.
    pub messages: Vec<MessageSnapshot>,
}

/// Which messages around the target a capture includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureRange {
    Single,
    Around {
        before: u8,
        after: u8,
    },
    /// From the target to this message (either direction), inclusive.
    UpTo(u64),
}

/// Most messages one capture fetches on either side of the target.
pub const MAX_RANGE: u8 = 50;

impl CaptureRange {
    /// Reads what a moderator typed: empty for the message alone; `5 before`, `3 after`,
    /// `5 before 3 after`; or a message id (`up to 1234…`, `to 1234…`, or the bare id).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Ok(CaptureRange::Single);
        }
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        let usage = || {
            format!("`{text}` is not a range; write e.g. `5 before`, `3 after`, `5 before 3 after` or `up to <message id>`.")
        };
        if let Some(id) = words
            .last()
            .filter(|w| w.len() >= 15)
            .and_then(|w| w.parse::<u64>().ok())
        {
            let rest = &words[..words.len() - 1];
            if rest.is_empty() || rest == ["up", "to"] || rest == ["to"] || rest == ["until"] {
                return Ok(CaptureRange::UpTo(id));
            }
            return Err(usage());
        }
        let (mut before, mut after) = (None, None);
        let mut i = 0;
        while i < words.len() {
            let (number, side) = match (words[i].parse::<u32>(), words.get(i + 1)) {
                (Ok(n), Some(side)) => (n, *side),
                _ => {
                    // `before 5` as well as `5 before`.
                    match (
                        words[i],
                        words.get(i + 1).and_then(|w| w.parse::<u32>().ok()),
                    ) {
                        (side @ ("before" | "after"), Some(n)) => (n, side),
                        _ => return Err(usage()),
                    }
                }
            };
            if number > MAX_RANGE as u32 {
                return Err(format!(
                    "Capture at most {MAX_RANGE} messages on each side."
                ));
            }
            let slot = match side {
                "before" => &mut before,
                "after" => &mut after,
                _ => return Err(usage()),
            };
            if slot.replace(number as u8).is_some() {
                return Err(usage());
            }
            i += 2;
        }
        match (before.unwrap_or(0), after.unwrap_or(0)) {
            (0, 0) => Ok(CaptureRange::Single),
            (before, after) => Ok(CaptureRange::Around { before, after }),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CaptureRange::Single => "the message alone".into(),
            CaptureRange::Around { before, after } => {
                format!("{before} before, {after} after")
            }
            CaptureRange::UpTo(id) => format!("up to message {id}"),
        }
    }
}

/// `https://discord.com/channels/<guild>/<channel>/<message>` (also ptb., canary. and
/// discordapp.com) → (guild, channel, message).
pub fn parse_message_link(url: &str) -> Option<(u64, u64, u64)> {
    let rest = url
        .trim()
        .strip_prefix("https://")
        .or_else(|| url.trim().strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let known = ["discord.com", "discordapp.com"].iter().any(|base| {
        host == *base || host == format!("ptb.{base}") || host == format!("canary.{base}")
    });
    if !known {
        return None;
    }
    let parts: Vec<&str> = path
        .split(['?', '#'])
        .next()?
        .trim_end_matches('/')
        .split('/')
        .collect();
    match parts.as_slice() {
        ["channels", guild, channel, message] => Some((
            guild.parse().ok()?,
            channel.parse().ok()?,
            message.parse().ok()?,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_in_the_forms_moderators_type() {
        assert_eq!(CaptureRange::parse(""), Ok(CaptureRange::Single));
        assert_eq!(
            CaptureRange::parse("5 before"),
            Ok(CaptureRange::Around {
                before: 5,
                after: 0
            })
        );
        assert_eq!(
            CaptureRange::parse("5 before, after 3"),
            Ok(CaptureRange::Around {
                before: 5,
                after: 3
            })
        );
        assert_eq!(
            CaptureRange::parse("up to 123456789012345678"),
            Ok(CaptureRange::UpTo(123456789012345678))
        );
        assert_eq!(
            CaptureRange::parse("123456789012345678"),
            Ok(CaptureRange::UpTo(123456789012345678))
        );
        assert!(CaptureRange::parse("51 before").is_err());
        assert!(CaptureRange::parse("lots").is_err());
        assert!(CaptureRange::parse("5 sideways").is_err());
    }

    #[test]
    fn message_links_resolve_only_on_discord_hosts() {
        assert_eq!(
            parse_message_link("https://discord.com/channels/1/2/3"),
            Some((1, 2, 3))
        );
        assert_eq!(
            parse_message_link("https://canary.discordapp.com/channels/1/2/3/"),
            Some((1, 2, 3))
        );
        assert_eq!(parse_message_link("https://evil.com/channels/1/2/3"), None);
        assert_eq!(parse_message_link("https://discord.com/channels/1/2"), None);
        assert_eq!(
            parse_message_link("https://discord.com.evil/channels/1/2/3"),
            None
        );
    }
}
