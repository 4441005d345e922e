//! Small pieces every command uses: option parsing, the action request, replies.

use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::domain::{parse_duration, ModActionResult};
use crate::services::ActionRequest;
use serenity::all::{AutocompleteChoice, CreateAutocompleteResponse, User};
use std::time::Duration;

pub fn duration_option(text: Option<&str>) -> Result<Option<Duration>, CommandError> {
    text.map(|t| parse_duration(t).map_err(|e| CommandError::refused(e.to_string())))
        .transpose()
}

pub fn request(
    guild_id: u64,
    ctx: Context<'_>,
    target: &User,
    reason: Option<String>,
    violation: Option<String>,
) -> ActionRequest {
    ActionRequest::new(guild_id, ctx.author().id.get(), target.id.get())
        .reason(reason)
        .violation(violation)
}

pub async fn reply_result(ctx: Context<'_>, result: &ModActionResult) -> Result<(), CommandError> {
    ctx.send(render::ephemeral(render::action_embed(result)))
        .await?;
    Ok(())
}

pub async fn reply(
    ctx: Context<'_>,
    embed: serenity::all::CreateEmbed,
) -> Result<(), CommandError> {
    ctx.send(render::ephemeral(embed)).await?;
    Ok(())
}

/// Offers the guild's violation types whose key or label contains what was typed.
pub async fn violation_autocomplete(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let Some(guild_id) = ctx.guild_id() else {
        return CreateAutocompleteResponse::new();
    };
    let Ok(taxonomy) = ctx.data().services.settings.taxonomy(guild_id.get()).await else {
        return CreateAutocompleteResponse::new();
    };
    let needle = partial.trim().to_lowercase();
    let choices = taxonomy
        .all()
        .iter()
        .filter(|t| {
            needle.is_empty() || t.key.contains(&needle) || t.label.to_lowercase().contains(&needle)
        })
        .take(25)
        .map(|t| {
            AutocompleteChoice::new(
                format!("{} ({} strikes)", t.label, t.strikes),
                t.key.clone(),
            )
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}
