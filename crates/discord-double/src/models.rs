//! JSON objects exactly as Discord sends them (and as serenity 0.12.5 parses them).

use serde_json::{json, Value};

use super::state::{
    ChannelKind, ChannelRecord, GuildRecord, MemberRecord, PermissionOverwrite, RoleRecord, State,
    UserRecord,
};

pub fn user(record: &UserRecord) -> Value {
    json!({
        "id": record.id.to_string(),
        "username": record.name,
        "discriminator": "0",
        "global_name": record.name,
        "avatar": null,
        "bot": record.bot,
        "system": false,
        "banner": null,
        "accent_color": null,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
    })
}

/// The user object for `id`, or a stand-in if the tests never seeded that user.
pub fn user_by_id(state: &State, id: u64) -> Value {
    match state.users.get(&id) {
        Some(record) => user(record),
        None => user(&UserRecord {
            id,
            name: format!("unknown-user-{id}"),
            bot: false,
            dms_open: true,
        }),
    }
}

/// The bot's own user as `GET /users/@me` and READY return it.
pub fn current_user(state: &State) -> Value {
    let bot = state.bot_identity();
    let mut value = user_by_id(state, bot.user_id);
    value["bot"] = json!(true);
    value["verified"] = json!(true);
    value["mfa_enabled"] = json!(false);
    value["email"] = Value::Null;
    value["locale"] = json!("en-US");
    value["premium_type"] = json!(0);
    value
}

