//! The gateway events Discord sends when something happens in a guild, whoever caused it: the
//! bot through REST, or a moderator in Discord's own UI (the test-side helpers).

use serde_json::{json, Value};

use super::gateway::dispatch;
use super::models::{self, AuditLogEntryDraft};
use super::state::State;

/// Audit log action types the double produces.
pub mod audit_action {
    pub const MEMBER_KICK: u8 = 20;
    pub const MEMBER_BAN_ADD: u8 = 22;
    pub const MEMBER_BAN_REMOVE: u8 = 23;
    pub const MEMBER_UPDATE: u8 = 24;
    pub const MEMBER_ROLE_UPDATE: u8 = 25;
    pub const MESSAGE_DELETE: u8 = 72;
}

/// An audit log entry to record (and announce with GUILD_AUDIT_LOG_ENTRY_CREATE).
#[derive(Debug, Clone)]
pub struct AuditLogEntry {
    pub action_type: u8,
    /// Who did it (`user_id` in Discord's entry).
    pub actor: u64,
    pub target: Option<u64>,
    pub reason: Option<String>,
    pub changes: Option<Value>,
    pub options: Option<Value>,
}

impl AuditLogEntry {
    pub fn new(action_type: u8, actor: u64, target: u64) -> Self {
        Self {
            action_type,
            actor,
            target: Some(target),
            reason: None,
            changes: None,
            options: None,
        }
    }

    pub fn kick(actor: u64, target: u64) -> Self {
        Self::new(audit_action::MEMBER_KICK, actor, target)
    }

    pub fn ban(actor: u64, target: u64) -> Self {
        Self::new(audit_action::MEMBER_BAN_ADD, actor, target)
    }

    pub fn unban(actor: u64, target: u64) -> Self {
        Self::new(audit_action::MEMBER_BAN_REMOVE, actor, target)
    }

    /// MEMBER_UPDATE with the `communication_disabled_until` change a timeout produces.
    pub fn timeout(actor: u64, target: u64, old: Option<&str>, new: Option<&str>) -> Self {
        Self::new(audit_action::MEMBER_UPDATE, actor, target).changes(json!([{
            "key": "communication_disabled_until",
            "old_value": old,
            "new_value": new,
        }]))
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn maybe_reason(mut self, reason: Option<&str>) -> Self {
        self.reason = reason.map(str::to_string);
        self
    }

    pub fn changes(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }

    pub fn options(mut self, options: Value) -> Self {
        self.options = Some(options);
        self
    }
}

/// Appends the entry to the guild's audit log and dispatches it; returns the entry id.
pub fn audit_log_entry(state: &mut State, guild_id: u64, entry: &AuditLogEntry) -> u64 {
    let id = state.next_id();
    let value = models::audit_log_entry(&AuditLogEntryDraft {
        id,
        guild_id,
        action_type: entry.action_type,
        actor: entry.actor,
        target: entry.target,
        reason: entry.reason.as_deref(),
        changes: entry.changes.clone(),
        options: entry.options.clone(),
    });
    if let Some(guild) = state.guilds.get_mut(&guild_id) {
        guild.audit_log.push(value.clone());
    }
    dispatch(state, "GUILD_AUDIT_LOG_ENTRY_CREATE", value);
    id
}

pub fn member_added(state: &mut State, guild_id: u64, user_id: u64) {
    let Some(member) = state
        .guilds
        .get(&guild_id)
        .and_then(|guild| guild.members.get(&user_id))
    else {
        return;
    };
    let mut data = models::member(state, member, true, None);
    data["guild_id"] = json!(guild_id.to_string());
    dispatch(state, "GUILD_MEMBER_ADD", data);
}

pub fn member_updated(state: &mut State, guild_id: u64, user_id: u64) {
    let Some(member) = state
        .guilds
        .get(&guild_id)
        .and_then(|guild| guild.members.get(&user_id))
    else {
        return;
    };
    let mut data = models::member(state, member, true, None);
    data["guild_id"] = json!(guild_id.to_string());
    dispatch(state, "GUILD_MEMBER_UPDATE", data);
}

pub fn member_removed(state: &mut State, guild_id: u64, user_id: u64) {
    let data = json!({
        "guild_id": guild_id.to_string(),
        "user": models::user_by_id(state, user_id),
    });
    dispatch(state, "GUILD_MEMBER_REMOVE", data);
}

pub fn ban_added(state: &mut State, guild_id: u64, user_id: u64) {
    let data = json!({
        "guild_id": guild_id.to_string(),
        "user": models::user_by_id(state, user_id),
    });
    dispatch(state, "GUILD_BAN_ADD", data);
}

pub fn ban_removed(state: &mut State, guild_id: u64, user_id: u64) {
    let data = json!({
        "guild_id": guild_id.to_string(),
        "user": models::user_by_id(state, user_id),
    });
    dispatch(state, "GUILD_BAN_REMOVE", data);
}

/// CHANNEL_DELETE with the channel as it was.
pub fn channel_deleted(state: &mut State, channel: Value) {
    dispatch(state, "CHANNEL_DELETE", channel);
}

/// GUILD_DELETE: with `unavailable`, an outage (the guild comes back); without, the bot was
/// removed from the guild (kicked, or the guild deleted).
pub fn guild_deleted(state: &mut State, guild_id: u64, unavailable: bool) {
    let mut data = json!({ "id": guild_id.to_string() });
    if unavailable {
        data["unavailable"] = json!(true);
    }
    dispatch(state, "GUILD_DELETE", data);
}

/// GUILD_CREATE for a seeded guild, as when the bot is added to it (again).
pub fn guild_created(state: &mut State, guild_id: u64) {
    let Some(guild) = state.guilds.get(&guild_id) else {
        return;
    };
    let data = models::guild_create(state, guild);
    dispatch(state, "GUILD_CREATE", data);
}

/// MESSAGE_CREATE for a stored message; guild messages carry `guild_id` and the author's
/// `member` as on the real gateway.
pub fn message_created(state: &mut State, message_id: u64) {
    let Some(stored) = state.messages.get(&message_id) else {
        return;
    };
    if stored.ephemeral {
        return;
    }
    let mut data = stored.json.clone();
    let guild_id = state
        .channels
        .get(&stored.channel_id)
        .and_then(|channel| channel.guild_id());
    if let Some(guild_id) = guild_id {
        data["guild_id"] = json!(guild_id.to_string());
        let author = data["author"]["id"]
            .as_str()
            .and_then(|id| id.parse::<u64>().ok());
        let member = author.and_then(|author| {
            state
                .guilds
                .get(&guild_id)
                .and_then(|guild| guild.members.get(&author))
        });
        if let Some(member) = member {
            data["member"] = models::member(state, member, false, None);
        }
    }
    dispatch(state, "MESSAGE_CREATE", data);
}

pub fn message_deleted(state: &mut State, channel_id: u64, message_id: u64) {
    let mut data = json!({ "id": message_id.to_string(), "channel_id": channel_id.to_string() });
    if let Some(guild_id) = state.channels.get(&channel_id).and_then(|c| c.guild_id()) {
        data["guild_id"] = json!(guild_id.to_string());
    }
    dispatch(state, "MESSAGE_DELETE", data);
}
