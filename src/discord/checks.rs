//! Who may use which command or component. Discord hides `/mod` from members without Moderate
//! Members (`default_member_permissions`), but admins can change that per role, so every handler
//! checks again at run time: a configured mod role, or the Discord permission the action needs.

use crate::discord::context::{CommandError, Context};
use crate::domain::permissions::{self, Permission};
use crate::store::settings::GuildSettings;

/// What the commands and components that are not a moderation action need. Moderation actions
/// declare theirs once, on `ModAction::required_permission`.
pub mod needs {
    use crate::domain::permissions::Permission;

    pub const CASES: Permission = Permission::ModerateMembers;
    pub const HISTORY: Permission = Permission::ModerateMembers;
    pub const NOTES: Permission = Permission::ModerateMembers;
    pub const FLAGS: Permission = Permission::ModerateMembers;
    pub const PANEL: Permission = Permission::ModerateMembers;
    pub const EVIDENCE: Permission = Permission::ModerateMembers;
    /// Gavel's settings: admins only, a mod role is not enough.
    pub const CONFIG: Permission = Permission::ManageGuild;
}

/// The rule itself, on what Discord tells us about the invoker.
pub fn allowed(
    member_permissions: u64,
    member_roles: &[u64],
    settings: &GuildSettings,
    needed: Permission,
) -> Result<(), String> {
    let has = |bit: u64| member_permissions & (bit | permissions::ADMINISTRATOR) != 0;
    if has(needed.bit()) {
        return Ok(());
    }
    if needed == Permission::ManageGuild {
        return Err("Only server admins (Manage Server) can change Gavel's settings.".into());
    }
    if member_roles
        .iter()
        .any(|r| settings.mod_role_ids.contains(r))
    {
        return Ok(());
    }
    Err(format!(
        "You need the {} permission or a moderator role to do this.",
        needed.name()
    ))
}

/// Discord's bulk ban needs Manage Server as well as Ban Members, so a mass ban asks both of
/// the moderator (Administrator has both); a moderator role stands in for neither here.
pub fn bulk_ban_allowed(member_permissions: u64) -> Result<(), String> {
    let needed = permissions::BAN_MEMBERS | permissions::MANAGE_GUILD;
    if member_permissions & permissions::ADMINISTRATOR != 0 || member_permissions & needed == needed
    {
        return Ok(());
    }
    Err("A mass ban needs both the Ban Members and Manage Server permissions (Discord requires both for bulk bans).".into())
}

/// [`require`] for a mass ban: Ban Members and Manage Server, then acknowledges.
pub async fn require_bulk_ban(ctx: Context<'_>) -> Result<u64, CommandError> {
    let guild_id = check(ctx, Permission::BanMembers).await?;
    let perms = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .map_or(0, |p| p.bits()),
        poise::Context::Prefix(_) => 0,
    };
    bulk_ban_allowed(perms).map_err(CommandError::Refused)?;
    ctx.defer_ephemeral().await?;
    Ok(guild_id)
}

/// Checks the invoker of a slash command and acknowledges it; returns the guild id.
pub async fn require(ctx: Context<'_>, needed: Permission) -> Result<u64, CommandError> {
    let guild_id = check(ctx, needed).await?;
    // Acknowledge now: an action may take several Discord calls, more than the 3 seconds
    // Discord waits for an answer. The reply then replaces this "thinking" state.
    ctx.defer_ephemeral().await?;
    Ok(guild_id)
}

/// Checks the invoker without acknowledging, for commands that answer with a modal.
pub async fn check(ctx: Context<'_>, needed: Permission) -> Result<u64, CommandError> {
    let guild_id = ctx
        .guild_id()
        .ok_or_else(|| CommandError::refused("Gavel's commands only work inside a server."))?
        .get();
    let (perms, roles) = match ctx {
        poise::Context::Application(app) => {
            let member = app.interaction.member.as_ref().ok_or_else(|| {
                CommandError::refused("Gavel's commands only work inside a server.")
            })?;
            (
                member.permissions.map_or(0, |p| p.bits()),
                member.roles.iter().map(|r| r.get()).collect::<Vec<_>>(),
            )
        }
        poise::Context::Prefix(_) => {
            return Err(CommandError::refused("Use Gavel's slash commands."));
        }
    };
    let settings = ctx.data().services.settings.get(guild_id).await?;
    allowed(perms, &roles, &settings, needed).map_err(CommandError::Refused)?;
    Ok(guild_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mass_ban_needs_ban_members_and_manage_server() {
        use permissions::{ADMINISTRATOR, BAN_MEMBERS, MANAGE_GUILD};
        assert!(bulk_ban_allowed(BAN_MEMBERS | MANAGE_GUILD).is_ok());
        assert!(bulk_ban_allowed(ADMINISTRATOR).is_ok());
        let refused = bulk_ban_allowed(BAN_MEMBERS).unwrap_err();
        assert!(refused.contains("Manage Server"), "{refused}");
        assert!(bulk_ban_allowed(MANAGE_GUILD).is_err());
    }

    #[test]
    fn permission_or_mod_role_admits_and_config_needs_manage_server() {
        let mut settings = GuildSettings::defaults(1);
        settings.mod_role_ids = vec![42];
        assert!(allowed(
            permissions::BAN_MEMBERS,
            &[],
            &settings,
            Permission::BanMembers
        )
        .is_ok());
        assert!(allowed(
            permissions::ADMINISTRATOR,
            &[],
            &settings,
            Permission::ManageGuild
        )
        .is_ok());
        assert!(allowed(0, &[42], &settings, Permission::BanMembers).is_ok());
        let err = allowed(0, &[7], &settings, Permission::KickMembers).unwrap_err();
        assert!(err.contains("Kick Members"), "{err}");
        assert!(allowed(0, &[42], &settings, Permission::ManageGuild).is_err());
        assert!(allowed(
            permissions::KICK_MEMBERS,
            &[],
            &settings,
            Permission::BanMembers
        )
        .is_err());
    }
}
