use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::interactions::panel::{panel_message, PanelPick};
use crate::discord::render;
use serenity::all::User;

/// A user's summary with buttons to act on them.
#[poise::command(slash_command, guild_only)]
pub async fn panel(
    ctx: Context<'_>,
    #[description = "Who to act on"] user: User,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::PANEL).await?;
    let (embed, rows) = panel_message(
        &ctx.data().services,
        guild_id,
        user.id.get(),
        ctx.author().id.get(),
        &PanelPick::None,
    )
    .await?;
    ctx.send(render::ephemeral(embed).components(rows)).await?;
    Ok(())
}
