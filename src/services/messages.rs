//! Actions on messages: `/mod purge` (delete a channel's messages, filtered, as one PURGE case)
//! and Remove Message (delete one message as a violation: a DELETE_MESSAGE case against its
//! author with strikes and escalation). Both check the channel is this server's and that the
//! moderator and Gavel may manage messages there (Discord's channel permissions with
//! overwrites), and can snapshot the messages into a case's evidence before deleting them.

use super::case_flow::{
    ActionPlan, ActionRequest, BeforeCall, CaseFlow, Counted, DmTiming, Effect,
};
use super::evidence::EvidenceService;
use super::hierarchy::{self, Verdict};
use super::moderation::ModerationService;
use crate::domain::evidence::snapshot::MessageSnapshot;
use crate::domain::{ModAction, ModActionResult};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::{
    codes, permissions, ChannelKind, ChannelSnapshot, DiscordError, DiscordPort, MessagePage,
};
use crate::store::cases::Case;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

pub const MAX_PURGE: u16 = 1000;
/// Discord bulk-deletes only messages younger than this.
const BULK_DELETE_MAX_AGE: chrono::Duration = chrono::Duration::days(14);
/// Messages this close to the 14 days go one by one: they may age past it in flight.
const BULK_DELETE_MARGIN: chrono::Duration = chrono::Duration::minutes(5);
/// How many messages of history one purge reads at most while looking for matches.
const MAX_SCANNED: usize = 5_000;
/// Time between a purge's Discord calls: deletes share a per-channel bucket of about five a
/// second; serenity's rate limiter also waits out whatever Discord's headers ask.
const PACE: Duration = Duration::from_millis(200);
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// When Discord made a snowflake.
pub fn snowflake_time(id: u64) -> DateTime<Utc> {
    let ms = (id >> 22) as i64 + DISCORD_EPOCH_MS;
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn snowflake_at(at: DateTime<Utc>) -> u64 {
    ((at.timestamp_millis() - DISCORD_EPOCH_MS).max(0) as u64) << 22
}

/// Which messages a purge deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeFilter {
    pub user: Option<u64>,
    pub contains: Option<String>,
    pub bots: bool,
    pub links: bool,
    pub attachments: bool,
    /// Only messages older than this one (exclusive).
    pub before: Option<u64>,
    /// Only messages newer than this one (exclusive).
    pub after: Option<u64>,
}

impl PurgeFilter {
    pub fn matches(&self, message: &MessageSnapshot) -> bool {
        let id = message.id_u64();
        if self.before.is_some_and(|b| id >= b) || self.after.is_some_and(|a| id <= a) {
            return false;
        }
        if self
            .user
            .is_some_and(|u| message.author.id != u.to_string())
        {
            return false;
        }
        if let Some(needle) = &self.contains {
            if !message
                .content
                .to_lowercase()
                .contains(&needle.to_lowercase())
            {
                return false;
            }
        }
        if self.bots && !message.author.bot {
            return false;
        }
        if self.links && !has_link(&message.content) {
            return false;
        }
        if self.attachments && message.attachments.is_empty() {
            return false;
        }
        true
    }

    /// "user <@1>, contains "free nitro", links" for the case and the mod log.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(user) = self.user {
            parts.push(format!("user <@{user}>"));
        }
        if let Some(text) = &self.contains {
            parts.push(format!("contains \"{text}\""));
        }
        for (on, name) in [
            (self.bots, "bots"),
            (self.links, "links"),
            (self.attachments, "attachments"),
        ] {
            if on {
                parts.push(name.to_string());
            }
        }
        if let Some(id) = self.before {
            parts.push(format!("before {id}"));
        }
        if let Some(id) = self.after {
            parts.push(format!("after {id}"));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "user": self.user.map(|u| u.to_string()),
            "contains": self.contains,
            "bots": self.bots,
            "links": self.links,
            "attachments": self.attachments,
            "before": self.before.map(|u| u.to_string()),
            "after": self.after.map(|u| u.to_string()),
        })
    }
}

