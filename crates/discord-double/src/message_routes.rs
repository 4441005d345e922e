//! Channels, DMs and messages; also the message building and editing that interaction
//! responses and webhooks share.

use serde_json::{json, Value};

use super::errors::{
    ApiError, BULK_DELETE_TOO_OLD, CANNOT_EDIT_OTHERS_MESSAGE, CANNOT_SEND_TO_USER, EMPTY_MESSAGE,
};
use super::events::{self, audit_action, AuditLogEntry};
use super::gateway::dispatch;
use super::models::{self, MessageDraft};
use super::permissions::{
    ATTACH_FILES, MANAGE_MESSAGES, READ_MESSAGE_HISTORY, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
};
use super::rest::{snowflake, snowflake_value, IncomingRequest, Outcome, UploadedFile};
use super::state::{
    now_timestamp, ChannelKind, ChannelRecord, State, StoredMessage, DISCORD_EPOCH_MS,
};
use super::validation;

type RouteResult = Result<Outcome, ApiError>;

/// Message flags a bot may set itself.
const SETTABLE_FLAGS: u64 = 4 | 4096;
pub const EPHEMERAL: u64 = 64;
pub const LOADING: u64 = 128;

/// A message about to be stored.
pub struct NewMessage<'a> {
    pub channel_id: u64,
    pub author: Value,
    pub payload: &'a Value,
    pub files: &'a [UploadedFile],
    /// Discord message type: 0 default, 19 reply, 20 chat input command response.
    pub kind: u8,
    pub ephemeral: bool,
    /// Flags the platform adds (LOADING for a deferred response).
    pub extra_flags: u64,
    pub interaction_metadata: Option<Value>,
    /// Messages sent through an interaction webhook carry its ids.
    pub via_application: Option<u64>,
    pub message_reference: Option<Value>,
    pub referenced_message: Option<Value>,
}

