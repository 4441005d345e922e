use super::common::{reply, violation_autocomplete};
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;

/// View and amend cases.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("view", "edit", "close", "reopen", "void"),
    subcommand_required
)]
pub async fn case(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Show a case.
#[poise::command(slash_command, guild_only)]
pub async fn view(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    number: i32,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    let case = ctx.data().services.cases.get(guild_id, number).await?;
    reply(ctx, render::case_embed(&case)).await
}

/// Change a case's reason or violation type.
#[poise::command(slash_command, guild_only)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    number: i32,
    #[description = "The new reason"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "The new violation type (its strike points follow)"]
    #[autocomplete = "violation_autocomplete"]
    violation: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    if reason.is_none() && violation.is_none() {
        return Err(CommandError::refused(
            "Give a new reason, a new violation type, or both.",
        ));
    }
    let cases = &ctx.data().services.cases;
    let actor = ctx.author().id.get();
    let mut case = cases.get(guild_id, number).await?;
    if let Some(reason) = &reason {
        case = cases.update_reason(guild_id, actor, number, reason).await?;
    }
    if let Some(violation) = &violation {
        case = cases
            .update_violation(guild_id, actor, number, violation, None)
            .await?;
    }
    reply(ctx, render::case_embed(&case)).await
}

/// Mark a case closed (dealt with).
#[poise::command(slash_command, guild_only)]
pub async fn close(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    number: i32,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    let case = ctx
        .data()
        .services
        .cases
        .close(guild_id, ctx.author().id.get(), number)
        .await?;
    reply(ctx, render::case_embed(&case)).await
}

/// Reopen a closed case.
#[poise::command(slash_command, guild_only)]
pub async fn reopen(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    number: i32,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    let case = ctx
        .data()
        .services
        .cases
        .reopen(guild_id, ctx.author().id.get(), number, reason.as_deref())
        .await?;
    reply(ctx, render::case_embed(&case)).await
}

/// Withdraw a case: it stays on record as void and its strikes stop counting.
#[poise::command(slash_command, guild_only)]
pub async fn void(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    number: i32,
    #[description = "Why the case is withdrawn"]
    #[max_length = 1000]
    reason: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    let case = ctx
        .data()
        .services
        .cases
        .void(guild_id, ctx.author().id.get(), number, &reason)
        .await?;
    reply(ctx, render::case_embed(&case)).await
}
