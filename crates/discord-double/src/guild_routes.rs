//! Users, guilds, members, roles, bans and the audit log, with Discord's permission and role
//! hierarchy rules.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{json, Value};

use super::errors::{ApiError, UNKNOWN_BAN};
use super::events::{self, audit_action, AuditLogEntry};
use super::models;
use super::permissions::{
    ADMINISTRATOR, BAN_MEMBERS, KICK_MEMBERS, MANAGE_GUILD, MANAGE_NICKNAMES, MANAGE_ROLES,
    MODERATE_MEMBERS, VIEW_AUDIT_LOG,
};
use super::rest::{snowflake, snowflake_value, IncomingRequest, Outcome};
use super::state::State;

const MAX_DELETE_MESSAGE_SECONDS: u64 = 604_800;
const MAX_TIMEOUT_DAYS: i64 = 28;
const MAX_BULK_BAN_USERS: usize = 200;

type RouteResult = Result<Outcome, ApiError>;

pub fn current_user(state: &mut State) -> RouteResult {
    state.bot()?;
    Ok(Outcome::Json(models::current_user(state)))
}

pub fn current_application(state: &mut State) -> RouteResult {
    state.bot()?;
    Ok(Outcome::Json(models::application(state)))
}

pub fn get_user(state: &mut State, user: &str) -> RouteResult {
    let record = state.user(snowflake(user)?)?;
    Ok(Outcome::Json(models::user(record)))
}

pub fn get_guild(state: &mut State, request: &IncomingRequest, guild: &str) -> RouteResult {
    let (guild, _) = state.guild_for_bot(snowflake(guild)?)?;
    let mut value = models::partial_guild(guild);
    if request.query_value("with_counts") == Some("true") {
        value["approximate_member_count"] = json!(guild.members.len());
        value["approximate_presence_count"] = json!(0);
    }
    Ok(Outcome::Json(value))
}

pub fn get_roles(state: &mut State, guild: &str) -> RouteResult {
    let (guild, _) = state.guild_for_bot(snowflake(guild)?)?;
    Ok(Outcome::Json(
        guild.roles.values().map(models::role).collect(),
    ))
}

pub fn get_channels(state: &mut State, guild: &str) -> RouteResult {
    let (guild, _) = state.guild_for_bot(snowflake(guild)?)?;
    let channels: Vec<Value> = guild
        .channel_ids
        .iter()
        .filter_map(|id| state.channels.get(id))
        .map(|channel| models::channel(state, channel))
        .collect();
    Ok(Outcome::Json(Value::Array(channels)))
}

pub fn list_members(state: &mut State, request: &IncomingRequest, guild: &str) -> RouteResult {
    let (guild, _) = state.guild_for_bot(snowflake(guild)?)?;
    let limit = request.query_number("limit")?.unwrap_or(1).clamp(1, 1000) as usize;
    let after = request.query_number("after")?.unwrap_or(0);
    let members: Vec<Value> = guild
        .members
        .range(after + 1..)
        .take(limit)
        .map(|(_, member)| models::member(state, member, true, None))
        .collect();
    Ok(Outcome::Json(Value::Array(members)))
}

pub fn get_member(state: &mut State, guild: &str, user: &str) -> RouteResult {
    let (guild, _) = state.guild_for_bot(snowflake(guild)?)?;
    let member = guild
        .members
        .get(&snowflake(user)?)
        .ok_or_else(ApiError::unknown_member)?;
    Ok(Outcome::Json(models::member(state, member, true, None)))
}