/// Stores a message built from a bot payload and returns its id. The payload must already be
/// validated.
pub fn store_new_message(state: &mut State, new: NewMessage<'_>) -> u64 {
    let id = state.next_id();
    let attachments = uploaded_attachments(state, new.channel_id, new.files);
    let mut flags = new.payload["flags"].as_u64().unwrap_or(0) & SETTABLE_FLAGS | new.extra_flags;
    if new.ephemeral {
        flags |= EPHEMERAL;
    }
    let json = models::message(&MessageDraft {
        id,
        channel_id: new.channel_id,
        author: new.author,
        content: new.payload["content"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        embeds: list(&new.payload["embeds"]),
        components: list(&new.payload["components"]),
        attachments,
        flags,
        kind: new.kind,
        webhook_id: new.via_application,
        application_id: new.via_application,
        interaction_metadata: new.interaction_metadata,
        message_reference: new.message_reference,
        referenced_message: new.referenced_message,
        timestamp: now_timestamp(),
    });
    state.messages.insert(
        id,
        StoredMessage {
            id,
            channel_id: new.channel_id,
            ephemeral: new.ephemeral,
            json,
        },
    );
    id
}

fn list(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn uploaded_attachments(state: &mut State, channel_id: u64, files: &[UploadedFile]) -> Vec<Value> {
    files
        .iter()
        .map(|file| {
            let id = state.next_id();
            models::attachment(id, channel_id, &file.filename, file.size)
        })
        .collect()
}

/// Applies an edit payload (only the fields it has) and returns the updated message.
pub fn apply_edit(
    state: &mut State,
    message_id: u64,
    payload: &Value,
    files: &[UploadedFile],
) -> Result<Value, ApiError> {
    validation::message_payload(payload, files.len(), true)?;
    let channel_id = state
        .messages
        .get(&message_id)
        .ok_or_else(ApiError::unknown_message)?
        .channel_id;
    let uploaded = uploaded_attachments(state, channel_id, files);
    let stored = state
        .messages
        .get_mut(&message_id)
        .ok_or_else(ApiError::unknown_message)?;
    let mut message = stored.json.clone();
    if let Some(content) = payload.get("content") {
        message["content"] = json!(content.as_str().unwrap_or_default());
    }
    for field in ["embeds", "components"] {
        if let Some(value) = payload.get(field) {
            message[field] = json!(list(value));
        }
    }
    if let Some(kept) = payload.get("attachments").and_then(Value::as_array) {
        let kept_ids: Vec<String> = kept
            .iter()
            .filter_map(|attachment| snowflake_value(&attachment["id"]))
            .map(|id| id.to_string())
            .collect();
        let existing = list(&message["attachments"]);
        message["attachments"] = existing
            .into_iter()
            .filter(|attachment| {
                attachment["id"]
                    .as_str()
                    .is_some_and(|id| kept_ids.iter().any(|kept| kept == id))
            })
            .collect();
    }
    if let Some(attachments) = message["attachments"].as_array_mut() {
        attachments.extend(uploaded);
    }
    if let Some(flags) = payload["flags"].as_u64() {
        let platform_flags = message["flags"].as_u64().unwrap_or(0) & !SETTABLE_FLAGS;
        message["flags"] = json!(platform_flags | flags & SETTABLE_FLAGS);
    }
    let now_empty = message["content"].as_str().unwrap_or_default().is_empty()
        && ["embeds", "components", "attachments"]
            .iter()
            .all(|field| message[*field].as_array().is_none_or(Vec::is_empty));
    if now_empty {
        return Err(ApiError::new(
            400,
            EMPTY_MESSAGE,
            "Cannot send an empty message",
        ));
    }
    message["edited_timestamp"] = json!(now_timestamp());
    stored.json = message.clone();
    Ok(message)
}

pub fn open_dm(state: &mut State, request: &IncomingRequest) -> RouteResult {
    let recipient = snowflake_value(&request.json()["recipient_id"]).ok_or_else(|| {
        ApiError::invalid_form(
            "recipient_id",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        )
    })?;
    state.user(recipient)?;
    let channel_id = match state.dm_channel_of_user.get(&recipient) {
        Some(id) => *id,
        None => {
            let id = state.next_id();
            state.channels.insert(
                id,
                ChannelRecord {
                    id,
                    kind: ChannelKind::Direct { recipient },
                },
            );
            state.dm_channel_of_user.insert(recipient, id);
            id
        }
    };
    Ok(Outcome::Json(models::channel(
        state,
        &state.channels[&channel_id],
    )))
}

/// The channel, after checking the bot may see it (guild channels need VIEW_CHANNEL there,
/// after overwrites, plus `extra` permissions).
fn readable_channel(state: &State, channel: &str, extra: u64) -> Result<ChannelRecord, ApiError> {
    let channel = state.channel(snowflake(channel)?)?.clone();
    state.require_bot_channel_permissions(&channel, VIEW_CHANNEL | extra)?;
    Ok(channel)
}

pub fn get_channel(state: &mut State, channel: &str) -> RouteResult {
    let channel = readable_channel(state, channel, 0)?;
    Ok(Outcome::Json(models::channel(state, &channel)))
}

pub fn create_message(state: &mut State, request: &IncomingRequest, channel: &str) -> RouteResult {
    state.bot()?;
    let channel = readable_channel(state, channel, 0)?;
    match channel.kind {
        ChannelKind::GuildText { .. } | ChannelKind::Thread { .. } => {
            let mut required = if matches!(channel.kind, ChannelKind::Thread { .. }) {
                SEND_MESSAGES_IN_THREADS
            } else {
                SEND_MESSAGES
            };
            if !request.files.is_empty() {
                required |= ATTACH_FILES;
            }
            state.require_bot_channel_permissions(&channel, required)?;
        }
        ChannelKind::Direct { recipient } => {
            let user = state.user(recipient)?;
            if !user.dms_open || user.bot {
                return Err(ApiError::new(
                    403,
                    CANNOT_SEND_TO_USER,
                    "Cannot send messages to this user",
                ));
            }
        }
    }
    let payload = request.json();
    validation::message_payload(&payload, request.files.len(), false)?;
    let (message_reference, referenced_message) = reply_reference(state, &channel, &payload)?;
    let author = models::current_user(state);
    let id = store_new_message(
        state,
        NewMessage {
            channel_id: channel.id,
            author,
            payload: &payload,
            files: &request.files,
            kind: if referenced_message.is_some() { 19 } else { 0 },
            ephemeral: false,
            extra_flags: 0,
            interaction_metadata: None,
            via_application: None,
            message_reference,
            referenced_message,
        },
    );
    events::message_created(state, id);
    Ok(Outcome::Json(state.messages[&id].json.clone()))
}

/// The `message_reference` of a reply and the message it points at.
fn reply_reference(
    state: &State,
    channel: &ChannelRecord,
    payload: &Value,
) -> Result<(Option<Value>, Option<Value>), ApiError> {
    let reference = &payload["message_reference"];
    let Some(message_id) = snowflake_value(&reference["message_id"]) else {
        return Ok((None, None));
    };
    let target = state
        .messages
        .get(&message_id)
        .filter(|message| message.channel_id == channel.id && !message.ephemeral);
    match target {
        Some(target) => {
            let mut value = json!({
                "type": 0,
                "message_id": message_id.to_string(),
                "channel_id": channel.id.to_string(),
            });
            if let Some(guild_id) = channel.guild_id() {
                value["guild_id"] = json!(guild_id.to_string());
            }
            Ok((Some(value), Some(target.json.clone())))
        }
        None if reference["fail_if_not_exists"] == json!(false) => Ok((None, None)),
        None => Err(ApiError::invalid_form(
            "message_reference",
            "REPLIES_UNKNOWN_MESSAGE",
            "Unknown message",
        )),
    }
}

pub fn get_message(state: &mut State, channel: &str, message: &str) -> RouteResult {
    let channel = readable_channel(state, channel, READ_MESSAGE_HISTORY)?;
    let message_id = snowflake(message)?;
    state
        .messages
        .get(&message_id)
        .filter(|message| message.channel_id == channel.id && !message.ephemeral)
        .map(|message| Outcome::Json(message.json.clone()))
        .ok_or_else(ApiError::unknown_message)
}

pub fn list_messages(state: &mut State, request: &IncomingRequest, channel: &str) -> RouteResult {
    let channel = readable_channel(state, channel, READ_MESSAGE_HISTORY)?;
    let limit = request.query_number("limit")?.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_form(
            "limit",
            "NUMBER_TYPE_MAX",
            "int value should be between 1 and 100.",
        ));
    }
    let limit = limit as usize;
    let ids: Vec<u64> = state
        .messages
        .values()
        .filter(|message| message.channel_id == channel.id && !message.ephemeral)
        .map(|message| message.id)
        .collect();
    let mut selected: Vec<u64> = if let Some(before) = request.query_number("before")? {
        ids.iter()
            .rev()
            .filter(|id| **id < before)
            .take(limit)
            .copied()
            .collect()
    } else if let Some(after) = request.query_number("after")? {
        ids.iter()
            .filter(|id| **id > after)
            .take(limit)
            .copied()
            .collect()
    } else if let Some(around) = request.query_number("around")? {
        let older = ids.iter().rev().filter(|id| **id < around).take(limit / 2);
        let newer = ids
            .iter()
            .filter(|id| **id >= around)
            .take(limit - limit / 2);
        older.chain(newer).copied().collect()
    } else {
        ids.iter().rev().take(limit).copied().collect()
    };
    selected.sort_unstable_by(|a, b| b.cmp(a));
    let messages: Vec<Value> = selected
        .iter()
        .map(|id| state.messages[id].json.clone())
        .collect();
    Ok(Outcome::Json(Value::Array(messages)))
}

