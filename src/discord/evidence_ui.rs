//! How evidence looks in Discord: the Capture Evidence form and its submission, the upload
//! link's "record it" button, and the embeds that show what was stored.

use super::checks::Needed;
use super::components::{member_may, refusal};
use super::context::{CommandError, Data};
use super::render;
use crate::domain::evidence::snapshot::CaptureRange;
use crate::services::evidence::CaseReport;
use crate::services::evidence::{Capture, CaseChoice};
use crate::store::evidence::{AmendmentRow, EvidenceItemRow};
use serenity::all::{
    ActionRowComponent, ComponentInteraction, Context, CreateActionRow, CreateEmbed,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage, CreateModal,
    EditInteractionResponse, InputTextStyle, ModalInteraction,
};

pub fn capture_modal(channel_id: u64, message_id: u64, moderator: u64) -> CreateModal {
    CreateModal::new(
        format!("gavel:evcap:{channel_id}:{message_id}:{moderator}"),
        "Capture Evidence",
    )
    .components(vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Case number, or \"new\"", "case")
                .placeholder("e.g. 12, or new to open a case about the author")
                .max_length(12)
                .required(true),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Short,
                "Range (empty: this message)",
                "range",
            )
            .placeholder("5 before, 3 after · or up to <message id>")
            .max_length(60)
            .required(false),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Paragraph, "Note", "note")
                .max_length(1000)
                .required(false),
        ),
    ])
}

fn field(interaction: &ModalInteraction, name: &str) -> Option<String> {
    interaction
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) if input.custom_id == name => input
                .value
                .clone()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            _ => None,
        })
}

fn parse_case(text: &str) -> Result<CaseChoice, CommandError> {
    let text = text.trim().trim_start_matches('#');
    if text.eq_ignore_ascii_case("new") {
        return Ok(CaseChoice::New);
    }
    text.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .map(CaseChoice::Existing)
        .ok_or_else(|| CommandError::refused("Give a case number, or \"new\" to open a case."))
}

