//! `/mod purge`: delete this channel's messages, filtered, as one PURGE case, with a progress
//! message for long runs.

use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::domain::ModAction;
use crate::services::messages::{PurgeFilter, PurgeOutcome, PurgeProgress, PurgeRequest};
use serenity::all::{CreateEmbed, EditInteractionResponse, User};
use std::time::Duration;
use tokio::sync::watch;

/// How often a long purge's reply is updated.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

fn message_id(text: Option<String>, name: &str) -> Result<Option<u64>, CommandError> {
    text.map(|t| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| CommandError::refused(format!("`{name}` takes a message id.")))
    })
    .transpose()
}

/// Delete messages in this channel
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn purge(
    ctx: Context<'_>,
    #[description = "How many (1-1000)"]
    #[min = 1]
    #[max = 1000]
    count: u16,
    #[description = "Only this user's"] user: Option<User>,
    #[description = "Only containing this"]
    #[max_length = 200]
    contains: Option<String>,
    #[description = "Only bots'"] bots: Option<bool>,
    #[description = "Only with links"] links: Option<bool>,
    #[description = "Only with attachments"] attachments: Option<bool>,
    #[description = "Older than this message id"] before: Option<String>,
    #[description = "Newer than this message id"] after: Option<String>,
    #[description = "Keep them in this case's evidence first"]
    #[min = 1]
    evidence: Option<i32>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Purge.required_permission()).await?;
    let request = PurgeRequest {
        guild_id,
        moderator_id: ctx.author().id.get(),
        channel_id: ctx.channel_id().get(),
        count,
        filter: PurgeFilter {
            user: user.map(|u| u.id.get()),
            contains,
            bots: bots.unwrap_or(false),
            links: links.unwrap_or(false),
            attachments: attachments.unwrap_or(false),
            before: message_id(before, "before")?,
            after: message_id(after, "after")?,
        },
        reason: None,
        evidence_case: evidence,
    };
    let (sender, mut receiver) = watch::channel(PurgeProgress::default());
    let report = move |p: PurgeProgress| {
        sender.send_replace(p);
    };
    let purge = ctx.data().services.messages.purge(request, &report);
    tokio::pin!(purge);
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    ticker.tick().await;
    let outcome = loop {
        tokio::select! {
            outcome = &mut purge => break outcome,
            _ = ticker.tick() => {
                if receiver.has_changed().unwrap_or(false) {
                    let progress = *receiver.borrow_and_update();
                    edit(ctx, progress_embed(progress)).await;
                }
            }
        }
    };
    let outcome = outcome?;
    edit(ctx, outcome_embed(&outcome)).await;
    Ok(())
}

async fn edit(ctx: Context<'_>, embed: CreateEmbed) {
    let poise::Context::Application(app) = ctx else {
        return;
    };
    let edited = app
        .interaction
        .edit_response(ctx.http(), EditInteractionResponse::new().embed(embed))
        .await;
    if let Err(error) = edited {
        tracing::warn!(%error, "could not update the purge reply");
    }
}

fn progress_embed(p: PurgeProgress) -> CreateEmbed {
    CreateEmbed::new()
        .colour(render::BLUE)
        .title("Purging…")
        .description(format!(
            "⏳ {} of {} deleted so far{}.",
            p.deleted,
            p.matched,
            if p.failed > 0 {
                format!(", {} could not be", p.failed)
            } else {
                String::new()
            }
        ))
}

fn outcome_embed(o: &PurgeOutcome) -> CreateEmbed {
    let ok = o.deleted > 0 || o.failed == 0;
    let mut embed = CreateEmbed::new()
        .colour(if o.failed == 0 {
            render::GREEN
        } else if ok {
            render::AMBER
        } else {
            render::RED
        })
        .title(format!("Case #{} · purge", o.case.case_number))
        .description(format!(
            "{} {} message(s) deleted, {} could not be.",
            if o.failed == 0 { "✅" } else { "⚠️" },
            o.deleted,
            o.failed
        ));
    if let Some(why) = &o.failure {
        embed = embed.field("Why not", why, false);
    }
    if let Some((case, seq)) = o.evidence {
        embed = embed.field(
            "Evidence",
            format!("Kept in case #{case} as evidence #{seq}"),
            false,
        );
    }
    embed
}
