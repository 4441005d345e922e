use super::common::reply;
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;

/// Strike points on cases.
#[poise::command(slash_command, guild_only, subcommands("void"), subcommand_required)]
pub async fn strike(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Void a case's strikes; the case stands.
#[poise::command(slash_command, guild_only)]
pub async fn void(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
    #[description = "Why the strikes are voided"]
    #[max_length = 1000]
    reason: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::CASES).await?;
    let voided = ctx
        .data()
        .services
        .cases
        .void_strikes(guild_id, ctx.author().id.get(), case, &reason)
        .await?;
    let points: i32 = voided.strikes.iter().map(|s| s.points).sum();
    let count = voided.strikes.len();
    reply(
        ctx,
        render::info_embed(
            "Strikes voided",
            format!(
                "{count} strike{} ({points} point{}) of case #{case} voided; the case stands.",
                if count == 1 { "" } else { "s" },
                if points == 1 { "" } else { "s" },
            ),
        )
        .field(
            "Standing",
            format!(
                "<@{}>: {}",
                voided.case.target_id,
                voided.standing.describe()
            ),
            false,
        ),
    )
    .await
}