/// The Capture Evidence form was submitted: capture and show what was stored.
pub async fn handle_modal(
    ctx: &Context,
    data: &Data,
    interaction: &ModalInteraction,
) -> Result<(), CommandError> {
    let Some(guild_id) = interaction.guild_id.map(|g| g.get()) else {
        return Ok(());
    };
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    let ["gavel", "evcap", channel, message, moderator] = parts.as_slice() else {
        return Ok(());
    };
    let (Ok(channel), Ok(message), Ok(moderator)) = (
        channel.parse::<u64>(),
        message.parse::<u64>(),
        moderator.parse::<u64>(),
    ) else {
        return Ok(());
    };
    let actor = interaction.user.id.get();
    let settings = data.services.settings.get(guild_id).await?;
    let denied = if actor != moderator {
        Some("This form belongs to another moderator.".to_string())
    } else {
        member_may(
            interaction.member.as_ref(),
            &settings,
            Needed::ModerateMembers,
        )
        .err()
    };
    if let Some(reason) = denied {
        interaction
            .create_response(&ctx.http, refusal(&reason))
            .await?;
        return Ok(());
    }
    // Acknowledge now: fetching messages and storing attachments takes a while.
    interaction
        .create_response(
            &ctx.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await?;
    let outcome = async {
        let case = parse_case(&field(interaction, "case").unwrap_or_default())?;
        let range = CaptureRange::parse(&field(interaction, "range").unwrap_or_default())
            .map_err(CommandError::Refused)?;
        let capture = data
            .services
            .evidence
            .capture(
                guild_id,
                actor,
                case,
                channel,
                message,
                range,
                field(interaction, "note").as_deref(),
                "context_menu",
            )
            .await?;
        Ok::<_, CommandError>(capture_embed(&capture))
    }
    .await;
    let embed = outcome.unwrap_or_else(|e| render::error_embed(&e.user_message()));
    interaction
        .edit_response(&ctx.http, EditInteractionResponse::new().embed(embed))
        .await?;
    Ok(())
}

/// "Uploaded: record it" under an upload link (S3 storage).
pub async fn handle_button(
    ctx: &Context,
    data: &Data,
    interaction: &ComponentInteraction,
) -> Result<(), CommandError> {
    let Some(guild_id) = interaction.guild_id.map(|g| g.get()) else {
        return Ok(());
    };
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    let ["gavel", "evupload", upload, moderator] = parts.as_slice() else {
        return Ok(());
    };
    let (Ok(upload), Ok(moderator)) = (upload.parse::<uuid::Uuid>(), moderator.parse::<u64>())
    else {
        return Ok(());
    };
    let actor = interaction.user.id.get();
    let settings = data.services.settings.get(guild_id).await?;
    if actor != moderator {
        interaction
            .create_response(
                &ctx.http,
                refusal("Only the moderator who asked for this link can record it."),
            )
            .await?;
        return Ok(());
    }
    if let Err(e) = member_may(
        interaction.member.as_ref(),
        &settings,
        Needed::ModerateMembers,
    ) {
        interaction.create_response(&ctx.http, refusal(&e)).await?;
        return Ok(());
    }
    interaction
        .create_response(
            &ctx.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await?;
    let embed = match data
        .services
        .evidence
        .complete_upload(Some(guild_id), upload, Some(actor))
        .await
    {
        Ok(item) => item_embed(&item, "Upload stored"),
        Err(e) => render::error_embed(&e.user_message()),
    };
    interaction
        .edit_response(&ctx.http, EditInteractionResponse::new().embed(embed))
        .await?;
    Ok(())
}

/// `text` cut to `max` characters (newlines kept).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

fn short(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

pub fn item_embed(item: &EvidenceItemRow, headline: &str) -> CreateEmbed {
    let mut embed = CreateEmbed::new()
        .colour(render::GREEN)
        .title(format!(
            "Case #{} · evidence #{}",
            item.case_number, item.seq
        ))
        .description(format!("✅ {headline}."));
    if let Some(name) = &item.filename {
        embed = embed.field("File", name, true);
    }
    if let Some(url) = &item.url {
        embed = embed.field("URL", short(url, 1000), false);
    }
    if let Some(sha) = item.sha256() {
        embed = embed.field("SHA-256", format!("`{sha}`"), false);
    }
    if let Some(note) = &item.note {
        embed = embed.field("Note", short(note, 1000), false);
    }
    embed.footer(serenity::all::CreateEmbedFooter::new(format!(
        "Signed with key {}",
        item.key_id
    )))
}

pub fn capture_embed(capture: &Capture) -> CreateEmbed {
    let mut lines = String::new();
    for message in capture.messages.iter().take(10) {
        let content = if message.content.is_empty() {
            "(no text)".to_string()
        } else {
            short(&message.content, 120)
        };
        lines.push_str(&format!(
            "<@{}> · {}{}\n",
            message.author.id,
            content,
            if message.attachments.is_empty() {
                String::new()
            } else {
                format!(" · 📎 {}", message.attachments.len())
            }
        ));
    }
    if capture.messages.len() > 10 {
        lines.push_str(&format!("… and {} more\n", capture.messages.len() - 10));
    }
    let mut embed = item_embed(
        &capture.item,
        &format!(
            "Captured {} message(s) with {} attachment(s) stored",
            capture.messages.len(),
            capture.attachments_stored()
        ),
    )
    .field("Messages", clip(&lines, 1000), false);
    let refused = capture.attachments_refused();
    if !refused.is_empty() {
        embed = embed.field("Not stored", clip(&refused.join("\n"), 1000), false);
    }
    embed
}

pub fn amendment_label(kind: &str) -> &'static str {
    match kind {
        "correction" => "Correction",
        "redaction_request" => "Redaction request",
        _ => "Note",
    }
}

pub fn item_line(item: &EvidenceItemRow) -> String {
    let what = match item.kind.as_str() {
        "url" => format!("URL {}", short(item.url.as_deref().unwrap_or(""), 200)),
        "message" => format!(
            "message snapshot ({} message(s), {} object(s))",
            item.metadata["message_ids"].as_array().map_or(0, Vec::len),
            item.object_count()
        ),
        _ => format!("file {}", item.filename.as_deref().unwrap_or("?")),
    };
    let sha = item
        .sha256()
        .map(|s| format!(" · `{}`", &s[..s.len().min(12)]))
        .unwrap_or_default();
    let note = item
        .note
        .as_deref()
        .map(|n| format!(" · {}", short(n, 100)))
        .unwrap_or_default();
    format!(
        "**#{}** {what}{sha} · <@{}> <t:{}:d>{note}",
        item.seq,
        item.added_by,
        item.created_at.timestamp()
    )
}

pub fn amendment_line(a: &AmendmentRow) -> String {
    format!(
        "**#{}** {}{}: {} · <@{}> <t:{}:d>",
        a.seq,
        amendment_label(&a.kind),
        a.target_seq
            .map(|s| format!(" on #{s}"))
            .unwrap_or_default(),
        short(&a.text, 200),
        a.added_by,
        a.created_at.timestamp()
    )
}

pub fn verify_embed(report: &CaseReport) -> CreateEmbed {
    if report.problems.is_empty() {
        CreateEmbed::new()
            .colour(render::GREEN)
            .title(format!("Case #{} · evidence intact", report.case_number))
            .description(format!(
                "✅ {} entr{} and {} object(s) checked: every object matches its SHA-256, every signature is valid and the chain is unbroken.",
                report.entries,
                if report.entries == 1 { "y" } else { "ies" },
                report.objects
            ))
    } else {
        let list = report
            .problems
            .iter()
            .map(|p| match p.seq {
                Some(seq) => format!("• entry #{seq}: {}", p.what),
                None => format!("• {}", p.what),
            })
            .collect::<Vec<_>>()
            .join("\n");
        CreateEmbed::new()
            .colour(render::RED)
            .title(format!("Case #{} · evidence CHANGED", report.case_number))
            .description(format!("⛔ {}", clip(&list, 3900)))
    }
}
