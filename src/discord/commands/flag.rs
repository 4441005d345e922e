use super::common::reply;
use crate::discord::checks::{needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::domain::UserFlag;
use crate::services::flags::flag_name;
use serenity::all::User;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum FlagChoice {
    #[name = "suspicious"]
    Suspicious,
    #[name = "trusted"]
    Trusted,
    #[name = "alt account"]
    AltAccount,
    #[name = "under review"]
    UnderReview,
}

impl From<FlagChoice> for UserFlag {
    fn from(choice: FlagChoice) -> Self {
        match choice {
            FlagChoice::Suspicious => UserFlag::Suspicious,
            FlagChoice::Trusted => UserFlag::Trusted,
            FlagChoice::AltAccount => UserFlag::AltAccount,
            FlagChoice::UnderReview => UserFlag::UnderReview,
        }
    }
}

/// Mark users for other moderators: suspicious, trusted, alt account, under review.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("set", "clear"),
    subcommand_required
)]
pub async fn flag(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Put a flag on a user.
#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[description = "Who to flag"] user: User,
    #[description = "Which flag"] flag: FlagChoice,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::FLAGS).await?;
    let flag = UserFlag::from(flag);
    ctx.data()
        .services
        .flags
        .set(
            guild_id,
            ctx.author().id.get(),
            user.id.get(),
            flag,
            reason.as_deref(),
        )
        .await?;
    reply(
        ctx,
        render::info_embed(
            "Flag set",
            format!("<@{}> is now flagged {}.", user.id, flag_name(flag)),
        ),
    )
    .await
}

/// Take a flag off a user.
#[poise::command(slash_command, guild_only)]
pub async fn clear(
    ctx: Context<'_>,
    #[description = "Whose flag"] user: User,
    #[description = "Which flag"] flag: FlagChoice,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::FLAGS).await?;
    let flag = UserFlag::from(flag);
    ctx.data()
        .services
        .flags
        .clear(guild_id, ctx.author().id.get(), user.id.get(), flag)
        .await?;
    reply(
        ctx,
        render::info_embed(
            "Flag cleared",
            format!("<@{}> is no longer flagged {}.", user.id, flag_name(flag)),
        ),
    )
    .await
}
