//! Everything the double knows: users, guilds, channels, messages, commands, interactions, the
//! request log and the gateway sessions. One `State` behind a mutex; never held across an await.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::errors::ApiError;
use super::gateway::GatewayState;
use super::permissions;
use crate::recorded::RecordedRequest;

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

pub struct State {
    pub bot: Option<BotIdentity>,
    pub users: BTreeMap<u64, UserRecord>,
    pub guilds: BTreeMap<u64, GuildRecord>,
    pub channels: BTreeMap<u64, ChannelRecord>,
    pub dm_channel_of_user: BTreeMap<u64, u64>,
    pub messages: BTreeMap<u64, StoredMessage>,
    pub global_commands: Vec<Value>,
    pub guild_commands: BTreeMap<u64, Vec<Value>>,
    /// Server Settings → Integrations overrides: (guild, command name) -> role, user or
    /// @everyone (the guild id) -> allowed.
    pub command_overrides: BTreeMap<(u64, String), BTreeMap<u64, bool>>,
    pub interactions: BTreeMap<u64, InteractionRecord>,
    pub requests: Vec<RecordedRequest>,
    pub unrouted_requests: Vec<RecordedRequest>,
    pub failures: Vec<FailureRule>,
    pub response_delays: Vec<ResponseDelay>,
    pub gateway: GatewayState,
    /// How long Discord waits for the first interaction callback before the token dies.
    pub interaction_ack_deadline: Option<Duration>,
    /// Files the fake CDN serves under `/cdn/<path>`: path -> (content type, bytes).
    pub cdn_files: BTreeMap<String, (String, Vec<u8>)>,
    /// `http://127.0.0.1:PORT/cdn`, where attachments given with content are served.
    pub cdn_base: String,
    last_snowflake: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct BotIdentity {
    pub user_id: u64,
    pub application_id: u64,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    pub dms_open: bool,
}

#[derive(Debug, Clone)]
pub struct RoleRecord {
    pub id: u64,
    pub name: String,
    pub position: u16,
    pub permissions: u64,
}

#[derive(Debug, Clone)]
pub struct MemberRecord {
    pub user_id: u64,
    pub roles: Vec<u64>,
    pub nick: Option<String>,
    pub joined_at: String,
    pub communication_disabled_until: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GuildRecord {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub roles: BTreeMap<u64, RoleRecord>,
    pub members: BTreeMap<u64, MemberRecord>,
    /// Banned user id -> ban reason.
    pub bans: BTreeMap<u64, Option<String>>,
    pub channel_ids: Vec<u64>,
    pub audit_log: Vec<Value>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub enum ChannelKind {
    GuildText {
        guild_id: u64,
        name: String,
        position: u16,
        permission_overwrites: Vec<PermissionOverwrite>,
    },
    /// A thread in a text channel; it has no overwrites of its own, its parent's apply. A
    /// private thread is seen only by its members and by those who may manage threads.
    Thread {
        guild_id: u64,
        parent_id: u64,
        name: String,
        owner_id: u64,
        private: bool,
        members: Vec<u64>,
        created_at: String,
    },
    Direct {
        recipient: u64,
    },
}

/// Who a channel permission overwrite applies to: a role (the guild id is @everyone) or a
/// member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverwriteTarget {
    Role(u64),
    Member(u64),
}

impl OverwriteTarget {
    pub fn id(self) -> u64 {
        match self {
            OverwriteTarget::Role(id) | OverwriteTarget::Member(id) => id,
        }
    }