pub fn role(record: &RoleRecord) -> Value {
    json!({
        "id": record.id.to_string(),
        "name": record.name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": record.position,
        "permissions": record.permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

/// A guild member. `with_user` is false inside interaction `resolved.members`, where Discord
/// leaves the user out; `permissions` is only present in interaction payloads.
pub fn member(
    state: &State,
    record: &MemberRecord,
    with_user: bool,
    permissions: Option<u64>,
) -> Value {
    let mut value = json!({
        "nick": record.nick,
        "avatar": null,
        "banner": null,
        "roles": record.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": record.joined_at,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": record.communication_disabled_until,
        "unusual_dm_activity_until": null,
        "avatar_decoration_data": null,
    });
    if with_user {
        value["user"] = user_by_id(state, record.user_id);
    }
    if let Some(bits) = permissions {
        value["permissions"] = json!(bits.to_string());
    }
    value
}

pub fn channel(state: &State, record: &ChannelRecord) -> Value {
    let last_message_id = state
        .messages
        .values()
        .rev()
        .find(|message| message.channel_id == record.id && !message.ephemeral)
        .map(|message| message.id.to_string());
    match &record.kind {
        ChannelKind::GuildText {
            guild_id,
            name,
            position,
            permission_overwrites,
        } => json!({
            "id": record.id.to_string(),
            "type": 0,
            "guild_id": guild_id.to_string(),
            "name": name,
            "position": position,
            "permission_overwrites": permission_overwrites.iter().map(overwrite).collect::<Vec<_>>(),
            "topic": null,
            "nsfw": false,
            "last_message_id": last_message_id,
            "rate_limit_per_user": 0,
            "parent_id": null,
            "last_pin_timestamp": null,
            "flags": 0,
        }),
        ChannelKind::Thread {
            guild_id,
            parent_id,
            name,
            owner_id,
            private,
            members,
            created_at,
        } => {
            let message_count = state
                .messages
                .values()
                .filter(|message| message.channel_id == record.id && !message.ephemeral)
                .count();
            let mut metadata = json!({
                "archived": false,
                "archive_timestamp": created_at,
                "auto_archive_duration": 1440,
                "locked": false,
                "create_timestamp": created_at,
            });
            if *private {
                metadata["invitable"] = json!(true);
            }
            json!({
                "id": record.id.to_string(),
                "type": if *private { 12 } else { 11 },
                "guild_id": guild_id.to_string(),
                "parent_id": parent_id.to_string(),
                "owner_id": owner_id.to_string(),
                "name": name,
                "last_message_id": last_message_id,
                "last_pin_timestamp": null,
                "rate_limit_per_user": 0,
                "flags": 0,
                "thread_metadata": metadata,
                "message_count": message_count,
                "total_message_sent": message_count,
                "member_count": members.len().min(50),
            })
        }
        ChannelKind::Direct { recipient } => json!({
            "id": record.id.to_string(),
            "type": 1,
            "last_message_id": last_message_id,
            "last_pin_timestamp": null,
            "flags": 0,
            "recipients": [user_by_id(state, *recipient)],
        }),
    }
}

/// A channel permission overwrite as Discord sends it (bits as decimal strings).
pub fn overwrite(overwrite: &PermissionOverwrite) -> Value {
    json!({
        "id": overwrite.target.id().to_string(),
        "type": overwrite.target.kind(),
        "allow": overwrite.allow.to_string(),
        "deny": overwrite.deny.to_string(),
    })
}

/// The fields shared by `GET /guilds/{id}` and GUILD_CREATE.
pub fn partial_guild(guild: &GuildRecord) -> Value {
    let mut value = json!({
        "id": guild.id.to_string(),
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": guild.owner_id.to_string(),
        "region": null,
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": guild.roles.values().map(role).collect::<Vec<_>>(),
    });
    // Two literals: one would exceed `json!`'s macro recursion limit.
    let rest = json!({
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "nsfw": false,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
        "hub_type": null,
        "latest_onboarding_question_id": null,
    });
    extend(&mut value, rest);
    value
}

fn extend(target: &mut Value, fields: Value) {
    if let (Some(target), Value::Object(fields)) = (target.as_object_mut(), fields) {
        target.extend(fields);
    }
}

/// GUILD_CREATE's payload: the guild plus members, channels and the gateway-only fields.
pub fn guild_create(state: &State, guild: &GuildRecord) -> Value {
    let mut value = partial_guild(guild);
    let bot_joined_at = state
        .bot
        .and_then(|bot| guild.members.get(&bot.user_id))
        .map_or_else(
            || guild.created_at.clone(),
            |member| member.joined_at.clone(),
        );
    let fields = json!({
        "joined_at": bot_joined_at,
        "large": false,
        "unavailable": false,
        "member_count": guild.members.len(),
        "voice_states": [],
        "members": guild
            .members
            .values()
            .map(|record| member(state, record, true, None))
            .collect::<Vec<_>>(),
        "channels": guild
            .channel_ids
            .iter()
            .filter_map(|id| state.channels.get(id))
            .map(|record| {
                let mut value = channel(state, record);
                // Gateway channel objects omit guild_id; serenity fills it in.
                value.as_object_mut().map(|object| object.remove("guild_id"));
                value
            })
            .collect::<Vec<_>>(),
        "threads": state
            .channels
            .values()
            .filter(|record| {
                matches!(record.kind, ChannelKind::Thread { guild_id, .. } if guild_id == guild.id)
            })
            .map(|record| channel(state, record))
            .collect::<Vec<_>>(),
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
    });
    extend(&mut value, fields);
    value
}

/// What Discord returns for `GET /oauth2/applications/@me`.
pub fn application(state: &State) -> Value {
    let bot = state.bot_identity();
    // The developer who owns the application: deliberately nobody in the test guilds, so
    // frameworks that trust application owners (poise) grant no test user anything extra.
    let owner = user(&UserRecord {
        id: bot.application_id,
        name: "application-owner".to_string(),
        bot: false,
        dms_open: false,
    });
    json!({
        "id": bot.application_id.to_string(),
        "name": user_by_id(state, bot.user_id)["username"],
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "",
        "flags": 0,
        "hook": true,
        "is_monetized": false,
        "owner": owner,
        "team": null,
        "bot": current_user(state),
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "approximate_guild_count": state.guilds.len(),
        "integration_types_config": { "0": {} },
    })
}

pub fn ban(state: &State, user_id: u64, reason: Option<&str>) -> Value {
    json!({ "user": user_by_id(state, user_id), "reason": reason })
}

/// Everything a message can carry; the rest of the message object is fixed.
#[derive(Debug, Clone, Default)]
pub struct MessageDraft {
    pub id: u64,
    pub channel_id: u64,
    pub author: Value,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub attachments: Vec<Value>,
    pub flags: u64,
    /// Discord message type: 0 default, 19 reply, 20 chat input command response.
    pub kind: u8,
    pub webhook_id: Option<u64>,
    pub application_id: Option<u64>,
    pub interaction_metadata: Option<Value>,
    pub message_reference: Option<Value>,
    pub referenced_message: Option<Value>,
    pub timestamp: String,
}

pub fn message(draft: &MessageDraft) -> Value {
    let embeds: Vec<Value> = draft
        .embeds
        .iter()
        .map(|embed| {
            let mut embed = embed.clone();
            if embed.get("type").is_none() {
                embed["type"] = json!("rich");
            }
            embed
        })
        .collect();
    let mut value = json!({
        "id": draft.id.to_string(),
        "type": draft.kind,
        "channel_id": draft.channel_id.to_string(),
        "author": draft.author,
        "content": draft.content,
        "timestamp": draft.timestamp,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": draft.attachments,
        "embeds": embeds,
        "components": draft.components,
        "pinned": false,
        "flags": draft.flags,
    });
    if let Some(webhook_id) = draft.webhook_id {
        value["webhook_id"] = json!(webhook_id.to_string());
    }
    if let Some(application_id) = draft.application_id {
        value["application_id"] = json!(application_id.to_string());
    }
    if let Some(metadata) = &draft.interaction_metadata {
        value["interaction_metadata"] = metadata.clone();
    }
    if let Some(reference) = &draft.message_reference {
        value["message_reference"] = reference.clone();
        value["referenced_message"] = draft.referenced_message.clone().unwrap_or(Value::Null);
    }
    value
}

/// An attachment as Discord reports it after an upload.
pub fn attachment(id: u64, channel_id: u64, filename: &str, size: usize) -> Value {
    let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{filename}");
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
        "content_type": content_type_of(filename),
    })
}

fn content_type_of(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" | "log" => "text/plain; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => return None,
    })
}

