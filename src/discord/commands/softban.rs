use super::common::{reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Ban and immediately unban: removes the member and their recent messages.
#[poise::command(slash_command, guild_only)]
pub async fn softban(
    ctx: Context<'_>,
    #[description = "Who to softban"] user: User,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "Days of their messages to delete (0-7, default 1)"]
    #[min = 0]
    #[max = 7]
    delete_message_days: Option<u8>,
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
    let guild_id = require(ctx, ModAction::Softban.required_permission()).await?;
    let req = request(guild_id, ctx, &user, reason, violation)
        .details(details)
        .strike_points(points);
    let result = ctx
        .data()
        .services
        .moderation
        .softban(req, delete_message_days)
        .await?;
    reply_result(ctx, &result).await
}
