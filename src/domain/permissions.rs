//! Discord's permission bits, and the permissions Gavel asks of a moderator.

pub const KICK_MEMBERS: u64 = 1 << 1;
pub const BAN_MEMBERS: u64 = 1 << 2;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const MANAGE_ROLES: u64 = 1 << 28;
pub const MANAGE_THREADS: u64 = 1 << 34;
pub const MODERATE_MEMBERS: u64 = 1 << 40;

/// A Discord permission a moderator needs for something Gavel does. Administrator always has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    BanMembers,
    KickMembers,
    ModerateMembers,
    ManageGuild,
}

impl Permission {
    pub fn bit(self) -> u64 {
        match self {
            Permission::BanMembers => BAN_MEMBERS,
            Permission::KickMembers => KICK_MEMBERS,
            Permission::ModerateMembers => MODERATE_MEMBERS,
            Permission::ManageGuild => MANAGE_GUILD,
        }
    }

    /// As Discord's server settings name it.
    pub fn name(self) -> &'static str {
        match self {
            Permission::BanMembers => "Ban Members",
            Permission::KickMembers => "Kick Members",
            Permission::ModerateMembers => "Moderate Members",
            Permission::ManageGuild => "Manage Server",
        }
    }
}
