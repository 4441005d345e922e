//! `/mod violation add|edit|disable|list`: this server's violation types, its own and its
//! overrides of the shipped defaults.

use super::common::{reply, violation_autocomplete};
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::domain::violation::{StrikeWeight, ViolationType};
use crate::services::settings::ViolationEdit;

/// This server's violation types.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "edit", "disable", "list"),
    subcommand_required
)]
pub async fn violation(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

fn weight(text: &str) -> Result<StrikeWeight, CommandError> {
    text.parse()
        .map_err(|e: String| CommandError::refused(format!("{e}.")))
}

/// Add a violation type.
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Key (a-z, 0-9, _)"]
    #[max_length = 32]
    key: String,
    #[description = "Label"]
    #[max_length = 50]
    label: String,
    #[description = "Points: 2 or 0-3"]
    #[max_length = 7]
    points: String,
    #[description = "What the user is told"]
    #[max_length = 500]
    message: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let added = ctx
        .data()
        .services
        .settings
        .add_violation_type(
            guild_id,
            ctx.author().id.get(),
            ViolationType {
                key: key.trim().to_lowercase(),
                label: label.trim().to_string(),
                message: message.trim().to_string(),
                strikes: weight(&points)?,
                disabled: false,
            },
        )
        .await?;
    reply(ctx, type_embed("Violation type added", &added)).await
}

/// Change a violation type.
#[poise::command(slash_command, guild_only)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "Violation type"]
    #[autocomplete = "violation_autocomplete"]
    key: String,
    #[description = "Label"]
    #[max_length = 50]
    label: Option<String>,
    #[description = "Points: 2 or 0-3"]
    #[max_length = 7]
    points: Option<String>,
    #[description = "What the user is told"]
    #[max_length = 500]
    message: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let edit = ViolationEdit {
        label: label.map(|l| l.trim().to_string()),
        strikes: points.as_deref().map(weight).transpose()?,
        message: message.map(|m| m.trim().to_string()),
    };
    let changed = ctx
        .data()
        .services
        .settings
        .edit_violation_type(guild_id, ctx.author().id.get(), &key, edit)
        .await?;
    reply(ctx, type_embed("Violation type changed", &changed)).await
}

/// Switch a violation type off.
#[poise::command(slash_command, guild_only)]
pub async fn disable(
    ctx: Context<'_>,
    #[description = "Violation type"]
    #[autocomplete = "violation_autocomplete"]
    key: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let disabled = ctx
        .data()
        .services
        .settings
        .disable_violation_type(guild_id, ctx.author().id.get(), &key)
        .await?;
    reply(
        ctx,
        render::info_embed(
            "Violation type disabled",
            format!(
                "`{}` ({}) can no longer be picked; past cases keep it. /mod violation add brings it back.",
                disabled.key, disabled.label
            ),
        ),
    )
    .await
}

/// List violation types.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::PANEL).await?;
    let settings = ctx.data().services.settings.get(guild_id).await?;
    let taxonomy = crate::services::settings::taxonomy_for(&settings);
    let mut text = String::new();
    for t in taxonomy.all() {
        let own = settings.violation_overrides.iter().any(|o| o.key == t.key);
        let line = format!(
            "`{}` {} · {} strike points{}\n",
            t.key,
            t.label,
            t.strikes,
            if own { " · this server's" } else { "" }
        );
        if text.len() + line.len() > 3900 {
            text.push_str("… more types not shown");
            break;
        }
        text.push_str(&line);
    }
    let disabled: Vec<&str> = settings
        .violation_overrides
        .iter()
        .filter(|o| o.disabled)
        .map(|o| o.key.as_str())
        .collect();
    if !disabled.is_empty() {
        text.push_str(&format!("Disabled: {}", disabled.join(", ")));
    }
    reply(ctx, render::info_embed("Violation types", text)).await
}

fn type_embed(title: &str, t: &ViolationType) -> serenity::all::CreateEmbed {
    render::info_embed(
        title,
        format!(
            "`{}` {} · {} strike points\nThe user is told: {}",
            t.key,
            t.label,
            t.strikes,
            if t.message.is_empty() {
                "(nothing more)"
            } else {
                &t.message
            }
        ),
    )
}