    /// Discord's overwrite `type`: 0 role, 1 member.
    pub fn kind(self) -> u8 {
        match self {
            OverwriteTarget::Role(_) => 0,
            OverwriteTarget::Member(_) => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionOverwrite {
    pub target: OverwriteTarget,
    pub allow: u64,
    pub deny: u64,
}

#[derive(Debug, Clone)]
pub struct ChannelRecord {
    pub id: u64,
    pub kind: ChannelKind,
}

impl ChannelRecord {
    pub fn guild_id(&self) -> Option<u64> {
        match self.kind {
            ChannelKind::GuildText { guild_id, .. } | ChannelKind::Thread { guild_id, .. } => {
                Some(guild_id)
            }
            ChannelKind::Direct { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    /// Ephemeral interaction responses exist only for the invoker: not in channel listings.
    pub ephemeral: bool,
    pub json: Value,
}

#[derive(Debug, Clone)]
pub struct InteractionRecord {
    pub id: u64,
    pub token: String,
    /// Discord interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit.
    pub kind: u8,
    pub guild_id: u64,
    pub channel_id: u64,
    pub invoker: u64,
    /// For component interactions (and modals opened from one): the message they belong to.
    pub source_message_id: Option<u64>,
    pub created_at: Instant,
    pub callback: Option<CallbackRecord>,
    /// Why a callback attempt was refused (validation error, expired token), for `reply()`.
    pub callback_failure: Option<String>,
    pub original_message_id: Option<u64>,
    /// A type 5 callback whose "thinking" message has not been replaced yet.
    pub deferred_pending: bool,
    pub followup_ids: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct CallbackRecord {
    pub kind: u8,
    pub data: Value,
}

#[derive(Debug, Clone)]
pub struct FailureRule {
    pub method: String,
    pub path_contains: String,
    pub error: ApiError,
    /// `None` fails every matching request until cleared.
    pub remaining: Option<usize>,
}

impl FailureRule {
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && path.contains(&self.path_contains)
    }
}

/// Requests matching this wait `delay` before Discord processes and answers them.
#[derive(Debug, Clone)]
pub struct ResponseDelay {
    pub method: String,
    pub path_contains: String,
    pub delay: Duration,
}

impl ResponseDelay {
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && path.contains(&self.path_contains)
    }
}

impl State {
    pub fn new() -> Self {
        Self {
            bot: None,
            users: BTreeMap::new(),
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            dm_channel_of_user: BTreeMap::new(),
            messages: BTreeMap::new(),
            global_commands: Vec::new(),
            guild_commands: BTreeMap::new(),
            command_overrides: BTreeMap::new(),
            interactions: BTreeMap::new(),
            requests: Vec::new(),
            unrouted_requests: Vec::new(),
            failures: Vec::new(),
            response_delays: Vec::new(),
            gateway: GatewayState::default(),
            interaction_ack_deadline: Some(Duration::from_secs(3)),
            cdn_files: BTreeMap::new(),
            cdn_base: String::new(),
            last_snowflake: 0,
        }
    }

    /// A fresh snowflake: time-based like Discord's, strictly increasing.
    pub fn next_id(&mut self) -> u64 {
        let now_ms = chrono::Utc::now().timestamp_millis() as u64;
        let candidate = (now_ms.saturating_sub(DISCORD_EPOCH_MS as u64)) << 22;
        self.last_snowflake = candidate.max(self.last_snowflake + 1);
        self.last_snowflake
    }

    /// A fresh snowflake made at `at` (in the past: old messages a test seeds).
    pub fn id_at(&mut self, at: chrono::DateTime<chrono::Utc>) -> u64 {
        let ms = (at.timestamp_millis() - DISCORD_EPOCH_MS).max(0) as u64;
        let mut id = ms << 22;
        while self.messages.contains_key(&id) {
            id += 1;
        }
        id
    }

    pub fn bot(&self) -> Result<BotIdentity, ApiError> {
        self.bot.ok_or_else(ApiError::unauthorized)
    }

    pub fn bot_identity(&self) -> BotIdentity {
        self.bot
            .expect("DiscordDouble: call set_bot(user_id, application_id) before using the bot")
    }

    pub fn user(&self, id: u64) -> Result<&UserRecord, ApiError> {
        self.users.get(&id).ok_or_else(ApiError::unknown_user)
    }

    pub fn guild(&self, id: u64) -> Result<&GuildRecord, ApiError> {
        self.guilds.get(&id).ok_or_else(ApiError::unknown_guild)
    }

    pub fn guild_mut(&mut self, id: u64) -> Result<&mut GuildRecord, ApiError> {
        self.guilds.get_mut(&id).ok_or_else(ApiError::unknown_guild)
    }

    pub fn channel(&self, id: u64) -> Result<&ChannelRecord, ApiError> {
        self.channels.get(&id).ok_or_else(ApiError::unknown_channel)
    }

    /// The guild as the bot sees it: unknown guild 404, bot not in it 403 Missing Access.
    pub fn guild_for_bot(&self, guild_id: u64) -> Result<(&GuildRecord, u64), ApiError> {
        let bot = self.bot()?;
        let guild = self.guild(guild_id)?;
        if !guild.members.contains_key(&bot.user_id) {
            return Err(ApiError::missing_access());
        }
        Ok((guild, bot.user_id))
    }

    /// Fails with 50013 unless the bot holds all of `required` in the guild.
    pub fn require_bot_permissions(&self, guild_id: u64, required: u64) -> Result<(), ApiError> {
        let (guild, bot) = self.guild_for_bot(guild_id)?;
        if guild.permissions_of(bot) & required == required {
            Ok(())
        } else {
            Err(ApiError::missing_permissions())
        }
    }

    /// What a member may do in a guild channel, by Discord's algorithm: guild permissions;
    /// administrators (and the owner) hold everything; otherwise the @everyone overwrite, then
    /// the overwrites of the member's roles (all denies, then all allows), then the member's
    /// own. A thread takes its parent's overwrites, and a private thread is invisible to
    /// anyone who is neither in it nor may manage threads. Without VIEW_CHANNEL nothing else
    /// in the channel counts. 0 for DMs and non-members.
    pub fn channel_permissions(&self, channel: &ChannelRecord, user_id: u64) -> u64 {
        let Some(guild) = channel
            .guild_id()
            .and_then(|guild_id| self.guilds.get(&guild_id))
        else {
            return 0;
        };
        let (overwrites_of, private_members) = match &channel.kind {
            ChannelKind::Thread {
                parent_id,
                private,
                members,
                ..
            } => (*parent_id, private.then_some(members)),
            _ => (channel.id, None),
        };
        let overwrites = match self.channels.get(&overwrites_of).map(|parent| &parent.kind) {
            Some(ChannelKind::GuildText {
                permission_overwrites,
                ..
            }) => permission_overwrites.as_slice(),
            _ => &[],
        };
        let mut bits = guild.permissions_in(user_id, overwrites);
        if let Some(members) = private_members {
            if bits & permissions::MANAGE_THREADS == 0 && !members.contains(&user_id) {
                bits = 0;
            }
        }
        if bits & permissions::VIEW_CHANNEL == 0 {
            0
        } else {
            bits
        }
    }

    /// Fails unless the bot can see the channel (403 Missing Access, as for a channel hidden
    /// from it or in a guild it is not in) and holds all of `required` there (403 Missing
    /// Permissions). DMs pass.
    pub fn require_bot_channel_permissions(
        &self,
        channel: &ChannelRecord,
        required: u64,
    ) -> Result<(), ApiError> {
        let Some(guild_id) = channel.guild_id() else {
            return Ok(());
        };
        let (_, bot) = self.guild_for_bot(guild_id)?;
        let bits = self.channel_permissions(channel, bot);
        if bits & permissions::VIEW_CHANNEL == 0 {
            Err(ApiError::missing_access())
        } else if bits & required != required {
            Err(ApiError::missing_permissions())
        } else {
            Ok(())
        }
    }

    /// The guild's commands if it has any registered, then the global ones.
    pub fn commands_visible_in(&self, guild_id: u64) -> Vec<Value> {
        let mut commands = self
            .guild_commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default();
        commands.extend(self.global_commands.iter().cloned());
        commands
    }

    pub fn interaction_by_token(&self, token: &str) -> Option<&InteractionRecord> {
        self.interactions
            .values()
            .find(|interaction| interaction.token == token)
    }

    pub fn message_json(&self, id: u64) -> Option<Value> {
        self.messages.get(&id).map(|message| message.json.clone())
    }
}

impl GuildRecord {
    pub fn new(id: u64, owner_id: u64, name: &str) -> Self {
        let everyone = RoleRecord {
            id,
            name: "@everyone".to_string(),
            position: 0,
            permissions: permissions::EVERYONE_DEFAULT,
        };
        Self {
            id,
            name: name.to_string(),
            owner_id,
            roles: BTreeMap::from([(id, everyone)]),
            members: BTreeMap::new(),
            bans: BTreeMap::new(),
            channel_ids: Vec::new(),
            audit_log: Vec::new(),
            created_at: now_timestamp(),
        }
    }

    /// Guild-wide permissions: @everyone plus the member's roles; owner and administrators
    /// hold everything; non-members hold nothing.
    pub fn permissions_of(&self, user_id: u64) -> u64 {
        if user_id == self.owner_id {
            return permissions::ALL;
        }
        let Some(member) = self.members.get(&user_id) else {
            return 0;
        };
        let everyone = self.roles.get(&self.id).map_or(0, |role| role.permissions);
        let bits = member
            .roles
            .iter()
            .filter_map(|role_id| self.roles.get(role_id))
            .fold(everyone, |bits, role| bits | role.permissions);
        if bits & permissions::ADMINISTRATOR != 0 {
            permissions::ALL
        } else {
            bits
        }
    }

    /// [`Self::permissions_of`] with a channel's overwrites applied (see
    /// [`State::channel_permissions`]).
    pub fn permissions_in(&self, user_id: u64, overwrites: &[PermissionOverwrite]) -> u64 {
        let base = self.permissions_of(user_id);
        if base & permissions::ADMINISTRATOR != 0 {
            return base;
        }
        let Some(member) = self.members.get(&user_id) else {
            return 0;
        };
        let find = |target: OverwriteTarget| overwrites.iter().find(|o| o.target == target);
        let mut bits = base;
        if let Some(everyone) = find(OverwriteTarget::Role(self.id)) {
            bits = bits & !everyone.deny | everyone.allow;
        }
        let (allow, deny) = member
            .roles
            .iter()
            .filter_map(|role| find(OverwriteTarget::Role(*role)))
            .fold((0, 0), |(allow, deny), o| (allow | o.allow, deny | o.deny));
        bits = bits & !deny | allow;
        if let Some(own) = find(OverwriteTarget::Member(user_id)) {
            bits = bits & !own.deny | own.allow;
        }
        bits
    }

    /// Position of the member's highest role; 0 when they only have @everyone.
    pub fn highest_position(&self, user_id: u64) -> u16 {
        self.members
            .get(&user_id)
            .map(|member| {
                member
                    .roles
                    .iter()
                    .filter_map(|role_id| self.roles.get(role_id))
                    .map(|role| role.position)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }

    /// Discord's role hierarchy: nobody outranks the owner, the owner outranks everyone, and
    /// otherwise the actor's highest role must be strictly above the target's.
    pub fn outranks(&self, actor: u64, target: u64) -> bool {
        if target == self.owner_id {
            return false;
        }
        actor == self.owner_id || self.highest_position(actor) > self.highest_position(target)
    }

    /// Whether `actor` may grant or remove `role`: it must sit strictly below their highest role.
    pub fn can_manage_role(&self, actor: u64, role: &RoleRecord) -> bool {
        actor == self.owner_id || role.position < self.highest_position(actor)
    }
}

/// Now, in the RFC 3339 form Discord uses (`2024-01-01T00:00:00.000000+00:00`).
pub fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{seeded_state, BOT, CHANNEL, GUILD, MEMBER, MOD_ROLE, OWNER};
    use crate::permissions::{
        ADMINISTRATOR, MANAGE_THREADS, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL,
    };

    const THREAD: u64 = 61;
    const OTHER_ROLE: u64 = 42;

    fn overwrite(state: &mut State, target: OverwriteTarget, allow: u64, deny: u64) {
        let ChannelKind::GuildText {
            permission_overwrites,
            ..
        } = &mut state.channels.get_mut(&CHANNEL).unwrap().kind
        else {
            unreachable!()
        };
        permission_overwrites.retain(|o| o.target != target);
        permission_overwrites.push(PermissionOverwrite {
            target,
            allow,
            deny,
        });
    }

    fn in_channel(state: &State, channel: u64, user: u64) -> u64 {
        state.channel_permissions(&state.channels[&channel], user)
    }

    #[test]
    fn overwrites_apply_everyone_then_roles_then_the_member() {
        let mut state = seeded_state();
        let guild = state.guilds.get_mut(&GUILD).unwrap();
        guild.roles.insert(
            OTHER_ROLE,
            RoleRecord {
                id: OTHER_ROLE,
                name: "other".into(),
                position: 1,
                permissions: 0,
            },
        );
        guild.members.get_mut(&MEMBER).unwrap().roles = vec![MOD_ROLE, OTHER_ROLE];
        let everyone_can = |state: &State, user, bit| in_channel(state, CHANNEL, user) & bit != 0;
        assert!(everyone_can(&state, MEMBER, READ_MESSAGE_HISTORY));

        overwrite(&mut state, OverwriteTarget::Role(GUILD), 0, VIEW_CHANNEL);
        assert_eq!(
            in_channel(&state, CHANNEL, MEMBER),
            0,
            "hidden: nothing counts"
        );
        assert_ne!(
            in_channel(&state, CHANNEL, OWNER),
            0,
            "the owner sees everything"
        );

        // One role allows what another denies: the allow wins.
        overwrite(
            &mut state,
            OverwriteTarget::Role(MOD_ROLE),
            0,
            SEND_MESSAGES,
        );
        overwrite(
            &mut state,
            OverwriteTarget::Role(OTHER_ROLE),
            VIEW_CHANNEL | SEND_MESSAGES,
            0,
        );
        assert!(everyone_can(&state, MEMBER, VIEW_CHANNEL | SEND_MESSAGES));

        // The member's own overwrite comes last.
        overwrite(
            &mut state,
            OverwriteTarget::Member(MEMBER),
            0,
            READ_MESSAGE_HISTORY,
        );
        let bits = in_channel(&state, CHANNEL, MEMBER);
        assert!(bits & VIEW_CHANNEL != 0 && bits & READ_MESSAGE_HISTORY == 0);

        // Administrators ignore overwrites.
        overwrite(&mut state, OverwriteTarget::Member(MEMBER), 0, VIEW_CHANNEL);
        assert_eq!(in_channel(&state, CHANNEL, MEMBER), 0);
        let guild = state.guilds.get_mut(&GUILD).unwrap();
        guild.roles.get_mut(&OTHER_ROLE).unwrap().permissions = ADMINISTRATOR;
        assert_eq!(in_channel(&state, CHANNEL, MEMBER), permissions::ALL);
    }

    #[test]
    fn threads_follow_their_parent_and_private_ones_need_membership_or_manage_threads() {
        let mut state = seeded_state();
        let thread = |private, members: Vec<u64>| ChannelRecord {
            id: THREAD,
            kind: ChannelKind::Thread {
                guild_id: GUILD,
                parent_id: CHANNEL,
                name: "thread".into(),
                owner_id: OWNER,
                private,
                members,
                created_at: now_timestamp(),
            },
        };
        state.channels.insert(THREAD, thread(false, vec![OWNER]));
        assert_ne!(in_channel(&state, THREAD, MEMBER) & VIEW_CHANNEL, 0);
        overwrite(&mut state, OverwriteTarget::Member(MEMBER), 0, VIEW_CHANNEL);
        assert_eq!(in_channel(&state, THREAD, MEMBER), 0, "the parent hides it");

        state.channels.insert(THREAD, thread(true, vec![OWNER]));
        assert_eq!(in_channel(&state, THREAD, BOT), 0, "not a member");
        state
            .channels
            .insert(THREAD, thread(true, vec![OWNER, BOT]));
        assert_ne!(in_channel(&state, THREAD, BOT), 0, "a member");
        state.channels.insert(THREAD, thread(true, vec![OWNER]));
        let guild = state.guilds.get_mut(&GUILD).unwrap();
        guild.roles.get_mut(&MOD_ROLE).unwrap().permissions |= MANAGE_THREADS;
        assert_ne!(in_channel(&state, THREAD, BOT), 0, "may manage threads");
    }
}
