//! Discord permission bits and the guild-level rules that combine them.

pub const KICK_MEMBERS: u64 = 1 << 1;
pub const BAN_MEMBERS: u64 = 1 << 2;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_CHANNELS: u64 = 1 << 4;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const ADD_REACTIONS: u64 = 1 << 6;
pub const VIEW_AUDIT_LOG: u64 = 1 << 7;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const MANAGE_MESSAGES: u64 = 1 << 13;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const ATTACH_FILES: u64 = 1 << 15;
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const MANAGE_NICKNAMES: u64 = 1 << 27;
pub const MANAGE_ROLES: u64 = 1 << 28;
pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
pub const MANAGE_THREADS: u64 = 1 << 34;
pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
pub const MODERATE_MEMBERS: u64 = 1 << 40;

/// Every permission bit Discord currently defines; what an owner or administrator holds.
pub const ALL: u64 = (1 << 51) - 1;

/// What a freshly created guild grants @everyone (a subset of Discord's defaults that matters
/// to a moderation bot: members can read and write in text channels and use commands).
pub const EVERYONE_DEFAULT: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS;

/// Gateway intent bits that decide which events a session receives.
pub mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_MODERATION: u64 = 1 << 2;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// Names of the bits, for error messages that tell a test author what was missing.
pub fn describe(bits: u64) -> String {
    const NAMES: [(u64, &str); 19] = [
        (KICK_MEMBERS, "KICK_MEMBERS"),
        (BAN_MEMBERS, "BAN_MEMBERS"),
        (ADMINISTRATOR, "ADMINISTRATOR"),
        (MANAGE_CHANNELS, "MANAGE_CHANNELS"),
        (MANAGE_GUILD, "MANAGE_GUILD"),
        (ADD_REACTIONS, "ADD_REACTIONS"),
        (VIEW_AUDIT_LOG, "VIEW_AUDIT_LOG"),
        (VIEW_CHANNEL, "VIEW_CHANNEL"),
        (SEND_MESSAGES, "SEND_MESSAGES"),
        (MANAGE_MESSAGES, "MANAGE_MESSAGES"),
        (EMBED_LINKS, "EMBED_LINKS"),
        (ATTACH_FILES, "ATTACH_FILES"),
        (READ_MESSAGE_HISTORY, "READ_MESSAGE_HISTORY"),
        (MANAGE_NICKNAMES, "MANAGE_NICKNAMES"),
        (MANAGE_ROLES, "MANAGE_ROLES"),
        (USE_APPLICATION_COMMANDS, "USE_APPLICATION_COMMANDS"),
        (MANAGE_THREADS, "MANAGE_THREADS"),
        (SEND_MESSAGES_IN_THREADS, "SEND_MESSAGES_IN_THREADS"),
        (MODERATE_MEMBERS, "MODERATE_MEMBERS"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        format!("{bits:#x}")
    } else {
        names.join(" | ")
    }
}
