//! Right-click a message → Apps → Remove Message: a form asks for the violation, details and
//! strike points; the message is kept as evidence, deleted, and recorded against its author.

use crate::discord::checks::check;
use crate::discord::context::{CommandError, Context};
use crate::discord::interactions::remove_message as form;
use crate::domain::ModAction;
use serenity::all::{CreateInteractionResponse, Message};

/// Remove a message as a violation
#[poise::command(context_menu_command = "Remove Message", guild_only)]
pub async fn remove_message(ctx: Context<'_>, message: Message) -> Result<(), CommandError> {
    let guild_id = check(ctx, ModAction::DeleteMessage.required_permission()).await?;
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let taxonomy = ctx.data().services.settings.taxonomy(guild_id).await?;
    let modal = form::modal(
        message.channel_id.get(),
        message.id.get(),
        ctx.author().id.get(),
        &taxonomy,
    );
    app.interaction
        .create_response(ctx.http(), CreateInteractionResponse::Modal(modal))
        .await?;
    Ok(())
}
