use super::common::reply;
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use serenity::all::User;

/// Private moderator notes about a user.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "view", "delete"),
    subcommand_required
)]
pub async fn notes(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Add a note (only moderators see it).
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Who the note is about"] user: User,
    #[description = "The note"]
    #[max_length = 2000]
    content: String,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::NOTES).await?;
    let note = ctx
        .data()
        .services
        .notes
        .add(guild_id, ctx.author().id.get(), user.id.get(), &content)
        .await?;
    reply(
        ctx,
        render::info_embed(
            format!("Note #{} added", note.id),
            format!("On <@{}>: {}", note.user_id, note.content),
        ),
    )
    .await
}

/// List the notes about a user.
#[poise::command(slash_command, guild_only)]
pub async fn view(
    ctx: Context<'_>,
    #[description = "Whose notes"] user: User,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::NOTES).await?;
    let (notes, total) = ctx
        .data()
        .services
        .notes
        .recent(guild_id, user.id.get(), crate::services::notes::NOTES_SHOWN)
        .await?;
    let body = if notes.is_empty() {
        format!("No notes on <@{}>.", user.id)
    } else {
        let mut text = String::new();
        if total > notes.len() as i64 {
            text.push_str(&format!("Showing the newest {} of {total}.\n", notes.len()));
        }
        for note in &notes {
            let line = format!(
                "**#{}** by <@{}> <t:{}:d>\n{}\n",
                note.id,
                note.author_id,
                note.created_at.timestamp(),
                note.content
            );
            if text.len() + line.len() > 3900 {
                text.push_str("… older notes not shown");
                break;
            }
            text.push_str(&line);
        }
        text
    };
    reply(
        ctx,
        render::info_embed(format!("Notes on {}", user.name), body),
    )
    .await
}

/// Delete a note by its number.
#[poise::command(slash_command, guild_only)]
pub async fn delete(
    ctx: Context<'_>,
    #[description = "Note number (from /mod notes view)"]
    #[min = 1]
    id: i64,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::NOTES).await?;
    let note = ctx
        .data()
        .services
        .notes
        .delete(guild_id, ctx.author().id.get(), id)
        .await?;
    reply(
        ctx,
        render::info_embed(
            format!("Note #{} deleted", note.id),
            format!("It was on <@{}>.", note.user_id),
        ),
    )
    .await
}
