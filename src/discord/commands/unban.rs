use super::common::{reply_result, request};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::ModAction;
use serenity::all::User;

/// Lift a ban (ends a tempban early).
#[poise::command(slash_command, guild_only)]
pub async fn unban(
    ctx: Context<'_>,
    #[description = "Who to unban (user id)"] user: User,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Unban.required_permission()).await?;
    let req = request(guild_id, ctx, &user, reason, None);
    let result = ctx.data().services.moderation.unban(req).await?;
    reply_result(ctx, &result).await
}
