//! `/mod massban`: up to 1,000 users banned through Discord's bulk-ban endpoint, one case each.
//!
//! It follows the case flow's rules, in bulk:
//! 1. Preview (nothing changes): read the list, refuse bad input in one sentence, sort the users
//!    into those to ban, those skipped by the hierarchy rules (no case), those already banned
//!    and invalid tokens, and store the batch server-side for 15 minutes.
//! 2. Confirm (only its moderator, once): open every case PENDING with the batch id in one
//!    transaction and commit; then per 200 users call Discord with `[batch <id> #a-#b] reason`
//!    and settle each case APPLIED or FAILED from Discord's `banned_users` / `failed_users`.
//!    An answer that never came leaves the cases PENDING for reconciliation to settle from the
//!    ban list, as a crash does.
//! 3. One summary in the mod log for the batch (not a post per user).
//!
//! Mass bans send no DMs (hundreds of DMs would hit Discord's limits and help nobody in a raid)
//! and add no strike points: the violation type is recorded on every case.

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::settings::{taxonomy_for, GuildSettingsService};
use crate::domain::evidence::snapshot::parse_message_link;
use crate::domain::mass_ban::{
    batch_audit_reason, batch_label, parse_user_list, BATCH_TTL_MINUTES, BULK_BAN_CHUNK,
    MAX_MASS_BAN_USERS,
};
use crate::domain::violation::UNSPECIFIED;
use crate::domain::{CaseState, Embed, ModAction, OutgoingMessage};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::{codes, permissions, ChannelKind, DiscordError, DiscordPort};
use crate::store::cases::{self, Case, NewCase};
use crate::store::mass_bans::{self, BatchRow, NewBatch, SkippedUser};
use chrono::Utc;
use futures::StreamExt;
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::Arc;

const MAX_REASON_CHARS: usize = super::case_flow::MAX_REASON_CHARS;
const MAX_DELETE_MESSAGE_DAYS: u8 = 7;
/// Member and ban look-ups in flight at once while previewing.
const LOOKUPS_IN_FLIGHT: usize = 8;
const OWNER_RANK: u16 = u16::MAX;

/// What the moderator typed.
#[derive(Debug, Clone, Default)]
pub struct MassBanRequest {
    pub guild_id: u64,
    pub moderator_id: u64,
    pub users: Option<String>,
    /// A message link whose content lists the users.
    pub from_message: Option<String>,
    pub reason: Option<String>,
    pub violation: Option<String>,
    pub delete_message_days: Option<u8>,
}

/// What Confirm would do; nothing has changed yet.
#[derive(Debug, Clone)]
pub struct Preview {
    /// `None` when there is nobody to ban (no buttons then).
    pub batch_id: Option<uuid::Uuid>,
    pub to_ban: Vec<u64>,
    /// Of `to_ban`, who is a member of the server now.
    pub members: Vec<u64>,
    pub skipped: Vec<SkippedUser>,
    pub already_banned: Vec<u64>,
    pub invalid: Vec<String>,
    pub duplicates: usize,
}

/// What Confirm did.
#[derive(Debug, Clone)]
pub struct MassBanReport {
    pub batch_id: uuid::Uuid,
    pub banned: Vec<Case>,
    pub failed: Vec<Case>,
    /// Discord's answer never came: reconciliation settles these from the ban list.
    pub pending: Vec<Case>,
    pub skipped: Vec<SkippedUser>,
}

#[derive(Clone)]
pub struct MassBanService {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
    settings: GuildSettingsService,
}

enum Sorted {
    Ban { member: bool },
    Skip(String),
    AlreadyBanned,
}

