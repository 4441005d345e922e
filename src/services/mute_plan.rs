//! How a mute is applied: which role, refused before any case exists when that role is unset,
//! gone, or above Gavel's. Moderators' mutes and escalations' mute steps share it.

use super::case_flow::{ActionPlan, DmTiming, Effect};
use crate::domain::{ModAction, MuteType};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::settings::GuildSettings;
use std::time::Duration;

/// The mute role an escalation's mute step hands out: the full mute (`mute_role_both`) when
/// one is set, else the text mute, else the voice mute.
pub(crate) fn escalation_mute_type(settings: &GuildSettings) -> Option<MuteType> {
    [MuteType::Both, MuteType::Text, MuteType::Voice]
        .into_iter()
        .find(|t| settings.mute_role(*t).is_some())
}

/// A mute with the guild's `mute_type` role, refused before any case exists when that role is
/// unset, gone, or above Gavel's highest role. Moderators' mutes and escalations both use it.
pub(crate) async fn mute_plan(
    port: &dyn DiscordPort,
    settings: &GuildSettings,
    guild_id: u64,
    mute_type: MuteType,
    duration: Option<Duration>,
) -> GavelResult<ActionPlan> {
    let setting = format!("mute_role_{}", mute_type.as_str().to_lowercase());
    let role_id = settings.mute_role(mute_type).ok_or_else(|| {
        GavelError::invalid(format!(
            "No {} mute role is set; an admin can set one with /mod config set {setting} @role.",
            mute_type.as_str().to_lowercase()
        ))
    })?;
    check_role_is_usable(port, guild_id, role_id, &setting).await?;
    Ok(ActionPlan {
        action: ModAction::Mute,
        duration,
        target_must_be_member: true,
        dm: DmTiming::After,
        effect: Effect::AddMuteRole { role_id, mute_type },
    })
}

/// A mute role that is gone, or that Gavel cannot hand out, fails before any case exists.
async fn check_role_is_usable(
    port: &dyn DiscordPort,
    guild_id: u64,
    role_id: u64,
    setting: &str,
) -> GavelResult<()> {
    let guild = port.guild(guild_id).await?;
    let Some(role) = guild.role(role_id) else {
        return Err(GavelError::invalid(format!(
            "The mute role set in {setting} no longer exists; set a new one with /mod config set {setting} @role."
        )));
    };
    let bot_top = match port.member(guild_id, port.bot_user_id()).await? {
        Some(bot) => guild.top_position(&bot),
        None => 0,
    };
    if role.position >= bot_top {
        return Err(GavelError::invalid(format!(
            "The mute role @{} is at or above Gavel's highest role, so Gavel cannot assign it; move Gavel's role above it.",
            role.name
        )));
    }
    Ok(())
}
