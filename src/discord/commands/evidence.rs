//! `/mod evidence add|upload|amend|list|verify` and the `Capture Evidence` message command.

use super::common::reply;
use crate::discord::checks::{check, needs, require};
use crate::discord::context::{CommandError, Context};
use crate::discord::interactions::evidence as evidence_ui;
use crate::discord::render;
use crate::services::evidence::{AmendmentKind, AttachmentInput, ChainEntry};
use serenity::all::{Attachment, CreateActionRow, CreateInteractionResponse, Message};

/// Evidence kept where Discord cannot delete it, signed against tampering.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "upload", "amend", "list", "verify"),
    subcommand_required
)]
pub async fn evidence(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Add a URL (a Discord message link is captured as a snapshot) or a file to a case.
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
    #[description = "A link; Discord message links are captured with their attachments"]
    #[max_length = 2000]
    url: Option<String>,
    #[description = "A file to keep"] file: Option<Attachment>,
    #[description = "Why it matters"]
    #[max_length = 1000]
    note: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::EVIDENCE).await?;
    let actor = ctx.author().id.get();
    let service = &ctx.data().services.evidence;
    let embed = match (url, file) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(CommandError::refused(
                "Give either a url or a file (one per command).",
            ))
        }
        (Some(url), None) => {
            let capture = service
                .add_url(guild_id, actor, case, &url, note.as_deref())
                .await?;
            if capture.messages.is_empty() {
                evidence_ui::item_embed(&capture.item, "URL recorded as given (not fetched)")
            } else {
                evidence_ui::capture_embed(&capture)
            }
        }
        (None, Some(file)) => {
            let item = service
                .add_attachment(
                    guild_id,
                    actor,
                    case,
                    &AttachmentInput {
                        url: file.url.clone(),
                        filename: file.filename.clone(),
                        content_type: file.content_type.clone(),
                        size: u64::from(file.size),
                    },
                    note.as_deref(),
                )
                .await?;
            evidence_ui::item_embed(&item, "File stored")
        }
    };
    reply(ctx, embed).await
}

/// Get a one-time link (15 minutes) to upload a file straight to evidence storage.
#[poise::command(slash_command, guild_only)]
pub async fn upload(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
    #[description = "File name"]
    #[max_length = 100]
    filename: String,
    #[description = "Exact size in bytes"]
    #[min = 1]
    size: i64,
    #[description = "Content type, e.g. image/png or video/mp4"]
    #[max_length = 100]
    content_type: String,
    #[description = "Why it matters"]
    #[max_length = 1000]
    note: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::EVIDENCE).await?;
    let service = &ctx.data().services.evidence;
    let (upload, link) = service
        .request_upload(
            guild_id,
            ctx.author().id.get(),
            case,
            &filename,
            &content_type,
            size.max(0) as u64,
            note.as_deref(),
        )
        .await?;
    let headers = link
        .headers
        .iter()
        .map(|(k, v)| format!("-H '{k}: {v}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let embed = render::info_embed(
        format!("Case #{case} · upload link"),
        format!(
            "Upload **{}** ({} bytes, {}) before <t:{}:t>; the link works once.\n```\ncurl -X PUT {headers} --data-binary @{} '{}'\n```",
            upload.filename,
            upload.size_bytes,
            upload.content_type,
            link.expires_at.timestamp(),
            upload.filename,
            link.url
        ),
    );
    let mut reply = render::ephemeral(embed);
    let needs_button = service
        .runtime_handle()
        .is_some_and(|e| e.store.backend() != "local");
    if needs_button {
        reply = reply.components(vec![CreateActionRow::Buttons(vec![
            evidence_ui::record_upload_button(upload.id, ctx.author().id.get()),
        ])]);
    }
    ctx.send(reply).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum AmendKind {
    #[name = "note"]
    Note,
    #[name = "correction"]
    Correction,
    #[name = "redaction request"]
    RedactionRequest,
}

/// Append a note, correction or redaction request (evidence itself never changes).
#[poise::command(slash_command, guild_only)]
pub async fn amend(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
    #[description = "What kind of amendment"] kind: AmendKind,
    #[description = "The amendment"]
    #[max_length = 2000]
    text: String,
    #[description = "The evidence entry it is about (from /mod evidence list)"]
    #[min = 1]
    entry: Option<i32>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::EVIDENCE).await?;
    let kind = match kind {
        AmendKind::Note => AmendmentKind::Note,
        AmendKind::Correction => AmendmentKind::Correction,
        AmendKind::RedactionRequest => AmendmentKind::RedactionRequest,
    };
    let amendment = ctx
        .data()
        .services
        .evidence
        .amend(guild_id, ctx.author().id.get(), case, kind, entry, &text)
        .await?;
    reply(
        ctx,
        render::info_embed(
            format!("Case #{case} · entry #{}", amendment.seq),
            format!(
                "{} appended{}: {}",
                evidence_ui::amendment_label(&amendment.kind),
                amendment
                    .target_seq
                    .map(|s| format!(" to entry #{s}"))
                    .unwrap_or_default(),
                amendment.text
            ),
        ),
    )
    .await
}