/// A registered application command, echoing what the bot sent with the fields Discord adds.
pub fn registered_command(
    submitted: &Value,
    id: u64,
    application_id: u64,
    guild_id: Option<u64>,
    version: u64,
) -> Value {
    let mut command = submitted.clone();
    let kind = submitted.get("type").and_then(Value::as_u64).unwrap_or(1);
    let defaults = json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "version": version.to_string(),
        "type": kind,
        "description": "",
        "default_member_permissions": null,
        "nsfw": false,
        "integration_types": [0],
        "contexts": null,
    });
    for (key, value) in defaults.as_object().into_iter().flatten() {
        let assigned_by_discord = matches!(key.as_str(), "id" | "application_id" | "version");
        if assigned_by_discord || command.get(key.as_str()).is_none_or(Value::is_null) {
            command[key.as_str()] = value.clone();
        }
    }
    match guild_id {
        Some(guild_id) => command["guild_id"] = json!(guild_id.to_string()),
        None => {
            if command.get("dm_permission").is_none_or(Value::is_null) {
                command["dm_permission"] = json!(true);
            }
        }
    }
    if let Some(options) = command.get_mut("options").and_then(Value::as_array_mut) {
        options.iter_mut().for_each(normalize_option);
    }
    command
}

/// Discord omits `required: false` and fills nothing else; keep what was sent, drop nulls.
fn normalize_option(option: &mut Value) {
    if let Some(object) = option.as_object_mut() {
        object.retain(|_, value| !value.is_null());
        if let Some(children) = object.get_mut("options").and_then(Value::as_array_mut) {
            children.iter_mut().for_each(normalize_option);
        }
    }
}

pub struct AuditLogEntryDraft<'a> {
    pub id: u64,
    pub guild_id: u64,
    pub action_type: u8,
    pub actor: u64,
    pub target: Option<u64>,
    pub reason: Option<&'a str>,
    pub changes: Option<Value>,
    pub options: Option<Value>,
}

