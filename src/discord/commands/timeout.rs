use super::common::{duration_option, reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Time a member out (no talking, reacting or voice); over 28 days is renewed automatically.
#[poise::command(slash_command, guild_only)]
pub async fn timeout(
    ctx: Context<'_>,
    #[description = "Who to time out"] user: User,
    #[description = "How long: 10m, 1h, 7d, 60d"] duration: String,
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
    let guild_id = require(ctx, ModAction::Timeout.required_permission()).await?;
    let duration = duration_option(Some(&duration))?.expect("a duration was given");
    let req = request(guild_id, ctx, &user, reason, violation)
        .details(details)
        .strike_points(points);
    let result = ctx
        .data()
        .services
        .moderation
        .timeout(req, duration)
        .await?;
    reply_result(ctx, &result).await
}
