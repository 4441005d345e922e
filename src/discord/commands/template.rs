//! `/mod template add|list|delete`: case templates, the presets the panel's menu offers.

use super::common::{duration_option, reply, violation_autocomplete};
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::domain::duration::format_duration;
use crate::domain::ModAction;
use crate::services::templates::TemplateInput;
use std::time::Duration;

/// The actions a template can preset (a ban with a duration is a tempban).
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum TemplateAction {
    #[name = "warn"]
    Warn,
    #[name = "timeout"]
    Timeout,
    #[name = "mute"]
    Mute,
    #[name = "kick"]
    Kick,
    #[name = "softban"]
    Softban,
    #[name = "ban"]
    Ban,
}

impl TemplateAction {
    fn action(self, duration: Option<Duration>) -> ModAction {
        match self {
            TemplateAction::Warn => ModAction::Warn,
            TemplateAction::Timeout => ModAction::Timeout,
            TemplateAction::Mute => ModAction::Mute,
            TemplateAction::Kick => ModAction::Kick,
            TemplateAction::Softban => ModAction::Softban,
            TemplateAction::Ban if duration.is_some() => ModAction::Tempban,
            TemplateAction::Ban => ModAction::Ban,
        }
    }
}

/// Case templates for the panel.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "list", "delete"),
    subcommand_required
)]
pub async fn template(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Save a template.
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Template name"]
    #[max_length = 50]
    name: String,
    #[description = "Action"] action: TemplateAction,
    #[description = "Violation type"]
    #[autocomplete = "violation_autocomplete"]
    violation: Option<String>,
    #[description = "Reason"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "Duration: 30m, 1d, 2w"] duration: Option<String>,
    #[description = "Strike points"]
    #[min = 0]
    #[max = 100]
    points: Option<u8>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    let duration = duration_option(duration.as_deref())?;
    let template = ctx
        .data()
        .services
        .templates
        .save(
            guild_id,
            ctx.author().id.get(),
            TemplateInput {
                name: &name,
                action: action.action(duration),
                reason: reason.as_deref(),
                violation: violation.as_deref(),
                duration,
                points,
            },
        )
        .await?;
    reply(
        ctx,
        render::info_embed(
            format!("Template {} saved", template.name),
            describe(&template),
        ),
    )
    .await
}

/// List templates.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::PANEL).await?;
    let templates = ctx.data().services.templates.list(guild_id).await?;
    let body = if templates.is_empty() {
        "No templates yet; an admin adds them with /mod template add.".to_string()
    } else {
        let mut text = String::new();
        for template in &templates {
            let line = format!("**{}**: {}\n", template.name, describe(template));
            if text.len() + line.len() > 3900 {
                text.push_str("… more templates not shown");
                break;
            }
            text.push_str(&line);
        }
        text
    };
    reply(ctx, render::info_embed("Case templates", body)).await
}

/// Delete a template.
#[poise::command(slash_command, guild_only)]
pub async fn delete(
    ctx: Context<'_>,
    #[description = "Template name"]
    #[max_length = 50]
    name: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CONFIG).await?;
    ctx.data()
        .services
        .templates
        .delete(guild_id, ctx.author().id.get(), &name)
        .await?;
    reply(
        ctx,
        render::info_embed("Template deleted", format!("`{}` is gone.", name.trim())),
    )
    .await
}

fn describe(template: &crate::store::templates::CaseTemplate) -> String {
    let mut parts = vec![template.action.as_str().to_lowercase()];
    if let Some(secs) = template.duration_secs {
        parts.push(format_duration(Duration::from_secs(secs as u64)));
    }
    if let Some(violation) = &template.violation_type {
        match template.strike_points {
            Some(points) => parts.push(format!("{violation} ({points} strike points)")),
            None => parts.push(violation.clone()),
        }
    }
    if let Some(reason) = &template.reason {
        parts.push(format!(
            "\u{201c}{}\u{201d}",
            reason.chars().take(200).collect::<String>()
        ));
    }
    parts.join(" · ")
}
