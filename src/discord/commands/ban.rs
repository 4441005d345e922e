use super::common::{duration_option, reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Ban a user; with a duration the ban is lifted automatically (a tempban).
// Each option is an argument: Discord's options, not a design choice.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
pub async fn ban(
    ctx: Context<'_>,
    #[description = "Who to ban (members or user ids)"] user: User,
    #[description = "Why; shown in the case, the audit log and the DM"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "Make it a tempban: 30m, 12h, 7d, 2w, 1mo"] duration: Option<String>,
    #[description = "Days of their messages to delete (0-7)"]
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
    let guild_id = require(ctx, ModAction::Ban.required_permission()).await?;
    let duration = duration_option(duration.as_deref())?;
    let req = request(guild_id, ctx, &user, reason, violation)
        .details(details)
        .strike_points(points);
    let result = ctx
        .data()
        .services
        .moderation
        .ban(req, duration, delete_message_days)
        .await?;
    reply_result(ctx, &result).await
}