/// `PATCH /guilds/{g}/members/{u}`: timeouts, roles and nicknames.
pub fn edit_member(
    state: &mut State,
    request: &IncomingRequest,
    guild: &str,
    user: &str,
) -> RouteResult {
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    let (guild, bot) = state.guild_for_bot(guild_id)?;
    let member = guild
        .members
        .get(&user_id)
        .ok_or_else(ApiError::unknown_member)?
        .clone();
    let body = request.json();
    let bot_permissions = guild.permissions_of(bot);
    let mut audit_changes = Vec::new();
    let mut updated = member.clone();

    if let Some(until) = body.get("communication_disabled_until") {
        if bot_permissions & MODERATE_MEMBERS == 0 || !guild.outranks(bot, user_id) {
            return Err(ApiError::missing_permissions());
        }
        let until = match until {
            Value::Null => None,
            Value::String(text) => Some(validate_timeout(text)?),
            _ => {
                return Err(ApiError::invalid_form(
                    "communication_disabled_until",
                    "DATE_TIME_TYPE_PARSE",
                    "Could not parse timestamp. Should be ISO8601.",
                ))
            }
        };
        if until.is_some() && guild.permissions_of(user_id) & ADMINISTRATOR != 0 {
            return Err(ApiError::missing_permissions());
        }
        if member.communication_disabled_until != until {
            audit_changes.push(json!({
                "key": "communication_disabled_until",
                "old_value": member.communication_disabled_until,
                "new_value": until,
            }));
        }
        updated.communication_disabled_until = until;
    }

    if let Some(nick) = body.get("nick") {
        let changing_own = user_id == bot;
        if !changing_own
            && (bot_permissions & MANAGE_NICKNAMES == 0 || !guild.outranks(bot, user_id))
        {
            return Err(ApiError::missing_permissions());
        }
        let nick = nick
            .as_str()
            .filter(|nick| !nick.is_empty())
            .map(str::to_string);
        if nick.as_ref().is_some_and(|nick| nick.chars().count() > 32) {
            return Err(ApiError::invalid_form(
                "nick",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 32 or fewer in length.",
            ));
        }
        if member.nick != nick {
            audit_changes
                .push(json!({ "key": "nick", "old_value": member.nick, "new_value": nick }));
        }
        updated.nick = nick;
    }

    let mut role_changes = Vec::new();
    if let Some(roles) = body.get("roles") {
        if bot_permissions & MANAGE_ROLES == 0 {
            return Err(ApiError::missing_permissions());
        }
        let mut wanted = Vec::new();
        for (index, role) in roles.as_array().into_iter().flatten().enumerate() {
            let role_id = snowflake_value(role)
                .filter(|id| guild.roles.contains_key(id) && *id != guild_id)
                .ok_or_else(|| {
                    ApiError::invalid_form(
                        &format!("roles.{index}"),
                        "UNKNOWN_ROLE",
                        "Unknown Role",
                    )
                })?;
            if !wanted.contains(&role_id) {
                wanted.push(role_id);
            }
        }
        let added: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|id| !member.roles.contains(id))
            .collect();
        let removed: Vec<u64> = member
            .roles
            .iter()
            .copied()
            .filter(|id| !wanted.contains(id))
            .collect();
        for role_id in added.iter().chain(&removed) {
            if !guild.can_manage_role(bot, &guild.roles[role_id]) {
                return Err(ApiError::missing_permissions());
            }
        }
        let describe = |ids: &[u64]| -> Value {
            ids.iter()
                .map(|id| json!({ "id": id.to_string(), "name": guild.roles[id].name }))
                .collect()
        };
        if !added.is_empty() {
            role_changes.push(json!({ "key": "$add", "new_value": describe(&added) }));
        }
        if !removed.is_empty() {
            role_changes.push(json!({ "key": "$remove", "new_value": describe(&removed) }));
        }
        updated.roles = wanted;
    }

    let reason = request.audit_reason.as_deref();
    let guild = state.guild_mut(guild_id)?;
    guild.members.insert(user_id, updated.clone());
    if !audit_changes.is_empty() || !role_changes.is_empty() {
        events::member_updated(state, guild_id, user_id);
        if !audit_changes.is_empty() {
            let entry = AuditLogEntry::new(audit_action::MEMBER_UPDATE, bot, user_id)
                .changes(Value::Array(audit_changes))
                .maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        }
        if !role_changes.is_empty() {
            let entry = AuditLogEntry::new(audit_action::MEMBER_ROLE_UPDATE, bot, user_id)
                .changes(Value::Array(role_changes))
                .maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        }
    }
    Ok(Outcome::Json(models::member(state, &updated, true, None)))
}

