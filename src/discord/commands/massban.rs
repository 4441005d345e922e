use super::common::violation_autocomplete;
use crate::discord::checks::require_bulk_ban;
use crate::discord::context::{CommandError, Context};
use crate::discord::interactions::mass_ban::{buttons, preview_embed};
use crate::services::mass_ban::MassBanRequest;
use poise::CreateReply;

/// Ban many users at once (preview first)
#[poise::command(slash_command, guild_only)]
pub async fn massban(
    ctx: Context<'_>,
    #[description = "User ids or mentions"]
    #[max_length = 6000]
    users: Option<String>,
    #[description = "Message link listing the users"] from_message: Option<String>,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
    #[description = "Violation type"]
    #[autocomplete = "violation_autocomplete"]
    violation: Option<String>,
    #[description = "Days of messages to delete (0-7)"]
    #[min = 0]
    #[max = 7]
    delete_message_days: Option<u8>,
) -> Result<(), CommandError> {
    let guild_id = require_bulk_ban(ctx).await?;
    let moderator_id = ctx.author().id.get();
    let preview = ctx
        .data()
        .services
        .mass_ban
        .preview(&MassBanRequest {
            guild_id,
            moderator_id,
            users,
            from_message,
            reason,
            violation,
            delete_message_days,
        })
        .await?;
    let mut reply = CreateReply::default()
        .ephemeral(true)
        .embed(preview_embed(&preview));
    if let Some(batch) = preview.batch_id {
        reply = reply.components(vec![buttons(batch, moderator_id)]);
    }
    ctx.send(reply).await?;
    Ok(())
}
