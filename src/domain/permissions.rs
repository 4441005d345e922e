//! Discord's permission bits, and the permissions Gavel asks of a moderator.

pub const KICK_MEMBERS: u64 = 1 << 1;
pub const BAN_MEMBERS: u64 = 1 << 2;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const MANAGE_MESSAGES: u64 = 1 << 13;
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
    ManageMessages,
}

impl Permission {
    pub fn bit(self) -> u64 {
        match self {
            Permission::BanMembers => BAN_MEMBERS,
            Permission::KickMembers => KICK_MEMBERS,
            Permission::ModerateMembers => MODERATE_MEMBERS,
            Permission::ManageGuild => MANAGE_GUILD,
            Permission::ManageMessages => MANAGE_MESSAGES,
        }
    }

    /// As Discord's server settings name it.
    pub fn name(self) -> &'static str {
        match self {
            Permission::BanMembers => "Ban Members",
            Permission::KickMembers => "Kick Members",
            Permission::ModerateMembers => "Moderate Members",
            Permission::ManageGuild => "Manage Server",
            Permission::ManageMessages => "Manage Messages",
        }
    }
}

/// Whom a channel permission overwrite applies to: a role (the guild's id is @everyone's) or
/// one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverwriteTarget {
    Role(u64),
    Member(u64),
}

/// Bits a channel allows or denies on top of guild permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overwrite {
    pub target: OverwriteTarget,
    pub allow: u64,
    pub deny: u64,
}

/// A member's permissions in a channel, by Discord's algorithm: `guild_permissions` (everything
/// for administrators and the owner, who ignore overwrites), then the @everyone overwrite, then
/// the member's roles' overwrites (their denies, then their allows), then the member's own.
/// Without VIEW_CHANNEL nothing else in the channel counts.
pub fn in_channel(
    guild_permissions: u64,
    guild_id: u64,
    user_id: u64,
    role_ids: &[u64],
    overwrites: &[Overwrite],
) -> u64 {
    if guild_permissions & ADMINISTRATOR != 0 {
        return guild_permissions;
    }
    let find = |target| overwrites.iter().find(|o| o.target == target);
    let apply = |bits: u64, allow: u64, deny: u64| bits & !deny | allow;
    let mut bits = guild_permissions;
    if let Some(everyone) = find(OverwriteTarget::Role(guild_id)) {
        bits = apply(bits, everyone.allow, everyone.deny);
    }
    let (allow, deny) = role_ids
        .iter()
        .filter(|id| **id != guild_id)
        .filter_map(|id| find(OverwriteTarget::Role(*id)))
        .fold((0, 0), |(allow, deny), o| (allow | o.allow, deny | o.deny));
    bits = apply(bits, allow, deny);
    if let Some(own) = find(OverwriteTarget::Member(user_id)) {
        bits = apply(bits, own.allow, own.deny);
    }
    if bits & VIEW_CHANNEL == 0 {
        0
    } else {
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 1;
    const USER: u64 = 2;
    const MOD: u64 = 3;
    const HELPER: u64 = 4;
    const BASE: u64 = VIEW_CHANNEL | READ_MESSAGE_HISTORY | MODERATE_MEMBERS;

    fn role(id: u64, allow: u64, deny: u64) -> Overwrite {
        Overwrite {
            target: OverwriteTarget::Role(id),
            allow,
            deny,
        }
    }

    fn member(allow: u64, deny: u64) -> Overwrite {
        Overwrite {
            target: OverwriteTarget::Member(USER),
            allow,
            deny,
        }
    }

    fn perms(overwrites: &[Overwrite]) -> u64 {
        in_channel(BASE, GUILD, USER, &[MOD, HELPER], overwrites)
    }

    #[test]
    fn no_overwrites_leave_guild_permissions() {
        assert_eq!(perms(&[]), BASE);
        assert_eq!(
            perms(&[role(99, 0, VIEW_CHANNEL)]),
            BASE,
            "a role they lack"
        );
    }

    #[test]
    fn everyone_then_roles_then_the_member() {
        let hidden = role(GUILD, 0, VIEW_CHANNEL);
        assert_eq!(perms(&[hidden]), 0, "no view, nothing at all");
        let for_mods = role(MOD, VIEW_CHANNEL, 0);
        assert_eq!(perms(&[hidden, for_mods]), BASE);
        // One role denies what another allows: allows win.
        let no_history = role(HELPER, 0, READ_MESSAGE_HISTORY);
        assert_eq!(perms(&[no_history]), BASE & !READ_MESSAGE_HISTORY);
        let history = role(MOD, READ_MESSAGE_HISTORY, 0);
        assert_eq!(perms(&[no_history, history]), BASE);
        // The member's own overwrite has the last word.
        assert_eq!(
            perms(&[hidden, for_mods, member(0, VIEW_CHANNEL)]),
            0,
            "denied for them alone"
        );
        assert_eq!(
            perms(&[hidden, member(VIEW_CHANNEL, 0)]),
            BASE,
            "allowed for them alone"
        );
    }

    #[test]
    fn administrators_ignore_overwrites() {
        let admin = u64::MAX;
        let hidden = [role(GUILD, 0, VIEW_CHANNEL), member(0, VIEW_CHANNEL)];
        assert_eq!(in_channel(admin, GUILD, USER, &[MOD], &hidden), admin);
        let with_admin_bit = BASE | ADMINISTRATOR;
        assert_eq!(
            in_channel(with_admin_bit, GUILD, USER, &[MOD], &hidden),
            with_admin_bit
        );
    }
}