fn has_link(content: &str) -> bool {
    let lower = content.to_lowercase();
    lower.contains("http://") || lower.contains("https://") || lower.contains("discord.gg/")
}

#[derive(Debug, Clone)]
pub struct PurgeRequest {
    pub guild_id: u64,
    pub moderator_id: u64,
    pub channel_id: u64,
    pub count: u16,
    pub filter: PurgeFilter,
    pub reason: Option<String>,
    /// Snapshot the messages into this case's evidence first.
    pub evidence_case: Option<i32>,
}

/// How far a purge has got, for its progress message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeProgress {
    pub matched: usize,
    pub deleted: usize,
    pub failed: usize,
}

#[derive(Debug, Clone)]
pub struct PurgeOutcome {
    pub case: Case,
    pub matched: usize,
    pub deleted: usize,
    pub failed: usize,
    /// Why some could not be deleted, in a moderator's words.
    pub failure: Option<String>,
    /// The evidence item's number in its case, when the messages were captured.
    pub evidence: Option<(i32, i32)>,
}

/// Remove Message: one message, as a violation.
#[derive(Debug, Clone)]
pub struct RemoveMessageRequest {
    pub guild_id: u64,
    pub moderator_id: u64,
    pub channel_id: u64,
    pub message_id: u64,
    pub violation: String,
    pub details: Option<String>,
    pub points: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct RemoveMessageOutcome {
    pub result: ModActionResult,
    /// Case number and entry of the snapshot, when evidence is configured.
    pub evidence: Option<(i32, i32)>,
    /// Why no snapshot was kept, when evidence is configured but capturing failed.
    pub evidence_problem: Option<String>,
}

#[derive(Clone)]
pub struct MessageModerationService {
    flow: CaseFlow,
    moderation: ModerationService,
    evidence: EvidenceService,
    port: Arc<dyn DiscordPort>,
    pace: Duration,
}

impl MessageModerationService {
    pub fn new(
        flow: CaseFlow,
        moderation: ModerationService,
        evidence: EvidenceService,
        port: Arc<dyn DiscordPort>,
    ) -> Self {
        MessageModerationService {
            flow,
            moderation,
            evidence,
            port,
            pace: PACE,
        }
    }

    /// Deletes up to `count` matching messages of a channel and records one PURGE case.
    /// `progress` is called after each Discord call.
    pub async fn purge(
        &self,
        req: PurgeRequest,
        progress: &(dyn Fn(PurgeProgress) + Send + Sync),
    ) -> GavelResult<PurgeOutcome> {
        if !(1..=MAX_PURGE).contains(&req.count) {
            return Err(GavelError::invalid(format!(
                "Purge between 1 and {MAX_PURGE} messages."
            )));
        }
        if req
            .filter
            .contains
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(GavelError::invalid("`contains` needs some text."));
        }
        if let (Some(before), Some(after)) = (req.filter.before, req.filter.after) {
            if before <= after {
                return Err(GavelError::invalid(
                    "`before` must be a newer message than `after`; nothing lies between them.",
                ));
            }
        }
        self.manageable_channel(req.guild_id, req.moderator_id, req.channel_id)
            .await?;
        for id in [req.filter.before, req.filter.after].into_iter().flatten() {
            self.message_in(req.channel_id, id).await.map_err(|_| {
                GavelError::invalid(format!(
                    "Message {id} is not in that channel; give `before`/`after` ids from it."
                ))
            })?;
        }
        let target_id = match req.filter.user {
            Some(user) => {
                if let Verdict::Refused(message) = hierarchy::check(
                    self.port.as_ref(),
                    req.guild_id,
                    req.moderator_id,
                    user,
                    false,
                )
                .await?
                {
                    return Err(GavelError::Invalid(message));
                }
                user
            }
            None => self.port.bot_user_id(),
        };

