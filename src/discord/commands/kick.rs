use super::common::{reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Remove a member from the server (they can rejoin with an invite).
#[poise::command(slash_command, guild_only)]
pub async fn kick(
    ctx: Context<'_>,
    #[description = "Who to kick"] user: User,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "Violation type"]
    #[autocomplete = "violation_autocomplete"]
    violation: Option<String>,
    #[description = "Violation details"]
    #[max_length = 1000]
    details: Option<String>,
    #[description = "Strike points"]
    #[min = 0]
    #[max = 100]
    points: Option<u8>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Kick.required_permission()).await?;
    let req = request(guild_id, ctx, &user, reason, violation)
        .details(details)
        .strike_points(points);
    let result = ctx.data().services.moderation.kick(req).await?;
    reply_result(ctx, &result).await
}
