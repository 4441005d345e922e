use super::common::reply;
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::interactions::pagination::history_page;
use crate::discord::render;
use serenity::all::User;

/// A user's cases, active mutes and bans, strikes and standing, flags and notes.
#[poise::command(slash_command, guild_only)]
pub async fn history(
    ctx: Context<'_>,
    #[description = "Whose history"] user: User,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::HISTORY).await?;
    let (embed, buttons) = history_page(
        &ctx.data().services,
        guild_id,
        user.id.get(),
        0,
        ctx.author().id.get(),
    )
    .await?;
    if buttons.is_empty() {
        return reply(ctx, embed).await;
    }
    ctx.send(render::ephemeral(embed).components(buttons))
        .await?;
    Ok(())
}
