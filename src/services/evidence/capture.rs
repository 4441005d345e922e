//! Evidence taken from Discord and the web: URLs (recorded as given, never fetched), Discord
//! message links, and Capture Evidence ranges, each message stored as a snapshot with its
//! attachments beside it.

use super::chain::ItemDraft;
use super::{clean_note, EvidenceService};
use crate::domain::evidence::canonical::timestamp;
use crate::domain::evidence::digest::ObjectDigest;
use crate::domain::evidence::snapshot::{
    parse_message_link, CaptureDocument, CaptureRange, MessageSnapshot, FORMAT,
};
use crate::domain::ModAction;
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::{codes, permissions, ChannelKind, ChannelSnapshot, MessagePage};
use crate::services::cases::ExternalCase;
use crate::store::cases::Case;
use crate::store::evidence::EvidenceItemRow;
use crate::store::objects::cdn::CdnError;
use crate::store::objects::ObjectBody;
use chrono::Utc;
use serde_json::json;

const MAX_URL_CHARS: usize = 2000;

/// Which case evidence goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseChoice {
    Existing(i32),
    /// Open a new case about the captured message's author.
    New,
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

impl EvidenceService {
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
        if let Some((link_guild, channel, message)) = parse_message_link(url) {
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

    /// Refuses, before anything is read, a channel that is not this server's or whose history
    /// the moderator cannot read there now (Discord's permission algorithm; a thread by its
    /// parent's overwrites).
    async fn check_readable(
        &self,
        guild_id: u64,
        actor_id: u64,
        channel_id: u64,
    ) -> GavelResult<()> {
        let channel = self.visible_channel(channel_id).await?;
        if channel.guild_id != Some(guild_id) {
            return Err(GavelError::invalid(
                "That message is in another server's channel; capture evidence from this server.",
            ));
        }
        let mut needed = permissions::VIEW_CHANNEL | permissions::READ_MESSAGE_HISTORY;
        if channel.kind == ChannelKind::PrivateThread {
            // Gavel does not look up who is in a private thread: only moderators who may
            // manage threads (and so see them all) capture from one.
            needed |= permissions::MANAGE_THREADS;
        }
        let overwrites = match channel.kind {
            ChannelKind::PublicThread | ChannelKind::PrivateThread => {
                let parent = channel.parent_id.ok_or_else(|| {
                    GavelError::not_found("That thread has no channel Gavel can see.")
                })?;
                self.visible_channel(parent).await?.permission_overwrites
            }
            _ => channel.permission_overwrites,
        };
        let guild = self.port.guild(guild_id).await?;
        let Some(member) = self.port.member(guild_id, actor_id).await? else {
            return Err(GavelError::invalid("You are not a member of this server."));
        };
        if guild.permissions_in(&member, &overwrites) & needed != needed {
            return Err(GavelError::invalid(
                "You cannot read message history in that channel, so Gavel will not capture from it.",
            ));
        }
        Ok(())
    }

    async fn visible_channel(&self, channel_id: u64) -> GavelResult<ChannelSnapshot> {
        self.port.channel(channel_id).await.map_err(|e| {
            if e.is(codes::UNKNOWN_CHANNEL) || e.is(codes::MISSING_ACCESS) {
                GavelError::not_found("That channel does not exist, or Gavel cannot see it.")
            } else {
                GavelError::from(e)
            }
        })
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
        self.runtime()?;
        let note = clean_note(note)?;
        self.check_readable(guild_id, actor_id, channel_id).await?;
        let target = self
            .port
            .message(channel_id, message_id)
            .await
            .map_err(|e| {
                if e.is(codes::UNKNOWN_MESSAGE) {
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
        self.store_capture(
            &case,
            actor_id,
            channel_id,
            message_id,
            &mut messages,
            &range.describe(),
            note,
            source,
        )
        .await
        .map(|item| Capture {
            case,
            item,
            messages,
        })
    }

    /// Snapshots messages Gavel already read (a purge's, a removed message) into an existing
    /// case, with their attachments, as one item. The caller has checked the channel is this
    /// server's and that the moderator may read it.
    #[allow(clippy::too_many_arguments)]
    pub async fn capture_messages(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        channel_id: u64,
        mut messages: Vec<MessageSnapshot>,
        range: &str,
        note: Option<&str>,
        source: &'static str,
    ) -> GavelResult<Capture> {
        self.runtime()?;
        let note = clean_note(note)?;
        let case = self.case(guild_id, case_number).await?;
        messages.sort_by_key(MessageSnapshot::id_u64);
        messages.dedup_by_key(|m| m.id_u64());
        let target = messages.last().map_or(0, MessageSnapshot::id_u64);
        let item = self
            .store_capture(
                &case,
                actor_id,
                channel_id,
                target,
                &mut messages,
                range,
                note,
                source,
            )
            .await?;
        Ok(Capture {
            case,
            item,
            messages,
        })
    }

    /// Downloads the messages' attachments, stores the snapshot document and records the item.
    #[allow(clippy::too_many_arguments)]
    async fn store_capture(
        &self,
        case: &Case,
        actor_id: u64,
        channel_id: u64,
        message_id: u64,
        messages: &mut [MessageSnapshot],
        range: &str,
        note: Option<String>,
        source: &'static str,
    ) -> GavelResult<EvidenceItemRow> {
        let evidence = self.runtime()?;
        let guild_id = case.guild_id;
        let mut objects = Vec::new();
        for message in messages.iter_mut() {
            for attachment in &mut message.attachments {
                if attachment.size > evidence.max_file_bytes {
                    attachment.not_stored =
                        Some(CdnError::TooLarge(evidence.max_file_bytes).to_string());
                    continue;
                }
                match evidence.cdn.download(&attachment.url).await {
                    Ok(download) => {
                        let content_type = attachment
                            .content_type
                            .clone()
                            .or(download.content_type.clone())
                            .unwrap_or_else(|| "application/octet-stream".into());
                        let name = format!("{}-{}", attachment.id, attachment.filename);
                        let object = self
                            .store_download(case, &name, &content_type, download)
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
            range: range.to_string(),
            captured_by: actor_id.to_string(),
            captured_at: timestamp(Utc::now()),
            messages: messages.to_vec(),
        };
        let bytes = serde_json::to_vec_pretty(&document).expect("snapshots serialise");
        let digest = ObjectDigest::of(&bytes);
        let snapshot = self
            .store_object(
                case,
                &format!("messages-{message_id}.json"),
                "application/json",
                ObjectBody::Bytes(bytes),
                digest,
            )
            .await?;
        objects.insert(0, (snapshot, "snapshot"));
        let item = self
            .record_item(
                case,
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
                        "range": range,
                    }),
                },
            )
            .await?;
        Ok(item)
    }
}