impl MassBanService {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>, settings: GuildSettingsService) -> Self {
        MassBanService {
            pool,
            port,
            settings,
        }
    }

    /// Reads the list, sorts the users and stores the batch for Confirm. Changes nothing in
    /// Discord and opens no case.
    pub async fn preview(&self, req: &MassBanRequest) -> GavelResult<Preview> {
        let reason = req
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(reason) = reason {
            let chars = reason.chars().count();
            if chars > MAX_REASON_CHARS {
                return Err(GavelError::invalid(format!(
                    "The reason is {chars} characters long; keep it to {MAX_REASON_CHARS}."
                )));
            }
        }
        let days = req.delete_message_days.unwrap_or(0);
        if days > MAX_DELETE_MESSAGE_DAYS {
            return Err(GavelError::invalid(format!(
                "Discord can delete at most {MAX_DELETE_MESSAGE_DAYS} days of messages, not {days}."
            )));
        }
        let settings = self.settings.get(req.guild_id).await?;
        let violation = match req.violation.as_deref().filter(|v| !v.trim().is_empty()) {
            Some(input) => taxonomy_for(&settings)
                .resolve(input)
                .map_err(GavelError::Invalid)?
                .key
                .clone(),
            None => UNSPECIFIED.to_string(),
        };

        let mut text = req.users.clone().unwrap_or_default();
        if let Some(link) = req.from_message.as_deref().filter(|l| !l.trim().is_empty()) {
            text.push('\n');
            text.push_str(
                &self
                    .message_text(req.guild_id, req.moderator_id, link)
                    .await?,
            );
        }
        if text.trim().is_empty() {
            return Err(GavelError::invalid(
                "Give the users to ban (ids or mentions), or a message link in from_message.",
            ));
        }
        let list = parse_user_list(&text);
        if list.ids.is_empty() {
            return Err(GavelError::invalid(
                "No user ids or mentions found; separate them with spaces, commas or new lines.",
            ));
        }
        if list.ids.len() > MAX_MASS_BAN_USERS {
            return Err(GavelError::invalid(format!(
                "That is {} users; a mass ban takes at most {MAX_MASS_BAN_USERS}.",
                list.ids.len()
            )));
        }

        let guild = self.port.guild(req.guild_id).await?;
        let moderator_top = if req.moderator_id == guild.owner_id {
            OWNER_RANK
        } else {
            let Some(moderator) = self.port.member(req.guild_id, req.moderator_id).await? else {
                return Err(GavelError::invalid("You are not a member of this server."));
            };
            guild.top_position(&moderator)
        };
        let bot_id = self.port.bot_user_id();
        let bot_top = match self.port.member(req.guild_id, bot_id).await? {
            Some(bot) => guild.top_position(&bot),
            None => 0,
        };

        let port = self.port.as_ref();
        let (guild_id, moderator_id) = (req.guild_id, req.moderator_id);
        let guild = &guild;
        let sorted: Vec<(u64, GavelResult<Sorted>)> = futures::stream::iter(list.ids.clone())
            .map(|user_id| async move {
                let sorted = async {
                    if user_id == moderator_id {
                        return Ok(Sorted::Skip("that is you".into()));
                    }
                    if user_id == bot_id {
                        return Ok(Sorted::Skip("that is Gavel".into()));
                    }
                    if user_id == guild.owner_id {
                        return Ok(Sorted::Skip("the server owner".into()));
                    }
                    match port.member(guild_id, user_id).await? {
                        Some(member) => {
                            let top = guild.top_position(&member);
                            if moderator_top != OWNER_RANK && top >= moderator_top {
                                Ok(Sorted::Skip("ranked at or above you".into()))
                            } else if top >= bot_top {
                                Ok(Sorted::Skip("ranked at or above Gavel".into()))
                            } else {
                                Ok(Sorted::Ban { member: true })
                            }
                        }
                        None => match port.ban_of(guild_id, user_id).await {
                            Ok(Some(_)) => Ok(Sorted::AlreadyBanned),
                            Ok(None) => Ok(Sorted::Ban { member: false }),
                            Err(e) if e.is(codes::UNKNOWN_BAN) => Ok(Sorted::Ban { member: false }),
                            Err(e) => Err(GavelError::from(e)),
                        },
                    }
                }
                .await;
                (user_id, sorted)
            })
            .buffered(LOOKUPS_IN_FLIGHT)
            .collect()
            .await;

        let mut preview = Preview {
            batch_id: None,
            to_ban: vec![],
            members: vec![],
            skipped: vec![],
            already_banned: vec![],
            invalid: list.invalid,
            duplicates: list.duplicates,
        };
        for (user_id, sorted) in sorted {
            match sorted? {
                Sorted::Ban { member } => {
                    preview.to_ban.push(user_id);
                    if member {
                        preview.members.push(user_id);
                    }
                }
                Sorted::Skip(why) => preview.skipped.push(SkippedUser { user_id, why }),
                Sorted::AlreadyBanned => preview.already_banned.push(user_id),
            }
        }
        if preview.to_ban.is_empty() {
            return Ok(preview);
        }
        let id = uuid::Uuid::new_v4();
        mass_bans::delete_stale(&self.pool).await?;
        mass_bans::insert(
            &self.pool,
            &NewBatch {
                id,
                guild_id: req.guild_id,
                moderator_id: req.moderator_id,
                moderator_top_position: moderator_top,
                reason,
                violation_type: &violation,
                delete_message_seconds: u32::from(days) * 86_400,
                user_ids: &preview.to_ban,
                skipped: &preview.skipped,
                expires_at: Utc::now() + chrono::Duration::minutes(BATCH_TTL_MINUTES),
            },
        )
        .await?;
        preview.batch_id = Some(id);
        Ok(preview)
    }

    /// The content of the message a link points to, if it is in this server and the moderator
    /// can read its channel (the same checks as evidence capture).
    async fn message_text(
        &self,
        guild_id: u64,
        moderator_id: u64,
        link: &str,
    ) -> GavelResult<String> {
        let Some((link_guild, channel_id, message_id)) = parse_message_link(link) else {
            return Err(GavelError::invalid(
                "from_message takes a Discord message link (Copy Message Link).",
            ));
        };
        if link_guild != guild_id {
            return Err(GavelError::invalid(
                "That message link points to another server; use a message from this one.",
            ));
        }
        let not_visible = |e: DiscordError| {
            if e.is(codes::UNKNOWN_CHANNEL) || e.is(codes::MISSING_ACCESS) {
                GavelError::not_found("That channel does not exist, or Gavel cannot see it.")
            } else {
                GavelError::from(e)
            }
        };
        let channel = self.port.channel(channel_id).await.map_err(not_visible)?;
        if channel.guild_id != Some(guild_id) {
            return Err(GavelError::invalid(
                "That message is in another server's channel; use a message from this server.",
            ));
        }
        let mut needed = permissions::VIEW_CHANNEL | permissions::READ_MESSAGE_HISTORY;
        if channel.kind == ChannelKind::PrivateThread {
            needed |= permissions::MANAGE_THREADS;
        }
        let overwrites = match channel.kind {
            ChannelKind::PublicThread | ChannelKind::PrivateThread => {
                let parent = channel.parent_id.ok_or_else(|| {
                    GavelError::not_found("That thread has no channel Gavel can see.")
                })?;
                self.port
                    .channel(parent)
                    .await
                    .map_err(not_visible)?
                    .permission_overwrites
            }
            _ => channel.permission_overwrites,
        };
        let guild = self.port.guild(guild_id).await?;
        let Some(member) = self.port.member(guild_id, moderator_id).await? else {
            return Err(GavelError::invalid("You are not a member of this server."));
        };
        if guild.permissions_in(&member, &overwrites) & needed != needed {
            return Err(GavelError::invalid(
                "You cannot read message history in that channel, so Gavel will not read it for you.",
            ));
        }
        let message = self
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
        Ok(message.content)
    }

    /// The batch as its moderator may still decide it, or the one sentence why not.
    async fn open_batch(
        &self,
        guild_id: u64,
        presser: u64,
        batch_id: uuid::Uuid,
    ) -> GavelResult<BatchRow> {
        let batch = mass_bans::get(&self.pool, guild_id, batch_id)
            .await?
            .ok_or_else(|| GavelError::not_found("That mass ban no longer exists."))?;
        if batch.moderator_id() != presser {
            return Err(GavelError::invalid(
                "Only the moderator who previewed this mass ban can confirm or cancel it.",
            ));
        }
        match batch.state.as_str() {
            "CONFIRMED" => Err(GavelError::invalid(
                "This mass ban was already carried out.",
            )),
            "CANCELLED" => Err(GavelError::invalid("This mass ban was cancelled.")),
            _ if batch.expires_at <= Utc::now() => Err(GavelError::invalid(format!(
                "This preview expired after {BATCH_TTL_MINUTES} minutes; run /mod massban again."
            ))),
            _ => Ok(batch),
        }
    }

    /// Cancel: the batch is dropped; nothing else changes.
    pub async fn cancel(
        &self,
        guild_id: u64,
        presser: u64,
        batch_id: uuid::Uuid,
    ) -> GavelResult<()> {
        self.open_batch(guild_id, presser, batch_id).await?;
        let batch = mass_bans::decide(&self.pool, guild_id, presser, batch_id, "CANCELLED")
            .await?
            .ok_or_else(|| GavelError::invalid("This mass ban was already decided."))?;
        ModEventLogger::log(
            &self.pool,
            &event(guild_id, kinds::MASSBAN_CANCELLED, presser)
                .violation(&batch.violation_type)
                .details(batch.reason.as_deref())
                .data(serde_json::json!({
                    "batch_id": batch_id,
                    "users": batch.user_ids().len(),
                })),
        )
        .await?;
        Ok(())
    }

    /// Confirm: bans the batch, one case per user (see the module's documentation).
    pub async fn confirm(
        &self,
        guild_id: u64,
        presser: u64,
        batch_id: uuid::Uuid,
    ) -> GavelResult<MassBanReport> {
        let batch = self.open_batch(guild_id, presser, batch_id).await?;
        // The preview cleared the users against the moderator's rank then; a moderator who
        // ranks lower now previews again.
        let guild = self.port.guild(guild_id).await?;
        if presser != guild.owner_id {
            let Some(moderator) = self.port.member(guild_id, presser).await? else {
                return Err(GavelError::invalid("You are not a member of this server."));
            };
            if i32::from(guild.top_position(&moderator)) < batch.moderator_top_position {
                return Err(GavelError::invalid(
                    "Your roles changed since the preview; run /mod massban again.",
                ));
            }
        }
        // One press wins; a second Confirm (or a Cancel racing it) finds it decided.
        let batch = mass_bans::decide(&self.pool, guild_id, presser, batch_id, "CONFIRMED")
            .await?
            .ok_or_else(|| GavelError::invalid("This mass ban was already decided."))?;
        let users = batch.user_ids();
        let reason = batch.reason.as_deref();
        let violation = batch.violation_type.as_str();
        let source = "massban";

        // Every case PENDING, with the batch id, before any Discord call.
        let mut tx = self.pool.begin().await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::MASSBAN_CONFIRMED, presser)
                .violation(violation)
                .details(reason)
                .data(serde_json::json!({
                    "batch_id": batch_id,
                    "users": users.len(),
                    "skipped": batch.skipped().len(),
                })),
        )
        .await?;
        let mut opened = Vec::with_capacity(users.len());
        for user_id in &users {
            let case = cases::insert(
                &mut tx,
                &NewCase {
                    guild_id,
                    action: ModAction::Ban,
                    state: CaseState::Pending,
                    moderator_id: presser,
                    target_id: *user_id,
                    reason,
                    violation_type: violation,
                    violation_details: None,
                    strike_points: 0,
                    duration_secs: None,
                    expires_at: None,
                    source,
                },
            )
            .await?;
            let case = cases::set_batch(&mut tx, case.id, batch_id).await?;
            ModEventLogger::log(
                &mut *tx,
                &event(guild_id, kinds::CASE_OPENED, presser)
                    .target(*user_id)
                    .case(case.id)
                    .violation(violation)
                    .details(reason)
                    .data(serde_json::json!({
                        "action": ModAction::Ban.as_str(),
                        "case_number": case.case_number,
                        "source": source,
                        "batch_id": batch_id,
                    })),
            )
            .await?;
            opened.push(case);
        }
        tx.commit().await?;

        let mut report = MassBanReport {
            batch_id,
            banned: vec![],
            failed: vec![],
            pending: vec![],
            skipped: batch.skipped().to_vec(),
        };
        let delete_seconds = u32::try_from(batch.delete_message_seconds).unwrap_or(0);
        for chunk in opened.chunks(BULK_BAN_CHUNK) {
            let ids: Vec<u64> = chunk.iter().map(|c| c.target_id).collect();
            let audit = batch_audit_reason(
                &batch_id,
                chunk[0].case_number,
                chunk[chunk.len() - 1].case_number,
                reason,
            );
            let outcome = self
                .port
                .bulk_ban(guild_id, &ids, delete_seconds, &audit)
                .await;
            let (banned, failed, failure): (HashSet<u64>, HashSet<u64>, String) = match outcome {
                Ok(outcome) => (
                    outcome.banned.into_iter().collect(),
                    outcome.failed.into_iter().collect(),
                    "Discord did not ban them: already banned, or ranked above Gavel.".into(),
                ),
                // No answer: whether they were banned is unknown until reconciliation looks.
                Err(e) if e.is_transient() => {
                    tracing::warn!(%e, %batch_id, "bulk ban got no answer; left for reconciliation");
                    report.pending.extend(chunk.iter().cloned());
                    continue;
                }
                Err(e) => (
                    HashSet::new(),
                    ids.iter().copied().collect(),
                    e.moderator_message(),
                ),
            };
            let pick = |set: &HashSet<u64>| -> Vec<&Case> {
                chunk
                    .iter()
                    .filter(|c| set.contains(&c.target_id))
                    .collect()
            };
            let (applied, not_applied) = (pick(&banned), pick(&failed));
            // Users Discord named in neither list stay PENDING for reconciliation.
            report.pending.extend(
                chunk
                    .iter()
                    .filter(|c| !banned.contains(&c.target_id) && !failed.contains(&c.target_id))
                    .cloned(),
            );
            let mut tx = self.pool.begin().await?;
            let ids_of = |cases: &[&Case]| cases.iter().map(|c| c.id).collect::<Vec<_>>();
            let settled_applied =
                cases::settle_many(&mut tx, &ids_of(&applied), CaseState::Applied, None).await?;
            let settled_failed = cases::settle_many(
                &mut tx,
                &ids_of(&not_applied),
                CaseState::Failed,
                Some(&failure),
            )
            .await?;
            for (case, kind) in settled_applied
                .iter()
                .map(|c| (c, kinds::CASE_APPLIED))
                .chain(settled_failed.iter().map(|c| (c, kinds::CASE_FAILED)))
            {
                ModEventLogger::log(
                    &mut *tx,
                    &event(guild_id, kind, presser)
                        .target(case.target_id)
                        .case(case.id)
                        .violation(violation)
                        .details(reason)
                        .data(serde_json::json!({
                            "action": ModAction::Ban.as_str(),
                            "case_number": case.case_number,
                            "batch_id": batch_id,
                        })),
                )
                .await?;
            }
            tx.commit().await?;
            report.banned.extend(settled_applied);
            report.failed.extend(settled_failed);
        }
        report.banned.sort_by_key(|c| c.case_number);
        report.failed.sort_by_key(|c| c.case_number);

        let post = OutgoingMessage::embed(summary_embed(&report, presser, reason));
        self.settings.mod_log().post(guild_id, &post).await;
        Ok(report)
    }
}

/// The batch's one mod-log entry.
fn summary_embed(report: &MassBanReport, moderator: u64, reason: Option<&str>) -> Embed {
    let numbers: Vec<i32> = report
        .banned
        .iter()
        .chain(&report.failed)
        .chain(&report.pending)
        .map(|c| c.case_number)
        .collect();
    let range = match (numbers.iter().min(), numbers.iter().max()) {
        (Some(a), Some(b)) if a != b => format!("#{a}–#{b}"),
        (Some(a), _) => format!("#{a}"),
        _ => "none".into(),
    };
    let mut embed = Embed {
        title: Some(format!(
            "Mass ban · batch {}",
            batch_label(&report.batch_id)
        )),
        description: Some(format!(
            "<@{moderator}> banned {} users ({} failed, {} skipped{}).",
            report.banned.len(),
            report.failed.len(),
            report.skipped.len(),
            if report.pending.is_empty() {
                String::new()
            } else {
                format!(", {} awaiting Discord", report.pending.len())
            }
        )),
        color: Some(super::mod_log::action_colour(ModAction::Ban)),
        ..Default::default()
    };
    embed = embed.field("Cases", range, true);
    embed = embed.field("Reason", reason.unwrap_or("No reason given"), false);
    embed
}
