//! `/mod` and its subcommands, one file per command. Handlers parse options, check who is
//! asking, call a service and render the result; the rules live in `services`.

mod ban;
mod case;
mod common;
mod config;
mod evidence;
mod flag;
mod history;
mod kick;
mod mute;
mod notes;
mod panel;
mod softban;
mod timeout;
mod unban;
mod unmute;
mod warn;

use crate::discord::context::{CommandError, Context, Data};

/// Every command Gavel registers.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![moderation(), evidence::capture_evidence()]
}

// Discord shows `/mod` to members with Moderate Members; admins can grant it to other roles
// under Server Settings → Integrations → Gavel. Each subcommand checks again at run time.
/// Moderation: actions, cases, history, notes, flags, panels, evidence and settings
#[poise::command(
    slash_command,
    rename = "mod",
    guild_only,
    default_member_permissions = "MODERATE_MEMBERS",
    subcommands(
        "ban::ban",
        "unban::unban",
        "softban::softban",
        "kick::kick",
        "warn::warn",
        "timeout::timeout",
        "mute::mute",
        "unmute::unmute",
        "case::case",
        "history::history",
        "notes::notes",
        "flag::flag",
        "panel::panel",
        "config::config",
        "evidence::evidence"
    ),
    subcommand_required
)]
pub async fn moderation(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}