/// Parses a timeout end and enforces Discord's 28-day ceiling; returns Discord's formatting.
fn validate_timeout(raw: &str) -> Result<String, ApiError> {
    let until: DateTime<Utc> = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| {
            ApiError::invalid_form(
                "communication_disabled_until",
                "DATE_TIME_TYPE_PARSE",
                "Could not parse timestamp. Should be ISO8601.",
            )
        })?
        .with_timezone(&Utc);
    if until > Utc::now() + ChronoDuration::days(MAX_TIMEOUT_DAYS) {
        return Err(ApiError::invalid_form(
            "communication_disabled_until",
            "BASE_TYPE_BAD_TIME",
            "Timeouts cannot be longer than 28 days.",
        ));
    }
    Ok(until.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
}

pub fn kick(state: &mut State, request: &IncomingRequest, guild: &str, user: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    let (guild, bot) = state.guild_for_bot(guild_id)?;
    if !guild.members.contains_key(&user_id) {
        return Err(ApiError::unknown_member());
    }
    if guild.permissions_of(bot) & KICK_MEMBERS == 0 || !guild.outranks(bot, user_id) {
        return Err(ApiError::missing_permissions());
    }
    state.guild_mut(guild_id)?.members.remove(&user_id);
    events::member_removed(state, guild_id, user_id);
    let entry = AuditLogEntry::kick(bot, user_id).maybe_reason(request.audit_reason.as_deref());
    events::audit_log_entry(state, guild_id, &entry);
    Ok(Outcome::NoContent)
}

fn change_member_role(
    state: &mut State,
    request: &IncomingRequest,
    ids: [&str; 3],
    adding: bool,
) -> RouteResult {
    let [guild, user, role] = ids;
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    let role_id = snowflake(role)?;
    let (guild, bot) = state.guild_for_bot(guild_id)?;
    let member = guild
        .members
        .get(&user_id)
        .ok_or_else(ApiError::unknown_member)?;
    let role = guild
        .roles
        .get(&role_id)
        .filter(|role| role.id != guild_id)
        .ok_or_else(ApiError::unknown_role)?;
    if guild.permissions_of(bot) & MANAGE_ROLES == 0 || !guild.can_manage_role(bot, role) {
        return Err(ApiError::missing_permissions());
    }
    let has_role = member.roles.contains(&role_id);
    if has_role == adding {
        return Ok(Outcome::NoContent);
    }
    let change = json!([{
        "key": if adding { "$add" } else { "$remove" },
        "new_value": [{ "id": role_id.to_string(), "name": role.name }],
    }]);
    let member = state
        .guild_mut(guild_id)?
        .members
        .get_mut(&user_id)
        .ok_or_else(ApiError::unknown_member)?;
    if adding {
        member.roles.push(role_id);
    } else {
        member.roles.retain(|id| *id != role_id);
    }
    events::member_updated(state, guild_id, user_id);
    let entry = AuditLogEntry::new(audit_action::MEMBER_ROLE_UPDATE, bot, user_id)
        .changes(change)
        .maybe_reason(request.audit_reason.as_deref());
    events::audit_log_entry(state, guild_id, &entry);
    Ok(Outcome::NoContent)
}

pub fn add_member_role(
    state: &mut State,
    request: &IncomingRequest,
    guild: &str,
    user: &str,
    role: &str,
) -> RouteResult {
    change_member_role(state, request, [guild, user, role], true)
}

pub fn remove_member_role(
    state: &mut State,
    request: &IncomingRequest,
    guild: &str,
    user: &str,
    role: &str,
) -> RouteResult {
    change_member_role(state, request, [guild, user, role], false)
}