        let messages = self.collect(&req).await?;
        if messages.is_empty() {
            return Err(GavelError::invalid(
                "No messages in that channel match; nothing was deleted.",
            ));
        }
        let evidence = match req.evidence_case {
            Some(number) => {
                let capture = self
                    .evidence
                    .capture_messages(
                        req.guild_id,
                        req.moderator_id,
                        number,
                        req.channel_id,
                        messages.clone(),
                        &format!("purge: {}", req.filter.describe()),
                        Some("Captured by /mod purge before deleting"),
                        "purge",
                    )
                    .await?;
                Some((capture.case.case_number, capture.item.seq))
            }
            None => None,
        };

        let filter_text = req.filter.describe();
        let request = ActionRequest::new(req.guild_id, req.moderator_id, target_id)
            .reason(req.reason.clone())
            .data(serde_json::json!({
                "channel_id": req.channel_id.to_string(),
                "requested": req.count,
                "matched": messages.len(),
                "filter": req.filter.to_json(),
                "filter_text": filter_text,
                "evidence_case": req.evidence_case,
            }));
        let ids: Vec<u64> = messages.iter().map(MessageSnapshot::id_u64).collect();
        let matched = ids.len();
        let (case, counted) = self
            .flow
            .run_counted(&request, ModAction::Purge, |audit| {
                self.delete_all(req.channel_id, ids, audit, progress)
            })
            .await?;
        Ok(PurgeOutcome {
            case,
            matched,
            deleted: counted.done,
            failed: counted.failed,
            failure: counted.failure.map(|f| f.moderator_message()),
            evidence,
        })
    }

    /// Reads the channel's history newest first until `count` messages match, the `after`
    /// message is reached, or MAX_SCANNED have been read.
    async fn collect(&self, req: &PurgeRequest) -> GavelResult<Vec<MessageSnapshot>> {
        let mut cursor = req
            .filter
            .before
            .unwrap_or_else(|| snowflake_at(Utc::now() + chrono::Duration::minutes(1)));
        let mut found = Vec::new();
        let mut scanned = 0;
        while found.len() < usize::from(req.count) && scanned < MAX_SCANNED {
            let page = self
                .port
                .messages(req.channel_id, MessagePage::Before(cursor), 100)
                .await?;
            let Some(oldest) = page.iter().map(MessageSnapshot::id_u64).min() else {
                break;
            };
            scanned += page.len();
            let past_after = req.filter.after.is_some_and(|a| oldest <= a);
            for message in page {
                if found.len() < usize::from(req.count) && req.filter.matches(&message) {
                    found.push(message);
                }
            }
            if past_after || oldest >= cursor {
                break;
            }
            cursor = oldest;
        }
        Ok(found)
    }

    /// Bulk-deletes the young messages 100 at a time and the old ones one by one, pacing the
    /// calls. A bulk call Discord refuses as too old is retried one by one.
    async fn delete_all(
        &self,
        channel_id: u64,
        ids: Vec<u64>,
        audit: String,
        progress: &(dyn Fn(PurgeProgress) + Send + Sync),
    ) -> Counted {
        let cutoff = Utc::now() - BULK_DELETE_MAX_AGE + BULK_DELETE_MARGIN;
        let (young, old): (Vec<u64>, Vec<u64>) =
            ids.iter().partition(|id| snowflake_time(**id) > cutoff);
        let matched = ids.len();
        let mut counted = Counted::default();
        let mut singles = old;
        let mut first = true;
        let report = |c: &Counted| {
            progress(PurgeProgress {
                matched,
                deleted: c.done,
                failed: c.failed,
            })
        };
        for chunk in young.chunks(100) {
            if chunk.len() < 2 {
                singles.extend_from_slice(chunk);
                continue;
            }
            self.wait(&mut first).await;
            match self
                .port
                .bulk_delete_messages(channel_id, chunk, &audit)
                .await
            {
                Ok(()) => counted.done += chunk.len(),
                Err(e) if e.is(codes::BULK_DELETE_TOO_OLD) => singles.extend_from_slice(chunk),
                Err(e) => fail(&mut counted, chunk.len(), e),
            }
            report(&counted);
        }
        for id in singles {
            self.wait(&mut first).await;
            match self.port.delete_message(channel_id, id, &audit).await {
                Ok(()) => counted.done += 1,
                Err(e) => fail(&mut counted, 1, e),
            }
            report(&counted);
        }
        counted
    }

