use super::common::{reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Warn a member: adds strike points, shows their standing, escalates at the thresholds.
#[poise::command(slash_command, guild_only)]
pub async fn warn(
    ctx: Context<'_>,
    #[description = "Who to warn"] user: User,
    #[description = "Why; the user is told"]
    #[max_length = 1000]
    reason: String,
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
    let guild_id = require(ctx, ModAction::Warn.required_permission()).await?;
    let req = request(guild_id, ctx, &user, Some(reason), violation)
        .details(details)
        .strike_points(points);
    let result = ctx.data().services.moderation.warn(req).await?;
    reply_result(ctx, &result).await
}