pub fn list_bans(state: &mut State, request: &IncomingRequest, guild: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    state.require_bot_permissions(guild_id, BAN_MEMBERS)?;
    let guild = state.guild(guild_id)?;
    let limit = request
        .query_number("limit")?
        .unwrap_or(1000)
        .clamp(1, 1000) as usize;
    let after = request.query_number("after")?.unwrap_or(0);
    let before = request.query_number("before")?.unwrap_or(u64::MAX);
    let bans: Vec<Value> = guild
        .bans
        .range(after.saturating_add(1)..before)
        .take(limit)
        .map(|(user_id, reason)| models::ban(state, *user_id, reason.as_deref()))
        .collect();
    Ok(Outcome::Json(Value::Array(bans)))
}

pub fn get_ban(state: &mut State, guild: &str, user: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    state.require_bot_permissions(guild_id, BAN_MEMBERS)?;
    let reason = state
        .guild(guild_id)?
        .bans
        .get(&user_id)
        .ok_or_else(|| ApiError::not_found(UNKNOWN_BAN, "Unknown Ban"))?;
    Ok(Outcome::Json(models::ban(
        state,
        user_id,
        reason.as_deref(),
    )))
}

/// Checks whether the bot may ban `user_id` right now (the rules shared by ban and bulk ban).
fn check_bannable(state: &State, guild_id: u64, user_id: u64) -> Result<(), ApiError> {
    let (guild, bot) = state.guild_for_bot(guild_id)?;
    state.user(user_id)?;
    if guild.permissions_of(bot) & BAN_MEMBERS == 0 {
        return Err(ApiError::missing_permissions());
    }
    if guild.members.contains_key(&user_id) && !guild.outranks(bot, user_id) {
        return Err(ApiError::missing_permissions());
    }
    Ok(())
}

/// Records the ban, removes the member and emits what Discord would.
fn apply_ban(state: &mut State, guild_id: u64, user_id: u64, reason: Option<&str>) {
    let bot = state.bot_identity().user_id;
    let Some(guild) = state.guilds.get_mut(&guild_id) else {
        return;
    };
    let was_member = guild.members.remove(&user_id).is_some();
    guild.bans.insert(user_id, reason.map(str::to_string));
    if was_member {
        events::member_removed(state, guild_id, user_id);
    }
    events::ban_added(state, guild_id, user_id);
    events::audit_log_entry(
        state,
        guild_id,
        &AuditLogEntry::ban(bot, user_id).maybe_reason(reason),
    );
}

fn delete_message_seconds(value: Option<u64>) -> Result<u64, ApiError> {
    let seconds = value.unwrap_or(0);
    if seconds > MAX_DELETE_MESSAGE_SECONDS {
        return Err(ApiError::invalid_form(
            "delete_message_seconds",
            "NUMBER_TYPE_MAX",
            format!("int value should be less than or equal to {MAX_DELETE_MESSAGE_SECONDS}."),
        ));
    }
    Ok(seconds)
}

pub fn ban(state: &mut State, request: &IncomingRequest, guild: &str, user: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    check_bannable(state, guild_id, user_id)?;
    let from_body = request
        .body
        .as_ref()
        .and_then(|body| body["delete_message_seconds"].as_u64());
    delete_message_seconds(
        request
            .query_number("delete_message_seconds")?
            .or(from_body),
    )?;
    if !state.guild(guild_id)?.bans.contains_key(&user_id) {
        apply_ban(state, guild_id, user_id, request.audit_reason.as_deref());
    }
    Ok(Outcome::NoContent)
}

