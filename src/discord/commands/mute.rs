use super::common::{duration_option, reply_result, request, violation_autocomplete};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::{ModAction, MuteType};
use serenity::all::User;

/// Mute with the server's mute role: text, voice or both.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("text", "voice", "both"),
    subcommand_required
)]
pub async fn mute(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// What the moderator recorded about the violation.
struct Recorded {
    violation: Option<String>,
    details: Option<String>,
    points: Option<u8>,
}

async fn run(
    ctx: Context<'_>,
    mute_type: MuteType,
    user: User,
    duration: Option<String>,
    reason: Option<String>,
    recorded: Recorded,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Mute.required_permission()).await?;
    let duration = duration_option(duration.as_deref())?;
    let req = request(guild_id, ctx, &user, reason, recorded.violation)
        .details(recorded.details)
        .strike_points(recorded.points);
    let result = ctx
        .data()
        .services
        .mutes
        .mute(req, mute_type, duration)
        .await?;
    reply_result(ctx, &result).await
}

/// Stop a member sending messages (the text mute role).
#[poise::command(slash_command, guild_only)]
pub async fn text(
    ctx: Context<'_>,
    #[description = "Who to mute"] user: User,
    #[description = "How long: 30m, 1d, 2w; empty until unmuted"] duration: Option<String>,
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
    run(
        ctx,
        MuteType::Text,
        user,
        duration,
        reason,
        Recorded {
            violation,
            details,
            points,
        },
    )
    .await
}

/// Stop a member speaking in voice (the voice mute role).
#[poise::command(slash_command, guild_only)]
pub async fn voice(
    ctx: Context<'_>,
    #[description = "Who to mute"] user: User,
    #[description = "How long: 30m, 1d, 2w; empty until unmuted"] duration: Option<String>,
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
    run(
        ctx,
        MuteType::Voice,
        user,
        duration,
        reason,
        Recorded {
            violation,
            details,
            points,
        },
    )
    .await
}

/// Stop a member talking anywhere (the full mute role).
#[poise::command(slash_command, guild_only)]
pub async fn both(
    ctx: Context<'_>,
    #[description = "Who to mute"] user: User,
    #[description = "How long: 30m, 1d, 2w; empty until unmuted"] duration: Option<String>,
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
    run(
        ctx,
        MuteType::Both,
        user,
        duration,
        reason,
        Recorded {
            violation,
            details,
            points,
        },
    )
    .await
}
