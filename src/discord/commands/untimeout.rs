use super::common::{reply_result, request};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Lift a member's timeout (ends a long one's renewal).
#[poise::command(slash_command, guild_only)]
pub async fn untimeout(
    ctx: Context<'_>,
    #[description = "Who to release"] user: User,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Untimeout.required_permission()).await?;
    let req = request(guild_id, ctx, &user, reason, None);
    let result = ctx.data().services.moderation.untimeout(req).await?;
    reply_result(ctx, &result).await
}