    async fn wait(&self, first: &mut bool) {
        if !*first && !self.pace.is_zero() {
            tokio::time::sleep(self.pace).await;
        }
        *first = false;
    }

    /// Remove Message: snapshot (when evidence is configured), delete, and record a
    /// DELETE_MESSAGE case against the author with the violation's strikes and escalation.
    pub async fn remove_message(
        &self,
        req: RemoveMessageRequest,
    ) -> GavelResult<RemoveMessageOutcome> {
        self.manageable_channel(req.guild_id, req.moderator_id, req.channel_id)
            .await?;
        let message = self
            .message_in(req.channel_id, req.message_id)
            .await
            .map_err(|_| {
                GavelError::not_found("That message no longer exists (or Gavel cannot see it).")
            })?;
        let author: u64 = message.author.id.parse().unwrap_or(0);
        let request = ActionRequest::new(req.guild_id, req.moderator_id, author)
            .reason(Some(format!(
                "Message removed: {}",
                req.details.as_deref().unwrap_or("no details given")
            )))
            .violation(Some(req.violation.clone()))
            .details(req.details.clone().filter(|d| !d.trim().is_empty()))
            .strike_points(req.points)
            .source("context_menu")
            .data(serde_json::json!({
                "channel_id": req.channel_id.to_string(),
                "message_id": req.message_id.to_string(),
            }));
        // Refuse early (hierarchy, a bad violation or points) before anything is kept or
        // deleted; the case flow checks again when it runs.
        self.flow
            .validate(&request, ModAction::DeleteMessage)
            .await?;
        if let Verdict::Refused(message) = hierarchy::check(
            self.port.as_ref(),
            req.guild_id,
            req.moderator_id,
            author,
            false,
        )
        .await?
        {
            return Err(GavelError::Invalid(message));
        }
        // The snapshot is taken once the case is open and before the message is deleted, so
        // its attachments can still be downloaded.
        let kept: Arc<std::sync::Mutex<Option<Result<i32, String>>>> = Arc::default();
        let before = self.evidence.runtime_handle().is_some().then(|| {
            let (evidence, kept, message) = (self.evidence.clone(), kept.clone(), message.clone());
            let (guild_id, moderator_id, channel_id) =
                (req.guild_id, req.moderator_id, req.channel_id);
            BeforeCall(Arc::new(move |number| {
                let (evidence, kept, message) = (evidence.clone(), kept.clone(), message.clone());
                Box::pin(async move {
                    let outcome = evidence
                        .capture_messages(
                            guild_id,
                            moderator_id,
                            number,
                            channel_id,
                            vec![message],
                            "single",
                            Some("Captured by Remove Message before deleting"),
                            "remove_message",
                        )
                        .await
                        .map(|capture| capture.item.seq)
                        .map_err(|e| e.user_message());
                    *kept.lock().expect("not poisoned") = Some(outcome);
                })
            }))
        });
        let result = self
            .moderation
            .act(
                &request,
                ActionPlan {
                    action: ModAction::DeleteMessage,
                    duration: None,
                    target_must_be_member: false,
                    dm: DmTiming::After,
                    effect: Effect::DeleteMessage {
                        channel_id: req.channel_id,
                        message_id: req.message_id,
                        before,
                    },
                },
            )
            .await?;
        let (mut evidence, mut evidence_problem) = (None, None);
        match kept.lock().expect("not poisoned").take() {
            Some(Ok(seq)) => evidence = result.case_number.map(|n| (n, seq)),
            Some(Err(problem)) => evidence_problem = Some(problem),
            None => {}
        }
        Ok(RemoveMessageOutcome {
            result,
            evidence,
            evidence_problem,
        })
    }

