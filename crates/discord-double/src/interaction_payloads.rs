//! INTERACTION_CREATE payloads as a Discord client produces them: slash commands (options
//! typed from the registered schema, `resolved` filled), context menu commands, autocomplete,
//! component presses and modal submissions, with the client-side rules that make some
//! invocations impossible.

use serde_json::{json, Map, Value};

use super::models;
use super::permissions::{ADMINISTRATOR, VIEW_CHANNEL};
use super::rest::snowflake_value;
use super::state::{ChannelKind, State};

pub const COMMAND: u8 = 2;
pub const COMPONENT: u8 = 3;
pub const AUTOCOMPLETE: u8 = 4;
pub const MODAL_SUBMIT: u8 = 5;
const ATTACHMENT_SIZE_LIMIT: u64 = 26_214_400;

/// A built interaction, not yet delivered.
pub struct PendingInteraction {
    pub id: u64,
    pub token: String,
    pub kind: u8,
    pub guild_id: u64,
    pub channel_id: u64,
    pub invoker: u64,
    /// For components (and modals opened from one): the message they belong to.
    pub source_message_id: Option<u64>,
    /// The INTERACTION_CREATE payload; callers add `data` and type-specific fields.
    pub json: Value,
}

fn base_interaction(
    state: &mut State,
    kind: u8,
    guild_id: u64,
    channel_id: u64,
    invoker: u64,
) -> Result<PendingInteraction, String> {
    let bot = state
        .bot
        .ok_or("call set_bot(user_id, application_id) before sending interactions")?;
    let guild = state
        .guilds
        .get(&guild_id)
        .ok_or_else(|| format!("guild {guild_id} was not seeded"))?;
    let channel = state
        .channels
        .get(&channel_id)
        .ok_or_else(|| format!("channel {channel_id} was not seeded"))?;
    let ChannelKind::GuildText { name, position, .. } = &channel.kind else {
        return Err(format!("channel {channel_id} is not a guild text channel"));
    };
    if channel.guild_id() != Some(guild_id) {
        return Err(format!("channel {channel_id} is not in guild {guild_id}"));
    }
    let member = guild
        .members
        .get(&invoker)
        .ok_or_else(|| format!("user {invoker} is not a member of guild {guild_id}"))?;
    // Interactions carry what the invoker and the app may do in this channel (overwrites
    // applied), not guild-wide.
    let invoker_permissions = state.channel_permissions(channel, invoker);
    let bot_permissions = state.channel_permissions(channel, bot.user_id);
    if invoker_permissions & VIEW_CHANNEL == 0 {
        return Err(format!("user {invoker} cannot see channel {channel_id}"));
    }
    let channel_json = json!({
        "id": channel_id.to_string(),
        "type": 0,
        "guild_id": guild_id.to_string(),
        "name": name,
        "position": position,
        "permissions": invoker_permissions.to_string(),
        "nsfw": false,
        "parent_id": null,
        "topic": null,
        "rate_limit_per_user": 0,
        "last_message_id": null,
        "flags": 0,
    });
    let member_json = models::member(state, member, true, Some(invoker_permissions));
    let id = state.next_id();
    let token = format!("interaction-{id}-{}", uuid::Uuid::new_v4().simple());
    let json = json!({
        "id": id.to_string(),
        "application_id": bot.application_id.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": guild_id.to_string(),
        "guild": { "id": guild_id.to_string(), "locale": "en-US", "features": [] },
        "channel_id": channel_id.to_string(),
        "channel": channel_json,
        "member": member_json,
        "app_permissions": bot_permissions.to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": guild_id.to_string() },
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    Ok(PendingInteraction {
        id,
        token,
        kind,
        guild_id,
        channel_id,
        invoker,
        source_message_id: None,
        json,
    })
}

/// Finds the registered command `name` of `kind` (1 chat input, 2 user, 3 message).
fn find_command(state: &State, guild_id: u64, name: &str, kind: u64) -> Result<Value, String> {
    let commands = state.commands_visible_in(guild_id);
    commands
        .iter()
        .find(|command| command["name"] == name && command["type"].as_u64().unwrap_or(1) == kind)
        .cloned()
        .ok_or_else(|| {
            let registered: Vec<&str> = commands.iter().filter_map(|command| command["name"].as_str()).collect();
            format!("no command '{name}' (type {kind}) is registered for guild {guild_id}; registered: {registered:?}")
        })
}

/// Whether the member can see (and so use) the command: administrators always; otherwise the
/// guild's Integrations overrides decide (user, then their roles with any allow winning, then
/// @everyone), and without an override `default_member_permissions` does.
fn check_can_see(
    state: &State,
    guild_id: u64,
    invoker: u64,
    command: &Value,
) -> Result<(), String> {
    let Some(guild) = state.guilds.get(&guild_id) else {
        return Err(format!("guild {guild_id} was not seeded"));
    };
    let held = guild.permissions_of(invoker);
    if held & ADMINISTRATOR != 0 {
        return Ok(());
    }
    let name = command["name"].as_str().unwrap_or_default();
    let overrides = state.command_overrides.get(&(guild_id, name.to_string()));
    let roles = guild
        .members
        .get(&invoker)
        .map(|member| member.roles.clone())
        .unwrap_or_default();
    let role_verdicts: Vec<bool> = roles
        .iter()
        .filter_map(|role| overrides.and_then(|map| map.get(role)).copied())
        .collect();
    let verdict = overrides
        .and_then(|map| map.get(&invoker).copied())
        .or_else(|| (!role_verdicts.is_empty()).then(|| role_verdicts.contains(&true)))
        .or_else(|| overrides.and_then(|map| map.get(&guild_id).copied()));
    let hidden_because = match verdict {
        Some(true) => return Ok(()),
        Some(false) => "an Integrations override denies it".to_string(),
        None => {
            let Some(required) = command["default_member_permissions"]
                .as_str()
                .and_then(|bits| bits.parse::<u64>().ok())
            else {
                return Ok(());
            };
            if held & required == required {
                return Ok(());
            }
            format!(
                "it needs {} (default_member_permissions) and no Integrations override allows it",
                super::permissions::describe(required & !held)
            )
        }
    };
    Err(format!(
        "user {invoker} cannot see /{name}: {hidden_because}"
    ))
}

/// Builds `data.options` for a chat input command, walking subcommand groups and subcommands
/// named by `path`, typing each value from the registered schema and filling `resolved`.
fn command_options(
    state: &mut State,
    guild_id: u64,
    command: &Value,
    path: &[&str],
    given: Vec<(&str, Value)>,
    focused: Option<&str>,
    resolved: &mut Map<String, Value>,
) -> Result<Vec<Value>, String> {
    let mut schema = command["options"].as_array().cloned().unwrap_or_default();
    let mut layers: Vec<(String, u64)> = Vec::new();
    let mut walked = command["name"].as_str().unwrap_or_default().to_string();
    for word in path {
        let next = schema
            .iter()
            .find(|option| {
                option["name"] == *word && matches!(option["type"].as_u64(), Some(1 | 2))
            })
            .cloned()
            .ok_or_else(|| {
                format!(
                    "/{walked} has no subcommand '{word}'; it has: {:?}",
                    names(&schema)
                )
            })?;
        layers.push((word.to_string(), next["type"].as_u64().unwrap_or(1)));
        walked = format!("{walked} {word}");
        schema = next["options"].as_array().cloned().unwrap_or_default();
    }
    if schema
        .iter()
        .any(|option| matches!(option["type"].as_u64(), Some(1 | 2)))
    {
        return Err(format!(
            "/{walked} needs a subcommand: {:?}",
            names(&schema)
        ));
    }
    let mut leaf = Vec::new();
    for (name, value) in given {
        let option = schema
            .iter()
            .find(|option| option["name"] == name)
            .ok_or_else(|| {
                format!(
                    "/{walked} has no option '{name}'; it has: {:?}",
                    names(&schema)
                )
            })?;
        let is_focused = focused == Some(name);
        let value = option_value(state, guild_id, option, value, is_focused, resolved)
            .map_err(|error| format!("/{walked} option '{name}': {error}"))?;
        let mut entry = json!({ "name": name, "type": option["type"], "value": value });
        if is_focused {
            entry["focused"] = json!(true);
        }
        leaf.push(entry);
    }
    if focused.is_none() {
        for option in &schema {
            let provided = leaf.iter().any(|entry| entry["name"] == option["name"]);
            if option["required"] == json!(true) && !provided {
                return Err(format!(
                    "/{walked} requires option '{}'",
                    option["name"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    let mut options = leaf;
    for (name, kind) in layers.into_iter().rev() {
        options = vec![json!({ "name": name, "type": kind, "options": options })];
    }
    Ok(options)
}

fn names(schema: &[Value]) -> Vec<&str> {
    schema
        .iter()
        .filter_map(|option| option["name"].as_str())
        .collect()
}

/// Converts a test-given value into what Discord sends for an option of the schema's type,
/// enforcing the client-side limits (choices, ranges, lengths, channel types). For an option
/// with choices, the test may give a choice's name, as a user picks it by what is shown.
fn option_value(
    state: &mut State,
    guild_id: u64,
    option: &Value,
    value: Value,
    focused: bool,
    resolved: &mut Map<String, Value>,
) -> Result<Value, String> {
    let kind = option["type"].as_u64().unwrap_or(0);
    if focused {
        // While typing, Discord sends the raw text of the focused option.
        return Ok(match value {
            Value::String(text) => json!(text),
            other => json!(other.to_string()),
        });
    }
    let value = choice_value_by_name(option, value);
    let value = match kind {
        3 => {
            let text = value.as_str().ok_or("expected a string")?.to_string();
            let length = text.chars().count() as u64;
            if option["min_length"]
                .as_u64()
                .is_some_and(|min| length < min)
                || option["max_length"]
                    .as_u64()
                    .is_some_and(|max| length > max)
            {
                return Err(format!("length {length} is outside the allowed range"));
            }
            json!(text)
        }
        4 => {
            let number = value.as_i64().ok_or("expected an integer")?;
            check_range(option, number as f64)?;
            json!(number)
        }
        10 => {
            let number = value.as_f64().ok_or("expected a number")?;
            check_range(option, number)?;
            json!(number)
        }
        5 => json!(value.as_bool().ok_or("expected a boolean")?),
        6 => json!(resolve_user(state, guild_id, &value, resolved)?.to_string()),
        7 => json!(resolve_channel(state, guild_id, option, &value, resolved)?.to_string()),
        8 => json!(resolve_role(state, guild_id, &value, resolved)?.to_string()),
        9 => {
            let id = snowflake_value(&value).ok_or("expected a user or role id")?;
            if state.users.contains_key(&id) {
                json!(resolve_user(state, guild_id, &value, resolved)?.to_string())
            } else {
                json!(resolve_role(state, guild_id, &value, resolved)?.to_string())
            }
        }
        11 => json!(resolve_attachment(state, &value, resolved)?.to_string()),
        other => return Err(format!("unsupported option type {other}")),
    };
    if let Some(choices) = option["choices"]
        .as_array()
        .filter(|choices| !choices.is_empty())
    {
        if !choices.iter().any(|choice| choice["value"] == value) {
            return Err(format!("{value} is not one of the choices {choices:?}"));
        }
    }
    Ok(value)
}

/// The value of the choice named `value`, when it names a choice rather than being a value.
fn choice_value_by_name(option: &Value, value: Value) -> Value {
    let Some(choices) = option["choices"].as_array() else {
        return value;
    };
    if choices.iter().any(|choice| choice["value"] == value) {
        return value;
    }
    value
        .as_str()
        .and_then(|name| choices.iter().find(|choice| choice["name"] == name))
        .map_or(value.clone(), |choice| choice["value"].clone())
}

fn check_range(option: &Value, number: f64) -> Result<(), String> {
    let below = option["min_value"].as_f64().is_some_and(|min| number < min);
    let above = option["max_value"].as_f64().is_some_and(|max| number > max);
    if below || above {
        Err(format!(
            "{number} is outside [{}, {}]",
            option["min_value"], option["max_value"]
        ))
    } else {
        Ok(())
    }
}

fn resolved_section<'a>(
    resolved: &'a mut Map<String, Value>,
    section: &str,
) -> &'a mut Map<String, Value> {
    resolved
        .entry(section)
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("resolved sections are objects")
}

fn resolve_user(
    state: &State,
    guild_id: u64,
    value: &Value,
    resolved: &mut Map<String, Value>,
) -> Result<u64, String> {
    let id = snowflake_value(value).ok_or("expected a user id")?;
    let user = state
        .users
        .get(&id)
        .ok_or_else(|| format!("user {id} was not seeded"))?;
    resolved_section(resolved, "users").insert(id.to_string(), models::user(user));
    if let Some(guild) = state.guilds.get(&guild_id) {
        if let Some(member) = guild.members.get(&id) {
            let member_json = models::member(state, member, false, Some(guild.permissions_of(id)));
            resolved_section(resolved, "members").insert(id.to_string(), member_json);
        }
    }
    Ok(id)
}

fn resolve_role(
    state: &State,
    guild_id: u64,
    value: &Value,
    resolved: &mut Map<String, Value>,
) -> Result<u64, String> {
    let id = snowflake_value(value).ok_or("expected a role id")?;
    let role = state
        .guilds
        .get(&guild_id)
        .and_then(|guild| guild.roles.get(&id))
        .ok_or_else(|| format!("role {id} does not exist in guild {guild_id}"))?;
    resolved_section(resolved, "roles").insert(id.to_string(), models::role(role));
    Ok(id)
}

fn resolve_channel(
    state: &State,
    guild_id: u64,
    option: &Value,
    value: &Value,
    resolved: &mut Map<String, Value>,
) -> Result<u64, String> {
    let id = snowflake_value(value).ok_or("expected a channel id")?;
    let channel = state
        .channels
        .get(&id)
        .filter(|channel| channel.guild_id() == Some(guild_id))
        .ok_or_else(|| format!("channel {id} is not in guild {guild_id}"))?;
    let allowed_types = option["channel_types"]
        .as_array()
        .filter(|types| !types.is_empty());
    if allowed_types.is_some_and(|types| !types.contains(&json!(0))) {
        return Err(format!(
            "channel {id} is a text channel, not one of {allowed_types:?}"
        ));
    }
    let ChannelKind::GuildText { name, .. } = &channel.kind else {
        return Err(format!("channel {id} is not a guild channel"));
    };
    let permissions = state.guilds.get(&guild_id).map_or(0, |guild| {
        guild.permissions_of(state.bot.map_or(0, |bot| bot.user_id))
    });
    resolved_section(resolved, "channels").insert(
        id.to_string(),
        json!({ "id": id.to_string(), "name": name, "type": 0, "permissions": permissions.to_string() }),
    );
    Ok(id)
}

/// An attachment option: pass `{"filename": "...", "size": N}` (size optional), or
/// `{"filename": "...", "content": "..."}` to have the fake CDN serve those bytes.
fn resolve_attachment(
    state: &mut State,
    value: &Value,
    resolved: &mut Map<String, Value>,
) -> Result<u64, String> {
    let filename = value["filename"]
        .as_str()
        .ok_or("expected {\"filename\": ..., \"size\": ...}")?
        .to_string();
    let content = value["content"].as_str().map(|c| c.as_bytes().to_vec());
    let size = content
        .as_ref()
        .map(Vec::len)
        .unwrap_or_else(|| value["size"].as_u64().unwrap_or(1024) as usize);
    let id = state.next_id();
    let mut attachment = models::attachment(id, 0, &filename, size);
    attachment["url"] = json!(format!(
        "https://cdn.discordapp.com/ephemeral-attachments/{id}/{filename}"
    ));
    if let Some(bytes) = content {
        let path = format!("ephemeral-attachments/{id}/{filename}");
        attachment["url"] = json!(format!("{}/{path}", state.cdn_base));
        let content_type = attachment["content_type"]
            .as_str()
            .unwrap_or("application/octet-stream")
            .to_string();
        state.cdn_files.insert(path, (content_type, bytes));
    }
    resolved_section(resolved, "attachments").insert(id.to_string(), attachment);
    Ok(id)
}

/// All components (inside action rows) of a stored message.
fn message_components(message: &Value) -> Vec<Value> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Who does something where: guild, channel and the acting member.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub guild_id: u64,
    pub channel_id: u64,
    pub user_id: u64,
}

pub fn chat_input_interaction(
    state: &mut State,
    actor: Actor,
    command_path: &str,
    options: Vec<(&str, Value)>,
    focused: Option<&str>,
) -> Result<PendingInteraction, String> {
    let mut words = command_path.split_whitespace();
    let name = words.next().ok_or("empty command")?;
    let path: Vec<&str> = words.collect();
    let command = find_command(state, actor.guild_id, name, 1)?;
    check_can_see(state, actor.guild_id, actor.user_id, &command)?;
    let mut resolved = Map::new();
    let options = command_options(
        state,
        actor.guild_id,
        &command,
        &path,
        options,
        focused,
        &mut resolved,
    )?;
    let kind = if focused.is_some() {
        AUTOCOMPLETE
    } else {
        COMMAND
    };
    let mut pending =
        base_interaction(state, kind, actor.guild_id, actor.channel_id, actor.user_id)?;
    let mut data = json!({
        "id": command["id"],
        "name": name,
        "type": 1,
        "options": options,
    });
    if !resolved.is_empty() {
        data["resolved"] = Value::Object(resolved);
    }
    if !command["guild_id"].is_null() {
        data["guild_id"] = command["guild_id"].clone();
    }
    pending.json["data"] = data;
    Ok(pending)
}

/// A user (`command_type` 2) or message (3) context menu command used on `target`.
pub fn context_menu_interaction(
    state: &mut State,
    actor: Actor,
    name: &str,
    command_type: u64,
    target: u64,
) -> Result<PendingInteraction, String> {
    let command = find_command(state, actor.guild_id, name, command_type)?;
    check_can_see(state, actor.guild_id, actor.user_id, &command)?;
    let mut resolved = Map::new();
    if command_type == 2 {
        resolve_user(state, actor.guild_id, &json!(target), &mut resolved)?;
    } else {
        let message = state
            .messages
            .get(&target)
            .filter(|message| message.channel_id == actor.channel_id && !message.ephemeral)
            .ok_or_else(|| format!("message {target} is not in channel {}", actor.channel_id))?;
        let mut message_json = message.json.clone();
        message_json["guild_id"] = json!(actor.guild_id.to_string());
        resolved_section(&mut resolved, "messages").insert(target.to_string(), message_json);
    }
    let mut pending = base_interaction(
        state,
        COMMAND,
        actor.guild_id,
        actor.channel_id,
        actor.user_id,
    )?;
    let mut data = json!({
        "id": command["id"],
        "name": name,
        "type": command_type,
        "target_id": target.to_string(),
        "resolved": resolved,
    });
    if !command["guild_id"].is_null() {
        data["guild_id"] = command["guild_id"].clone();
    }
    pending.json["data"] = data;
    Ok(pending)
}

/// A button press (`values` None) or select menu choice on a stored message.
pub fn component_interaction(
    state: &mut State,
    actor: Actor,
    message_id: u64,
    custom_id: &str,
    values: Option<Vec<&str>>,
) -> Result<PendingInteraction, String> {
    let message = state
        .messages
        .get(&message_id)
        .filter(|message| message.channel_id == actor.channel_id)
        .ok_or_else(|| {
            format!(
                "message {message_id} is not in channel {}",
                actor.channel_id
            )
        })?
        .json
        .clone();
    let components = message_components(&message);
    let component = components
        .iter()
        .find(|component| component["custom_id"] == custom_id)
        .ok_or_else(|| {
            let ids: Vec<&str> = components
                .iter()
                .filter_map(|c| c["custom_id"].as_str())
                .collect();
            format!("message {message_id} has no component '{custom_id}'; it has {ids:?}")
        })?;
    if component["disabled"] == json!(true) {
        return Err(format!("component '{custom_id}' is disabled"));
    }
    let component_type = component["type"].as_u64().unwrap_or(0);
    let mut data = json!({ "custom_id": custom_id, "component_type": component_type });
    match (&values, component_type) {
        (None, 2) => {}
        (Some(values), 3 | 5..=8) => {
            check_select_values(component, values)?;
            data["values"] = json!(values);
            let mut resolved = Map::new();
            for value in values {
                match component_type {
                    5 => {
                        resolve_user(state, actor.guild_id, &json!(value), &mut resolved)?;
                    }
                    6 => {
                        resolve_role(state, actor.guild_id, &json!(value), &mut resolved)?;
                    }
                    _ => {}
                }
            }
            if !resolved.is_empty() {
                data["resolved"] = Value::Object(resolved);
            }
        }
        (None, _) => return Err(format!("component '{custom_id}' is not a button")),
        (Some(_), _) => return Err(format!("component '{custom_id}' is not a select menu")),
    }
    let mut pending = base_interaction(
        state,
        COMPONENT,
        actor.guild_id,
        actor.channel_id,
        actor.user_id,
    )?;
    pending.json["data"] = data;
    pending.json["message"] = message;
    pending.source_message_id = Some(message_id);
    Ok(pending)
}

/// Submits the modal `custom_id` the bot showed most recently; every text input is sent
/// (unfilled ones as ""), required ones must be in `fields`.
pub fn modal_submit_interaction(
    state: &mut State,
    actor: Actor,
    custom_id: &str,
    fields: Vec<(&str, &str)>,
) -> Result<PendingInteraction, String> {
    let (modal, source_message_id) = state
        .interactions
        .values()
        .rev()
        .filter_map(|record| {
            let callback = record.callback.as_ref()?;
            (callback.kind == 9 && callback.data["custom_id"] == custom_id)
                .then(|| (callback.data.clone(), record.source_message_id))
        })
        .next()
        .ok_or_else(|| format!("the bot never showed a modal with custom_id '{custom_id}'"))?;
    let inputs: Vec<Value> = message_components(&modal);
    for (field, _) in &fields {
        if !inputs.iter().any(|input| input["custom_id"] == *field) {
            let ids: Vec<&str> = inputs
                .iter()
                .filter_map(|input| input["custom_id"].as_str())
                .collect();
            return Err(format!(
                "the modal has no text input '{field}'; it has {ids:?}"
            ));
        }
    }
    let mut rows = Vec::new();
    for input in &inputs {
        let input_id = input["custom_id"].as_str().unwrap_or_default();
        let value = fields
            .iter()
            .find(|(field, _)| *field == input_id)
            .map(|(_, value)| value.to_string())
            .unwrap_or_default();
        let length = value.chars().count() as u64;
        let required = input["required"].as_bool().unwrap_or(true);
        if required && value.is_empty() {
            return Err(format!("text input '{input_id}' is required"));
        }
        let too_short = input["min_length"].as_u64().is_some_and(|min| length < min);
        let too_long = input["max_length"].as_u64().is_some_and(|max| length > max);
        if !value.is_empty() && (too_short || too_long) {
            return Err(format!(
                "text input '{input_id}' has length {length}, outside its limits"
            ));
        }
        rows.push(json!({ "type": 1, "components": [
            { "type": 4, "custom_id": input_id, "value": value }
        ] }));
    }
    let mut pending = base_interaction(
        state,
        MODAL_SUBMIT,
        actor.guild_id,
        actor.channel_id,
        actor.user_id,
    )?;
    pending.json["data"] = json!({ "custom_id": custom_id, "components": rows });
    if let Some(message) = source_message_id.and_then(|id| state.message_json(id)) {
        pending.json["message"] = message;
    }
    pending.source_message_id = source_message_id;
    Ok(pending)
}

fn check_select_values(component: &Value, values: &[&str]) -> Result<(), String> {
    let min = component["min_values"].as_u64().unwrap_or(1) as usize;
    let max = component["max_values"].as_u64().unwrap_or(1) as usize;
    if values.len() < min || values.len() > max {
        return Err(format!(
            "{} values picked, the menu allows {min}..={max}",
            values.len()
        ));
    }
    if component["type"].as_u64() == Some(3) {
        let options = component["options"].as_array().cloned().unwrap_or_default();
        for value in values {
            if !options.iter().any(|option| option["value"] == *value) {
                return Err(format!("'{value}' is not an option of the menu"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serenity::model::application::{Interaction, ResolvedValue};

    use super::*;
    use crate::fixtures::{
        register_global_commands, seeded_state, BOT_MESSAGE, CHANNEL, GUILD, MEMBER, MOD_ROLE,
        OWNER, USER_MESSAGE,
    };

    use crate::state::{CallbackRecord, InteractionRecord};

    fn owner() -> Actor {
        Actor {
            guild_id: GUILD,
            channel_id: CHANNEL,
            user_id: OWNER,
        }
    }

    fn member() -> Actor {
        Actor {
            user_id: MEMBER,
            ..owner()
        }
    }

    fn state_with_commands() -> State {
        let mut state = seeded_state();
        register_global_commands(
            &mut state,
            json!([
                { "name": "mod", "description": "Moderation", "default_member_permissions": "4", "options": [
                    { "type": 1, "name": "ban", "description": "Ban", "options": [
                        { "type": 6, "name": "user", "description": "Who", "required": true },
                        { "type": 3, "name": "reason", "description": "Why" },
                        { "type": 4, "name": "days", "description": "Days", "min_value": 0, "max_value": 7 },
                    ] },
                    { "type": 2, "name": "case", "description": "Cases", "options": [
                        { "type": 1, "name": "show", "description": "Show", "options": [
                            { "type": 3, "name": "id", "description": "Case", "required": true, "autocomplete": true },
                            { "type": 8, "name": "role", "description": "Role" },
                            { "type": 7, "name": "channel", "description": "Channel" },
                            { "type": 11, "name": "file", "description": "File" },
                            { "type": 3, "name": "kind", "description": "Kind", "choices": [
                                { "name": "Ban", "value": "ban" }, { "name": "Kick", "value": "kick" }
                            ] },
                            { "type": 4, "name": "scope", "description": "Scope", "choices": [
                                { "name": "text", "value": 0 }, { "name": "voice", "value": 1 }
                            ] },
                        ] },
                    ] },
                ] },
                { "type": 3, "name": "Capture Evidence" },
                { "type": 2, "name": "Profile" },
            ]),
        );
        state
    }

    fn parse(pending: PendingInteraction) -> Interaction {
        serde_json::from_value(pending.json.clone())
            .unwrap_or_else(|error| panic!("{error}\n{:#}", pending.json))
    }

    #[test]
    fn slash_commands_parse_with_typed_options_and_resolved_members() {
        let mut state = state_with_commands();
        let options = vec![
            ("user", json!(MEMBER)),
            ("reason", json!("spam")),
            ("days", json!(2)),
        ];
        let pending =
            chat_input_interaction(&mut state, owner(), "mod ban", options, None).unwrap();
        let Interaction::Command(command) = parse(pending) else {
            panic!("expected a command interaction");
        };
        assert_eq!(command.data.name, "mod");
        assert_eq!(command.user.id.get(), OWNER);
        let member = command.member.as_ref().expect("member");
        assert!(member
            .permissions
            .expect("member permissions")
            .administrator());
        assert!(command
            .app_permissions
            .expect("app permissions")
            .ban_members());
        let resolved = command.data.options();
        let ResolvedValue::SubCommand(leaf) = &resolved[0].value else {
            panic!("expected the ban subcommand, got {resolved:?}");
        };
        assert_eq!(resolved[0].name, "ban");
        let ResolvedValue::User(user, Some(partial_member)) = &leaf[0].value else {
            panic!("expected a resolved user with member, got {leaf:?}");
        };
        assert_eq!(user.id.get(), MEMBER);
        assert!(partial_member.permissions.is_some());
        assert!(matches!(leaf[1].value, ResolvedValue::String("spam")));
        assert!(matches!(leaf[2].value, ResolvedValue::Integer(2)));
    }

    #[test]
    fn interactions_carry_channel_permissions_and_hidden_channels_take_none() {
        use crate::permissions::SEND_MESSAGES;
        use crate::state::{OverwriteTarget, PermissionOverwrite};
        let mut state = state_with_commands();
        state
            .guilds
            .get_mut(&GUILD)
            .unwrap()
            .members
            .get_mut(&MEMBER)
            .unwrap()
            .roles = vec![MOD_ROLE];
        let ChannelKind::GuildText {
            permission_overwrites,
            ..
        } = &mut state.channels.get_mut(&CHANNEL).unwrap().kind
        else {
            unreachable!()
        };
        permission_overwrites.push(PermissionOverwrite {
            target: OverwriteTarget::Role(MOD_ROLE),
            allow: 0,
            deny: SEND_MESSAGES,
        });
        let pending = chat_input_interaction(
            &mut state,
            member(),
            "mod ban",
            vec![("user", json!(OWNER))],
            None,
        )
        .unwrap();
        let Interaction::Command(command) = parse(pending) else {
            panic!("expected a command interaction");
        };
        let member_bits = command.member.unwrap().permissions.unwrap();
        assert!(member_bits.ban_members() && !member_bits.send_messages());
        let app_bits = command.app_permissions.unwrap();
        assert!(!app_bits.send_messages(), "the bot holds the mod role too");

        let ChannelKind::GuildText {
            permission_overwrites,
            ..
        } = &mut state.channels.get_mut(&CHANNEL).unwrap().kind
        else {
            unreachable!()
        };
        permission_overwrites.push(PermissionOverwrite {
            target: OverwriteTarget::Member(MEMBER),
            allow: 0,
            deny: VIEW_CHANNEL,
        });
        let hidden = chat_input_interaction(
            &mut state,
            member(),
            "mod ban",
            vec![("user", json!(OWNER))],
            None,
        );
        assert!(hidden.err().unwrap().contains("cannot see channel"));
    }

    #[test]
    fn subcommand_groups_roles_channels_attachments_and_autocomplete_parse() {
        let mut state = state_with_commands();
        let options = vec![
            ("id", json!("12")),
            ("role", json!(MOD_ROLE)),
            ("channel", json!(CHANNEL)),
            ("file", json!({ "filename": "proof.png", "size": 10 })),
            ("kind", json!("kick")),
            ("scope", json!("voice")),
        ];
        let pending =
            chat_input_interaction(&mut state, owner(), "mod case show", options, None).unwrap();
        let Interaction::Command(command) = parse(pending) else {
            panic!("expected a command interaction");
        };
        let resolved = command.data.options();
        let ResolvedValue::SubCommandGroup(group) = &resolved[0].value else {
            panic!("expected a subcommand group, got {resolved:?}");
        };
        let ResolvedValue::SubCommand(leaf) = &group[0].value else {
            panic!("expected a subcommand, got {group:?}");
        };
        assert!(matches!(leaf[1].value, ResolvedValue::Role(role) if role.id.get() == MOD_ROLE));
        assert!(
            matches!(leaf[2].value, ResolvedValue::Channel(channel) if channel.id.get() == CHANNEL)
        );
        assert!(
            matches!(leaf[3].value, ResolvedValue::Attachment(file) if file.filename == "proof.png")
        );

        let typing = vec![("id", json!("1"))];
        let pending =
            chat_input_interaction(&mut state, owner(), "mod case show", typing, Some("id"))
                .unwrap();
        let Interaction::Autocomplete(autocomplete) = parse(pending) else {
            panic!("expected an autocomplete interaction");
        };
        assert_eq!(
            autocomplete
                .data
                .autocomplete()
                .expect("focused option")
                .value,
            "1"
        );
    }

    #[test]
    fn context_menu_commands_parse() {
        let mut state = state_with_commands();
        let pending =
            context_menu_interaction(&mut state, owner(), "Capture Evidence", 3, USER_MESSAGE)
                .unwrap();
        let Interaction::Command(command) = parse(pending) else {
            panic!("expected a command interaction");
        };
        let target = command.data.target_id.expect("target").to_message_id();
        assert_eq!(
            command.data.resolved.messages[&target].content,
            "buy cheap nitro"
        );

        let pending = context_menu_interaction(&mut state, owner(), "Profile", 2, MEMBER).unwrap();
        let Interaction::Command(command) = parse(pending) else {
            panic!("expected a command interaction");
        };
        let target = command.data.target_id.expect("target").to_user_id();
        assert_eq!(command.data.resolved.users[&target].name, "member");
    }

    #[test]
    fn buttons_and_select_menus_parse() {
        let mut state = seeded_state();
        let pending =
            component_interaction(&mut state, owner(), BOT_MESSAGE, "confirm", None).unwrap();
        assert_eq!(pending.source_message_id, Some(BOT_MESSAGE));
        let Interaction::Component(press) = parse(pending) else {
            panic!("expected a component interaction");
        };
        assert_eq!(press.data.custom_id, "confirm");
        assert_eq!(press.message.id.get(), BOT_MESSAGE);
        assert!(press.member.expect("member").permissions.is_some());

        let pending = component_interaction(
            &mut state,
            owner(),
            BOT_MESSAGE,
            "pick",
            Some(vec!["abuse"]),
        )
        .unwrap();
        let Interaction::Component(pick) = parse(pending) else {
            panic!("expected a component interaction");
        };
        let serenity::model::application::ComponentInteractionDataKind::StringSelect { values } =
            pick.data.kind
        else {
            panic!("expected a string select");
        };
        assert_eq!(values, vec!["abuse".to_string()]);
    }

    #[test]
    fn modal_submissions_parse_with_every_text_input() {
        let mut state = seeded_state();
        let shown = json!({ "custom_id": "reason-modal", "title": "Reason", "components": [
            { "type": 1, "components": [{ "type": 4, "custom_id": "reason", "label": "Reason", "style": 2 }] },
            { "type": 1, "components": [{ "type": 4, "custom_id": "note", "label": "Note", "style": 1, "required": false }] },
        ] });
        let record = InteractionRecord {
            id: 1,
            token: "t".to_string(),
            kind: COMPONENT,
            guild_id: GUILD,
            channel_id: CHANNEL,
            invoker: OWNER,
            source_message_id: Some(BOT_MESSAGE),
            created_at: Instant::now(),
            callback: Some(CallbackRecord {
                kind: 9,
                data: shown,
            }),
            callback_failure: None,
            original_message_id: None,
            deferred_pending: false,
            followup_ids: Vec::new(),
        };
        state.interactions.insert(1, record);
        let pending = modal_submit_interaction(
            &mut state,
            owner(),
            "reason-modal",
            vec![("reason", "spamming")],
        )
        .unwrap();
        let Interaction::Modal(modal) = parse(pending) else {
            panic!("expected a modal interaction");
        };
        assert_eq!(modal.data.custom_id, "reason-modal");
        assert_eq!(modal.data.components.len(), 2);
        assert_eq!(modal.message.expect("message").id.get(), BOT_MESSAGE);
        assert!(
            modal_submit_interaction(&mut state, owner(), "reason-modal", vec![("note", "x")])
                .is_err()
        );
    }

    #[test]
    fn invocations_a_discord_client_could_not_make_are_refused() {
        let mut state = state_with_commands();
        let attempt = |state: &mut State, actor: Actor, path: &str, options: Vec<(&str, Value)>| {
            chat_input_interaction(state, actor, path, options, None)
                .err()
                .unwrap_or_default()
        };
        assert!(attempt(&mut state, owner(), "mod", vec![]).contains("needs a subcommand"));
        assert!(attempt(&mut state, owner(), "mod bann", vec![]).contains("no subcommand 'bann'"));
        assert!(attempt(&mut state, owner(), "mod ban", vec![]).contains("requires option 'user'"));
        let over_range = vec![("user", json!(MEMBER)), ("days", json!(8))];
        assert!(attempt(&mut state, owner(), "mod ban", over_range).contains("outside"));
        let bad_choice = vec![("id", json!("1")), ("kind", json!("mute"))];
        assert!(attempt(&mut state, owner(), "mod case show", bad_choice)
            .contains("not one of the choices"));
        let hidden = attempt(
            &mut state,
            member(),
            "mod ban",
            vec![("user", json!(OWNER))],
        );
        assert!(hidden.contains("BAN_MEMBERS"), "{hidden}");
        assert!(attempt(&mut state, owner(), "unknown", vec![]).contains("no command 'unknown'"));
        assert!(component_interaction(&mut state, owner(), BOT_MESSAGE, "nope", None).is_err());
    }

    #[test]
    fn integrations_overrides_decide_who_sees_a_command() {
        let mut state = state_with_commands();
        let sees = |state: &State| {
            check_can_see(
                state,
                GUILD,
                MEMBER,
                &find_command(state, GUILD, "mod", 1).unwrap(),
            )
        };
        assert!(sees(&state).is_err(), "MEMBER lacks BAN_MEMBERS");
        state
            .guilds
            .get_mut(&GUILD)
            .unwrap()
            .members
            .get_mut(&MEMBER)
            .unwrap()
            .roles = vec![MOD_ROLE];
        let overrides = state
            .command_overrides
            .entry((GUILD, "mod".to_string()))
            .or_default();
        overrides.insert(GUILD, false);
        assert!(sees(&state).unwrap_err().contains("override denies"));
        state
            .command_overrides
            .get_mut(&(GUILD, "mod".to_string()))
            .unwrap()
            .insert(MOD_ROLE, true);
        assert!(sees(&state).is_ok(), "a role allow beats an @everyone deny");
        state
            .command_overrides
            .get_mut(&(GUILD, "mod".to_string()))
            .unwrap()
            .insert(MEMBER, false);
        assert!(sees(&state).is_err(), "a user deny beats a role allow");
        assert!(check_can_see(
            &state,
            GUILD,
            OWNER,
            &find_command(&state, GUILD, "mod", 1).unwrap()
        )
        .is_ok());
    }
}