/// An audit log entry as GUILD_AUDIT_LOG_ENTRY_CREATE carries it (it includes `guild_id`).
pub fn audit_log_entry(draft: &AuditLogEntryDraft<'_>) -> Value {
    let mut value = json!({
        "id": draft.id.to_string(),
        "guild_id": draft.guild_id.to_string(),
        "action_type": draft.action_type,
        "user_id": draft.actor.to_string(),
        "target_id": draft.target.map(|id| id.to_string()),
        "reason": draft.reason,
    });
    if let Some(changes) = &draft.changes {
        value["changes"] = changes.clone();
    }
    if let Some(options) = &draft.options {
        value["options"] = options.clone();
    }
    value
}

pub fn ready(state: &State, session_id: &str, shard: [u32; 2], gateway_url: &str) -> Value {
    let bot = state.bot_identity();
    let guilds: Vec<Value> = state
        .guilds
        .keys()
        .filter(|guild_id| shard_of(**guild_id, shard[1]) == shard[0])
        .map(|guild_id| json!({ "id": guild_id.to_string(), "unavailable": true }))
        .collect();
    json!({
        "v": 10,
        "user": current_user(state),
        "user_settings": {},
        "guilds": guilds,
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": gateway_url,
        "shard": shard,
        "application": { "id": bot.application_id.to_string(), "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "auth": {},
    })
}

/// Which shard Discord routes a guild's events to.
pub fn shard_of(guild_id: u64, shard_total: u32) -> u32 {
    ((guild_id >> 22) % u64::from(shard_total.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use serenity::model::prelude::*;

    use super::*;
    use crate::fixtures::{
        seeded_state as seeded, APPLICATION, BOT, BOT_MESSAGE, CHANNEL, DM_CHANNEL, GUILD, MEMBER,
        MOD_ROLE, OWNER,
    };
    use crate::state::now_timestamp;

    fn parse<T: serde::de::DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value.clone()).unwrap_or_else(|error| panic!("{error}\n{value:#}"))
    }

    #[test]
    fn users_parse_as_serenity_user_and_current_user() {
        let state = seeded();
        let member: User = parse(user_by_id(&state, MEMBER));
        assert_eq!(member.id.get(), MEMBER);
        assert_eq!(member.name, "member");
        let bot: CurrentUser = parse(current_user(&state));
        assert!(bot.bot);
        assert_eq!(bot.id.get(), BOT);
    }

    #[test]
    fn roles_and_members_parse() {
        let state = seeded();
        let guild = &state.guilds[&GUILD];
        let parsed: Role = parse(role(&guild.roles[&MOD_ROLE]));
        assert_eq!(parsed.position, 2);
        assert!(parsed.permissions.ban_members());
        let parsed: Member = parse(member(&state, &guild.members[&BOT], true, None));
        assert_eq!(parsed.roles, vec![RoleId::new(MOD_ROLE)]);
        assert!(parsed.communication_disabled_until.is_some());
        let parsed: PartialMember = parse(member(&state, &guild.members[&BOT], false, Some(4)));
        assert!(parsed.permissions.unwrap().ban_members());
    }

    #[test]
    fn guilds_parse_as_partial_guild_and_guild_create() {
        let state = seeded();
        let guild = &state.guilds[&GUILD];
        let parsed: PartialGuild = parse(partial_guild(guild));
        assert_eq!(parsed.owner_id.get(), OWNER);
        assert_eq!(parsed.roles.len(), 2);
        let parsed: GuildCreateEvent = parse(guild_create(&state, guild));
        assert_eq!(parsed.guild.members.len(), 3);
        assert_eq!(parsed.guild.channels.len(), 1);
        assert_eq!(
            parsed.guild.channels[&ChannelId::new(CHANNEL)]
                .guild_id
                .get(),
            GUILD
        );
    }

    #[test]
    fn channels_with_overwrites_and_threads_parse_and_match_discords_spec() {
        use crate::state::{OverwriteTarget, PermissionOverwrite};
        let mut state = seeded();
        if let ChannelKind::GuildText {
            permission_overwrites,
            ..
        } = &mut state.channels.get_mut(&CHANNEL).unwrap().kind
        {
            permission_overwrites.push(PermissionOverwrite {
                target: OverwriteTarget::Role(GUILD),
                allow: 0,
                deny: 1 << 10,
            });
            permission_overwrites.push(PermissionOverwrite {
                target: OverwriteTarget::Member(MEMBER),
                allow: 1 << 10,
                deny: 0,
            });
        }
        for (id, private) in [(61, false), (62, true)] {
            state.channels.insert(
                id,
                ChannelRecord {
                    id,
                    kind: ChannelKind::Thread {
                        guild_id: GUILD,
                        parent_id: CHANNEL,
                        name: "report".into(),
                        owner_id: MEMBER,
                        private,
                        members: vec![MEMBER],
                        created_at: now_timestamp(),
                    },
                },
            );
        }
        let text: GuildChannel = parse(channel(&state, &state.channels[&CHANNEL]));
        assert_eq!(text.permission_overwrites.len(), 2);
        assert_eq!(
            text.permission_overwrites[0].kind,
            PermissionOverwriteType::Role(RoleId::new(GUILD))
        );
        assert_eq!(
            text.permission_overwrites[1].kind,
            PermissionOverwriteType::Member(UserId::new(MEMBER))
        );
        assert_eq!(text.permission_overwrites[0].deny.bits(), 1 << 10);
        let public: GuildChannel = parse(channel(&state, &state.channels[&61]));
        assert_eq!(public.kind, ChannelType::PublicThread);
        assert_eq!(public.parent_id, Some(ChannelId::new(CHANNEL)));
        assert_eq!(public.guild_id.get(), GUILD);
        let private: GuildChannel = parse(channel(&state, &state.channels[&62]));
        assert_eq!(private.kind, ChannelType::PrivateThread);
        for id in [CHANNEL, 61, 62, DM_CHANNEL] {
            let body = channel(&state, &state.channels[&id]);
            let path = format!("/api/v10/channels/{id}");
            if let Err(problems) = crate::openapi::check_response("GET", &path, &body) {
                panic!("{problems:#?}\n{body:#}");
            }
        }
        let mut broken = channel(&state, &state.channels[&61]);
        broken.as_object_mut().unwrap().remove("thread_metadata");
        let checked = crate::openapi::check_response("GET", "/api/v10/channels/61", &broken);
        assert!(
            !matches!(checked, Ok(1)),
            "the spec requires thread_metadata"
        );
    }

    #[test]
    fn channels_parse_as_guild_and_private_channels() {
        let state = seeded();
        let parsed: GuildChannel = parse(channel(&state, &state.channels[&CHANNEL]));
        assert_eq!(parsed.name, "general");
        assert_eq!(parsed.last_message_id, Some(MessageId::new(BOT_MESSAGE)));
        let parsed: PrivateChannel = parse(channel(&state, &state.channels[&DM_CHANNEL]));
        assert_eq!(parsed.recipient.id.get(), MEMBER);
        let parsed: Channel = parse(channel(&state, &state.channels[&DM_CHANNEL]));
        assert!(parsed.private().is_some());
    }

    #[test]
    fn messages_parse_with_embeds_components_and_attachments() {
        let state = seeded();
        let draft = MessageDraft {
            id: 700,
            channel_id: CHANNEL,
            author: current_user(&state),
            content: "hello".to_string(),
            embeds: vec![
                json!({ "title": "Case 1", "fields": [{ "name": "a", "value": "b", "inline": false }] }),
            ],
            components: vec![json!({ "type": 1, "components": [
                { "type": 2, "style": 1, "custom_id": "confirm", "label": "Confirm" },
                { "type": 2, "style": 5, "url": "https://example.com", "label": "Docs" },
            ] })],
            attachments: vec![attachment(701, CHANNEL, "evidence.png", 12)],
            flags: 64,
            kind: 20,
            webhook_id: Some(99),
            application_id: Some(99),
            interaction_metadata: Some(json!({
                "id": "702", "type": 2, "user": user_by_id(&state, MEMBER),
                "authorizing_integration_owners": { "0": GUILD.to_string() }, "name": "mod ban",
            })),
            message_reference: Some(
                json!({ "type": 0, "message_id": "500", "channel_id": CHANNEL.to_string() }),
            ),
            referenced_message: None,
            timestamp: now_timestamp(),
        };
        let parsed: Message = parse(message(&draft));
        assert_eq!(parsed.content, "hello");
        assert_eq!(parsed.embeds[0].kind.as_deref(), Some("rich"));
        assert_eq!(parsed.components[0].components.len(), 2);
        assert_eq!(parsed.attachments[0].filename, "evidence.png");
        assert!(parsed.interaction_metadata.is_some());
    }

    #[test]
    fn application_parses_as_current_application_info() {
        let state = seeded();
        let parsed: CurrentApplicationInfo = parse(application(&state));
        assert_eq!(parsed.id.get(), 99);
        assert_eq!(parsed.owner.unwrap().id.get(), APPLICATION);
    }

    #[test]
    fn bans_and_audit_log_entries_parse() {
        let state = seeded();
        let parsed: Ban = parse(ban(&state, MEMBER, Some("spam")));
        assert_eq!(parsed.reason.as_deref(), Some("spam"));
        let entry = audit_log_entry(&AuditLogEntryDraft {
            id: 800,
            guild_id: GUILD,
            action_type: 24,
            actor: OWNER,
            target: Some(MEMBER),
            reason: Some("calm down"),
            changes: Some(json!([{
                "key": "communication_disabled_until",
                "old_value": null,
                "new_value": now_timestamp(),
            }])),
            options: None,
        });
        let parsed: GuildAuditLogEntryCreateEvent = parse(entry.clone());
        assert_eq!(parsed.entry.user_id.get(), OWNER);
        assert_eq!(parsed.entry.reason.as_deref(), Some("calm down"));
        let logs: serenity::model::guild::audit_log::AuditLogs = parse(json!({
            "audit_log_entries": [entry],
            "application_commands": [], "auto_moderation_rules": [], "guild_scheduled_events": [],
            "integrations": [], "threads": [], "users": [user_by_id(&state, MEMBER)], "webhooks": [],
        }));
        assert_eq!(logs.entries.len(), 1);
    }

    #[test]
    fn registered_commands_parse_as_serenity_command() {
        let submitted = json!({
            "name": "mod",
            "description": "Moderation",
            "default_member_permissions": "4",
            "options": [{
                "type": 1, "name": "ban", "description": "Ban a member",
                "options": [
                    { "type": 6, "name": "user", "description": "Who", "required": true },
                    { "type": 3, "name": "reason", "description": "Why", "required": false, "min_length": null },
                ],
            }],
        });
        let parsed: Command = parse(registered_command(&submitted, 5, 99, None, 6));
        assert_eq!(parsed.name, "mod");
        assert_eq!(parsed.options[0].options.len(), 2);
        assert!(parsed.default_member_permissions.unwrap().ban_members());
        let parsed: Command = parse(registered_command(&submitted, 5, 99, Some(GUILD), 6));
        assert_eq!(parsed.guild_id, Some(GuildId::new(GUILD)));
    }

    #[test]
    fn ready_parses_and_lists_only_the_shards_guilds() {
        let state = seeded();
        let parsed: Ready = parse(ready(&state, "abc", [0, 1], "ws://x"));
        assert_eq!(parsed.guilds.len(), 1);
        assert_eq!(parsed.application.id.get(), 99);
        let owning_shard = shard_of(GUILD, 2);
        let parsed: Ready = parse(ready(&state, "abc", [1 - owning_shard, 2], "ws://x"));
        assert!(parsed.guilds.is_empty());
    }
}
