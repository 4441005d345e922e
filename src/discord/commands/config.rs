use super::common::reply;
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::store::settings::GuildSettings;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Setting {
    #[name = "mod_roles"]
    ModRoles,
    #[name = "log_channel"]
    LogChannel,
    #[name = "mute_role_text"]
    MuteRoleText,
    #[name = "mute_role_voice"]
    MuteRoleVoice,
    #[name = "mute_role_both"]
    MuteRoleBoth,
    #[name = "dm_on_action"]
    DmOnAction,
    #[name = "strike_expiry_days"]
    StrikeExpiryDays,
    #[name = "escalation"]
    Escalation,
}

/// Gavel's settings for this server (admins only).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("view", "set"),
    subcommand_required
)]
pub async fn config(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Show the current settings.
#[poise::command(slash_command, guild_only)]
pub async fn view(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let settings = ctx.data().services.settings.get(guild_id).await?;
    reply(ctx, settings_embed(&settings)).await
}

/// Change one setting.
#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[description = "Which setting"] setting: Setting,
    #[description = "The new value (`none` clears); see /mod config view for the forms"]
    #[max_length = 500]
    value: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let key = poise::ChoiceParameter::name(&setting);
    let settings = ctx
        .data()
        .services
        .settings
        .set(guild_id, ctx.author().id.get(), key, &value)
        .await?;
    reply(
        ctx,
        settings_embed(&settings).title(format!("Settings · {key} updated")),
    )
    .await
}

fn settings_embed(settings: &GuildSettings) -> serenity::all::CreateEmbed {
    let role = |id: Option<u64>| id.map_or("not set".to_string(), |id| format!("<@&{id}>"));
    let roles = if settings.mod_role_ids.is_empty() {
        "none (Discord permissions only)".to_string()
    } else {
        settings
            .mod_role_ids
            .iter()
            .map(|id| format!("<@&{id}>"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut log_channel = settings
        .log_channel_id
        .map_or("not set".to_string(), |id| format!("<#{id}>"));
    if let Some(problem) = &settings.log_channel_problem {
        log_channel.push_str(&format!(
            "\n⚠️ Gavel stopped posting there <t:{}:R>: {}. Set `log_channel` again to resume.",
            problem.since.timestamp(),
            problem.what
        ));
    }
    render::info_embed("Settings", "Change one with `/mod config set`.")
        .field("mod_roles", roles, false)
        .field(
            "log_channel",
            log_channel,
            settings.log_channel_problem.is_none(),
        )
        .field(
            "dm_on_action",
            if settings.dm_on_action { "on" } else { "off" },
            true,
        )
        .field(
            "strike_expiry_days",
            settings.strike_expiry_days.to_string(),
            true,
        )
        .field("mute_role_text", role(settings.mute_role_text), true)
        .field("mute_role_voice", role(settings.mute_role_voice), true)
        .field("mute_role_both", role(settings.mute_role_both), true)
        .field("escalation", settings.escalation.describe(), false)
}