pub fn edit_message(
    state: &mut State,
    request: &IncomingRequest,
    channel: &str,
    message: &str,
) -> RouteResult {
    let bot = state.bot()?;
    let channel = readable_channel(state, channel, 0)?;
    let message_id = snowflake(message)?;
    let stored = state
        .messages
        .get(&message_id)
        .filter(|message| message.channel_id == channel.id && !message.ephemeral)
        .ok_or_else(ApiError::unknown_message)?;
    if stored.json["author"]["id"].as_str() != Some(bot.user_id.to_string().as_str()) {
        return Err(ApiError::new(
            403,
            CANNOT_EDIT_OTHERS_MESSAGE,
            "Cannot edit a message authored by another user",
        ));
    }
    let edited = apply_edit(state, message_id, &request.json(), &request.files)?;
    Ok(Outcome::Json(edited))
}

pub fn delete_message(
    state: &mut State,
    request: &IncomingRequest,
    channel: &str,
    message: &str,
) -> RouteResult {
    let bot = state.bot()?.user_id;
    let channel = readable_channel(state, channel, 0)?;
    let message_id = snowflake(message)?;
    let author = state
        .messages
        .get(&message_id)
        .filter(|message| message.channel_id == channel.id && !message.ephemeral)
        .ok_or_else(ApiError::unknown_message)?
        .json["author"]["id"]
        .as_str()
        .and_then(|id| id.parse::<u64>().ok())
        .unwrap_or(0);
    let guild_id = channel.guild_id();
    if author != bot {
        match guild_id {
            Some(_) => state.require_bot_channel_permissions(&channel, MANAGE_MESSAGES)?,
            None => {
                return Err(ApiError::new(
                    403,
                    50003,
                    "Cannot execute action on a DM channel",
                ))
            }
        }
    }
    state.messages.remove(&message_id);
    events::message_deleted(state, channel.id, message_id);
    if let (Some(guild_id), true) = (guild_id, author != bot) {
        let entry = AuditLogEntry::new(audit_action::MESSAGE_DELETE, bot, author)
            .maybe_reason(request.audit_reason.as_deref())
            .options(json!({ "channel_id": channel.id.to_string(), "count": "1" }));
        events::audit_log_entry(state, guild_id, &entry);
    }
    Ok(Outcome::NoContent)
}