    /// The channel, if it is this server's and both the moderator and Gavel may see it, read
    /// its history and manage its messages (a thread by its parent's overwrites).
    async fn manageable_channel(
        &self,
        guild_id: u64,
        moderator_id: u64,
        channel_id: u64,
    ) -> GavelResult<ChannelSnapshot> {
        let channel = self.port.channel(channel_id).await.map_err(|e| {
            if e.is(codes::UNKNOWN_CHANNEL) || e.is(codes::MISSING_ACCESS) {
                GavelError::not_found("That channel does not exist, or Gavel cannot see it.")
            } else {
                GavelError::from(e)
            }
        })?;
        if channel.guild_id != Some(guild_id) {
            return Err(GavelError::invalid(
                "That channel is not in this server; moderate this server's channels only.",
            ));
        }
        let overwrites = match channel.kind {
            ChannelKind::PublicThread | ChannelKind::PrivateThread => {
                let parent = channel.parent_id.ok_or_else(|| {
                    GavelError::not_found("That thread has no channel Gavel can see.")
                })?;
                self.port.channel(parent).await?.permission_overwrites
            }
            _ => channel.permission_overwrites.clone(),
        };
        let needed = permissions::VIEW_CHANNEL
            | permissions::READ_MESSAGE_HISTORY
            | permissions::MANAGE_MESSAGES;
        let guild = self.port.guild(guild_id).await?;
        let Some(moderator) = self.port.member(guild_id, moderator_id).await? else {
            return Err(GavelError::invalid("You are not a member of this server."));
        };
        if guild.permissions_in(&moderator, &overwrites) & needed != needed {
            return Err(GavelError::invalid(
                "You need to see that channel and have Manage Messages there.",
            ));
        }
        let bot = self.port.bot_user_id();
        let bot_member = self.port.member(guild_id, bot).await?;
        if bot_member.is_none_or(|m| guild.permissions_in(&m, &overwrites) & needed != needed) {
            return Err(GavelError::invalid(
                "Gavel needs to see that channel, read its history and have Manage Messages there.",
            ));
        }
        Ok(channel)
    }

    async fn message_in(
        &self,
        channel_id: u64,
        message_id: u64,
    ) -> Result<MessageSnapshot, DiscordError> {
        self.port.message(channel_id, message_id).await
    }
}

fn fail(counted: &mut Counted, n: usize, error: DiscordError) {
    tracing::info!(%error, n, "messages could not be deleted");
    counted.failed += n;
    counted.failure.get_or_insert(error);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::snapshot::AuthorSnapshot;

    fn message(id: u64, author: u64, bot: bool, content: &str) -> MessageSnapshot {
        MessageSnapshot {
            id: id.to_string(),
            channel_id: "1".into(),
            author: AuthorSnapshot {
                id: author.to_string(),
                name: "x".into(),
                bot,
            },
            content: content.into(),
            created_at: String::new(),
            edited_at: None,
            embeds: vec![],
            reference: None,
            referenced_message: None,
            attachments: vec![],
        }
    }

    #[test]
    fn filters_combine_and_describe_themselves() {
        let filter = PurgeFilter {
            user: Some(7),
            contains: Some("Nitro".into()),
            links: true,
            after: Some(10),
            ..Default::default()
        };
        assert!(filter.matches(&message(11, 7, false, "free nitro https://x.y")));
        assert!(!filter.matches(&message(11, 8, false, "free nitro https://x.y")));
        assert!(!filter.matches(&message(11, 7, false, "free nitro")));
        assert!(!filter.matches(&message(10, 7, false, "free nitro https://x.y")));
        assert!(PurgeFilter {
            bots: true,
            ..Default::default()
        }
        .matches(&message(1, 2, true, "")));
        assert_eq!(
            filter.describe(),
            "user <@7>, contains \"Nitro\", links, after 10"
        );
        assert_eq!(PurgeFilter::default().describe(), "none");
    }

    #[test]
    fn snowflakes_carry_their_time() {
        let at = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        assert_eq!(snowflake_time(snowflake_at(at)), at);
    }
}