/// List a case's evidence, with links to open it (15 minutes).
#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
    #[description = "First link (objects past the 60th)"]
    #[min = 1]
    from: Option<i32>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::EVIDENCE).await?;
    let (_, entries) = ctx.data().services.evidence.list(guild_id, case).await?;
    let body = if entries.is_empty() {
        format!("Case #{case} has no evidence yet.")
    } else {
        let mut text = String::new();
        for entry in &entries {
            let line = match entry {
                ChainEntry::Item(item) => evidence_ui::item_line(item),
                ChainEntry::Amendment(a) => evidence_ui::amendment_line(a),
            };
            if text.len() + line.len() > 3900 {
                text.push_str("… more entries not shown");
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    };
    reply(
        ctx,
        render::info_embed(format!("Case #{case} · evidence"), body),
    )
    .await?;
    let has_objects = entries
        .iter()
        .any(|e| matches!(e, ChainEntry::Item(item) if item.object_count() > 0));
    if !has_objects {
        return Ok(());
    }
    let skip = from.map_or(0, |f| f.max(1) as usize - 1);
    let (links, total) = ctx
        .data()
        .services
        .evidence
        .download_links(guild_id, ctx.author().id.get(), case, skip, MAX_LINKS)
        .await?;
    if links.is_empty() {
        ctx.send(render::ephemeral(render::error_embed(&format!(
            "Case #{case} has {total} stored object(s); give `from` between 1 and {total}."
        ))))
        .await?;
        return Ok(());
    }
    let messages = evidence_ui::link_messages(&links);
    let made_up_to = skip + links.len();
    let mut first = skip + 1;
    for (i, chunk) in messages.iter().enumerate() {
        let rest = (i + 1 == messages.len() && made_up_to < total).then(|| {
            format!(
                "Links {}–{total} were not made: run `/mod evidence list case:{case} from:{}` for them.",
                made_up_to + 1,
                made_up_to + 1
            )
        });
        ctx.send(render::ephemeral(evidence_ui::links_embed(
            case,
            chunk,
            first,
            total,
            rest.as_deref(),
        )))
        .await?;
        first += chunk.len();
    }
    Ok(())
}

/// Links one `/mod evidence list` makes (in as many messages as they need, at least 6 a
/// message); `from` reaches the objects past them.
const MAX_LINKS: usize = 60;

/// Check that a case's evidence is intact: objects, signatures and the chain.
#[poise::command(slash_command, guild_only)]
pub async fn verify(
    ctx: Context<'_>,
    #[description = "Case number"]
    #[min = 1]
    case: i32,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, needs::EVIDENCE).await?;
    let report = ctx
        .data()
        .services
        .evidence
        .verify(guild_id, ctx.author().id.get(), case)
        .await?;
    reply(ctx, evidence_ui::verify_embed(&report)).await
}

/// Right-click a message → Apps → Capture Evidence: asks for the case and a range.
#[poise::command(context_menu_command = "Capture Evidence", guild_only)]
pub async fn capture_evidence(ctx: Context<'_>, message: Message) -> Result<(), CommandError> {
    check(ctx, needs::EVIDENCE).await?;
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let modal = evidence_ui::capture_modal(
        message.channel_id.get(),
        message.id.get(),
        ctx.author().id.get(),
    );
    app.interaction
        .create_response(ctx.http(), CreateInteractionResponse::Modal(modal))
        .await?;
    Ok(())
}