pub fn bulk_delete(state: &mut State, request: &IncomingRequest, channel: &str) -> RouteResult {
    let channel = readable_channel(state, channel, 0)?;
    let Some(guild_id) = channel.guild_id() else {
        return Err(ApiError::new(
            403,
            50003,
            "Cannot execute action on a DM channel",
        ));
    };
    state.require_bot_channel_permissions(&channel, MANAGE_MESSAGES)?;
    let ids: Vec<u64> = request.json()["messages"]
        .as_array()
        .map(|ids| ids.iter().filter_map(snowflake_value).collect())
        .unwrap_or_default();
    if !(2..=100).contains(&ids.len()) {
        return Err(ApiError::invalid_form(
            "messages",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 2 and 100 in length.",
        ));
    }
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != ids.len() {
        return Err(ApiError::invalid_form(
            "messages",
            "BASE_TYPE_BAD_ARRAY_DUPLICATES",
            "Duplicate message ids.",
        ));
    }
    // Discord judges age by the snowflake, and refuses the whole call for one old id.
    let cutoff_ms = chrono::Utc::now().timestamp_millis() - 14 * 24 * 3_600 * 1_000;
    if ids
        .iter()
        .any(|id| (*id >> 22) as i64 + DISCORD_EPOCH_MS < cutoff_ms)
    {
        return Err(ApiError::new(
            400,
            BULK_DELETE_TOO_OLD,
            "You can only bulk delete messages that are under 14 days old.",
        ));
    }
    let deleted: Vec<String> = ids
        .iter()
        .filter(|id| {
            state
                .messages
                .get(id)
                .is_some_and(|message| message.channel_id == channel.id && !message.ephemeral)
        })
        .map(u64::to_string)
        .collect();
    for id in &deleted {
        state.messages.remove(&id.parse::<u64>().unwrap_or(0));
    }
    if !deleted.is_empty() {
        let data = json!({
            "ids": deleted,
            "channel_id": channel.id.to_string(),
            "guild_id": guild_id.to_string(),
        });
        dispatch(state, "MESSAGE_DELETE_BULK", data);
    }
    Ok(Outcome::NoContent)
}
