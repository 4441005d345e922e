//! A small seeded `State` for the double's own unit tests.

use serde_json::{json, Value};

use super::models::{self, MessageDraft};
use super::permissions::{BAN_MEMBERS, KICK_MEMBERS, MODERATE_MEMBERS};
use super::state::{
    now_timestamp, BotIdentity, ChannelKind, ChannelRecord, GuildRecord, MemberRecord, RoleRecord,
    State, StoredMessage, UserRecord,
};

pub const GUILD: u64 = 900_000_000_000_000_001;
pub const OWNER: u64 = 11;
pub const BOT: u64 = 12;
pub const MEMBER: u64 = 13;
pub const APPLICATION: u64 = 99;
pub const CHANNEL: u64 = 31;
pub const DM_CHANNEL: u64 = 32;
pub const MOD_ROLE: u64 = 41;
/// A message from MEMBER in CHANNEL.
pub const USER_MESSAGE: u64 = 500;
/// A bot message in CHANNEL with a "confirm" button and a "pick" select menu.
pub const BOT_MESSAGE: u64 = 501;

pub fn seeded_state() -> State {
    let mut state = State::new();
    state.bot = Some(BotIdentity {
        user_id: BOT,
        application_id: APPLICATION,
    });
    for (id, name, bot) in [
        (OWNER, "owner", false),
        (BOT, "gavel", true),
        (MEMBER, "member", false),
    ] {
        state.users.insert(
            id,
            UserRecord {
                id,
                name: name.to_string(),
                bot,
                dms_open: true,
            },
        );
    }
    let mut guild = GuildRecord::new(GUILD, OWNER, "Test Guild");
    guild.roles.insert(
        MOD_ROLE,
        RoleRecord {
            id: MOD_ROLE,
            name: "mod".to_string(),
            position: 2,
            permissions: BAN_MEMBERS | KICK_MEMBERS | MODERATE_MEMBERS,
        },
    );
    for (user_id, roles) in [(OWNER, vec![]), (BOT, vec![MOD_ROLE]), (MEMBER, vec![])] {
        guild.members.insert(
            user_id,
            MemberRecord {
                user_id,
                roles,
                nick: None,
                joined_at: now_timestamp(),
                communication_disabled_until: Some(now_timestamp()),
            },
        );
    }
    guild.channel_ids.push(CHANNEL);
    state.guilds.insert(GUILD, guild);
    state.channels.insert(
        CHANNEL,
        ChannelRecord {
            id: CHANNEL,
            kind: ChannelKind::GuildText {
                guild_id: GUILD,
                name: "general".to_string(),
                position: 0,
                permission_overwrites: Vec::new(),
            },
        },
    );
    state.channels.insert(
        DM_CHANNEL,
        ChannelRecord {
            id: DM_CHANNEL,
            kind: ChannelKind::Direct { recipient: MEMBER },
        },
    );
    let user_message = MessageDraft {
        id: USER_MESSAGE,
        channel_id: CHANNEL,
        author: models::user_by_id(&state, MEMBER),
        content: "buy cheap nitro".to_string(),
        timestamp: now_timestamp(),
        ..MessageDraft::default()
    };
    let bot_message = MessageDraft {
        id: BOT_MESSAGE,
        channel_id: CHANNEL,
        author: models::current_user(&state),
        content: "Ban member?".to_string(),
        components: vec![
            json!({ "type": 1, "components": [{ "type": 2, "style": 4, "custom_id": "confirm", "label": "Confirm" }] }),
            json!({ "type": 1, "components": [{ "type": 3, "custom_id": "pick", "options": [
                { "label": "Spam", "value": "spam" }, { "label": "Abuse", "value": "abuse" }
            ] }] }),
        ],
        timestamp: now_timestamp(),
        ..MessageDraft::default()
    };
    for draft in [user_message, bot_message] {
        state.messages.insert(
            draft.id,
            StoredMessage {
                id: draft.id,
                channel_id: CHANNEL,
                ephemeral: false,
                json: models::message(&draft),
            },
        );
    }
    state
}

/// Registers `commands` globally as Discord would echo them.
pub fn register_global_commands(state: &mut State, commands: Value) {
    for (index, command) in commands.as_array().into_iter().flatten().enumerate() {
        let id = 7000 + index as u64;
        let registered = models::registered_command(command, id, APPLICATION, None, 1);
        state.global_commands.push(registered);
    }
}