pub fn bulk_ban(state: &mut State, request: &IncomingRequest, guild: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    state.require_bot_permissions(guild_id, BAN_MEMBERS | MANAGE_GUILD)?;
    let body = request.json();
    let user_ids: Vec<u64> = body["user_ids"]
        .as_array()
        .ok_or_else(|| {
            ApiError::invalid_form("user_ids", "BASE_TYPE_REQUIRED", "This field is required")
        })?
        .iter()
        .enumerate()
        .map(|(index, id)| {
            snowflake_value(id).ok_or_else(|| {
                ApiError::invalid_form(
                    &format!("user_ids.{index}"),
                    "NUMBER_TYPE_COERCE",
                    "Value is not snowflake.",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    if user_ids.is_empty() || user_ids.len() > MAX_BULK_BAN_USERS {
        return Err(ApiError::invalid_form(
            "user_ids",
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between 1 and {MAX_BULK_BAN_USERS} in length."),
        ));
    }
    delete_message_seconds(body["delete_message_seconds"].as_u64())?;
    let bot = state.bot_identity().user_id;
    let mut banned = Vec::new();
    let mut failed = Vec::new();
    // Discord leaves the bot itself out of both lists.
    for user_id in user_ids.into_iter().filter(|id| *id != bot) {
        let already_banned = state.guild(guild_id)?.bans.contains_key(&user_id);
        if already_banned || check_bannable(state, guild_id, user_id).is_err() {
            failed.push(user_id.to_string());
        } else {
            apply_ban(state, guild_id, user_id, request.audit_reason.as_deref());
            banned.push(user_id.to_string());
        }
    }
    if banned.is_empty() {
        // Discord answers 400 with code 500000 when it banned nobody.
        return Err(ApiError::new(400, 500_000, "Failed to ban users"));
    }
    Ok(Outcome::Json(
        json!({ "banned_users": banned, "failed_users": failed }),
    ))
}

pub fn unban(state: &mut State, request: &IncomingRequest, guild: &str, user: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    let user_id = snowflake(user)?;
    state.require_bot_permissions(guild_id, BAN_MEMBERS)?;
    let bot = state.bot_identity().user_id;
    if state.guild_mut(guild_id)?.bans.remove(&user_id).is_none() {
        return Err(ApiError::not_found(UNKNOWN_BAN, "Unknown Ban"));
    }
    events::ban_removed(state, guild_id, user_id);
    let entry = AuditLogEntry::unban(bot, user_id).maybe_reason(request.audit_reason.as_deref());
    events::audit_log_entry(state, guild_id, &entry);
    Ok(Outcome::NoContent)
}

pub fn audit_logs(state: &mut State, request: &IncomingRequest, guild: &str) -> RouteResult {
    let guild_id = snowflake(guild)?;
    state.require_bot_permissions(guild_id, VIEW_AUDIT_LOG)?;
    let limit = request.query_number("limit")?.unwrap_or(50).clamp(1, 100) as usize;
    let actor = request.query_number("user_id")?;
    let action_type = request.query_number("action_type")?;
    let before = request.query_number("before")?.unwrap_or(u64::MAX);
    let after = request.query_number("after")?.unwrap_or(0);
    let entry_id = |entry: &Value| snowflake_value(&entry["id"]).unwrap_or(0);
    let mut entries: Vec<Value> = state
        .guild(guild_id)?
        .audit_log
        .iter()
        .filter(|entry| actor.is_none_or(|actor| snowflake_value(&entry["user_id"]) == Some(actor)))
        .filter(|entry| action_type.is_none_or(|kind| entry["action_type"].as_u64() == Some(kind)))
        .filter(|entry| (after + 1..before).contains(&entry_id(entry)))
        .cloned()
        .collect();
    entries.sort_by_key(|entry| std::cmp::Reverse(entry_id(entry)));
    entries.truncate(limit);
    let mut user_ids: Vec<u64> = entries
        .iter()
        .flat_map(|entry| {
            [
                snowflake_value(&entry["user_id"]),
                snowflake_value(&entry["target_id"]),
            ]
        })
        .flatten()
        .filter(|id| state.users.contains_key(id))
        .collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    for entry in &mut entries {
        if let Some(object) = entry.as_object_mut() {
            object.remove("guild_id");
        }
    }
    Ok(Outcome::Json(json!({
        "audit_log_entries": entries,
        "users": user_ids.iter().map(|id| models::user_by_id(state, *id)).collect::<Vec<_>>(),
        "application_commands": [],
        "auto_moderation_rules": [],
        "guild_scheduled_events": [],
        "integrations": [],
        "threads": [],
        "webhooks": [],
    })))
}
