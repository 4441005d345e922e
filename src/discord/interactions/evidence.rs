//! How evidence looks in Discord: the Capture Evidence form and its submission, the upload
//! link's "record it" button, and the embeds that show what was stored.

use super::guard::{self, ComponentOrModal, GuardedId};
use crate::discord::checks::needs;
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::evidence::snapshot::CaptureRange;
use crate::domain::permissions::Permission;
use crate::services::evidence::CaseReport;
use crate::services::evidence::{Capture, CaseChoice};
use crate::store::evidence::{AmendmentRow, EvidenceItemRow};
use serenity::all::{
    ButtonStyle, Context, CreateActionRow, CreateButton, CreateEmbed, CreateInputText, CreateModal,
    InputTextStyle,
};

/// `gavel:evcap:<channel>:<message>:<moderator>`: the Capture Evidence form.
struct CaptureFormId {
    channel: u64,
    message: u64,
    moderator: u64,
}

impl GuardedId for CaptureFormId {
    // Fetching messages and storing attachments takes a while.
    const DEFERS: bool = true;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "evcap", channel, message, moderator] = interaction.id_parts()[..] else {
            return None;
        };
        Some(CaptureFormId {
            channel: channel.parse().ok()?,
            message: message.parse().ok()?,
            moderator: moderator.parse().ok()?,
        })
    }

    fn opener(&self) -> u64 {
        self.moderator
    }

    fn not_yours(&self) -> &'static str {
        "This form belongs to another moderator."
    }

    fn permission(&self) -> Permission {
        needs::EVIDENCE
    }
}

/// `gavel:evupload:<upload>:<moderator>`: "Uploaded: record it" under an upload link.
struct RecordUploadId {
    upload: uuid::Uuid,
    moderator: u64,
}

impl GuardedId for RecordUploadId {
    const DEFERS: bool = true;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "evupload", upload, moderator] = interaction.id_parts()[..] else {
            return None;
        };
        Some(RecordUploadId {
            upload: upload.parse().ok()?,
            moderator: moderator.parse().ok()?,
        })
    }

    fn opener(&self) -> u64 {
        self.moderator
    }

    fn not_yours(&self) -> &'static str {
        "Only the moderator who asked for this link can record it."
    }

    fn permission(&self) -> Permission {
        needs::EVIDENCE
    }
}

/// The button that records an upload once the moderator has uploaded the file.
pub fn record_upload_button(upload: uuid::Uuid, moderator: u64) -> CreateButton {
    CreateButton::new(format!("gavel:evupload:{}:{moderator}", upload.simple()))
        .label("Uploaded: record it")
        .style(ButtonStyle::Primary)
}

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
pub async fn submit_capture(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(form) = guard::admit::<CaptureFormId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let CaptureFormId {
        channel, message, ..
    } = form.id;
    let field = |name: &str| form.interaction.text_input(name);
    let outcome = async {
        let case = parse_case(&field("case").unwrap_or_default())?;
        let range = CaptureRange::parse(&field("range").unwrap_or_default())
            .map_err(CommandError::Refused)?;
        let capture = data
            .services
            .evidence
            .capture(
                form.guild_id,
                form.presser(),
                case,
                channel,
                message,
                range,
                field("note").as_deref(),
                "context_menu",
            )
            .await?;
        Ok::<_, CommandError>(capture_embed(&capture))
    }
    .await;
    let embed = outcome.unwrap_or_else(|e| render::error_embed(&e.user_message()));
    form.answer(embed).await
}

/// "Uploaded: record it" was pressed (S3 storage): record the upload as evidence.
pub async fn record_upload(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(press) = guard::admit::<RecordUploadId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let upload = press.id.upload;
    let embed = match data
        .services
        .evidence
        .complete_upload(Some(press.guild_id), upload, Some(press.presser()))
        .await
    {
        Ok(item) => item_embed(&item, "Upload stored"),
        Err(e) => render::error_embed(&e.user_message()),
    };
    press.answer(embed).await
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

/// Characters a message's link fields may use: Discord allows 6,000 in a message's embeds and
/// the title and description (with the sentence about the rest) take under 400.
const LINK_FIELDS_BUDGET: usize = 5_600;
/// Fields in one embed.
const MAX_FIELDS: usize = 25;

fn link_field(link: &crate::services::evidence::DownloadLink) -> (String, String) {
    (
        format!("#{} {}", link.seq, short(&link.name, 80)),
        format!("[Open]({})", link.url),
    )
}

/// Splits links into messages that each fit Discord's limits: a presigned URL can run to
/// ~700 characters, so a message holds from about 6 of those to 25 short ones.
pub fn link_messages(
    links: &[crate::services::evidence::DownloadLink],
) -> Vec<&[crate::services::evidence::DownloadLink]> {
    let mut messages = vec![];
    let (mut start, mut used) = (0, 0);
    for (i, link) in links.iter().enumerate() {
        let (name, value) = link_field(link);
        let cost = name.chars().count() + value.chars().count();
        if i > start && (used + cost > LINK_FIELDS_BUDGET || i - start == MAX_FIELDS) {
            messages.push(&links[start..i]);
            (start, used) = (i, 0);
        }
        used += cost;
    }
    if start < links.len() {
        messages.push(&links[start..]);
    }
    messages
}

/// One message of links to a case's stored objects, each working for 15 minutes (local links
/// once): objects `first`.. of `total`, and what to run for the rest when not all were made.
pub fn links_embed(
    case_number: i32,
    links: &[crate::services::evidence::DownloadLink],
    first: usize,
    total: usize,
    rest: Option<&str>,
) -> CreateEmbed {
    let until = links
        .first()
        .map(|l| format!(" until <t:{}:t>", l.expires_at.timestamp()))
        .unwrap_or_default();
    let mut description = format!("Each link works for 15 minutes{until}; ask again for new ones.");
    if let Some(rest) = rest {
        description.push(' ');
        description.push_str(rest);
    }
    let last = first + links.len().saturating_sub(1);
    let title = match (total, last > first) {
        (1, _) => format!("Case #{case_number} · link"),
        (_, false) => format!("Case #{case_number} · link {first} of {total}"),
        (_, true) => format!("Case #{case_number} · links {first}–{last} of {total}"),
    };
    let mut embed = render::info_embed(title, description);
    for link in links {
        let (name, value) = link_field(link);
        embed = embed.field(name, value, false);
    }
    embed
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
        if report.problems.iter().all(|p| p.unreadable) {
            return CreateEmbed::new()
                .colour(render::AMBER)
                .title(format!(
                    "Case #{} · evidence not checked",
                    report.case_number
                ))
                .description(format!("⚠️ {}", clip(&list, 3900)));
        }
        CreateEmbed::new()
            .colour(render::RED)
            .title(format!("Case #{} · evidence CHANGED", report.case_number))
            .description(format!("⛔ {}", clip(&list, 3900)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::evidence::DownloadLink;

    fn links(n: i32, url_len: usize) -> Vec<DownloadLink> {
        (0..n)
            .map(|i| DownloadLink {
                seq: 1000 + i,
                name: "n".repeat(200),
                url: format!("https://s3.example/{}", "x".repeat(url_len)),
                expires_at: chrono::Utc::now(),
            })
            .collect()
    }

    fn embed_chars(embed: CreateEmbed) -> usize {
        let embed = serde_json::to_value(embed).unwrap();
        let mut chars = 0;
        for key in ["title", "description"] {
            chars += embed[key].as_str().unwrap().chars().count();
        }
        for field in embed["fields"].as_array().unwrap() {
            chars += field["name"].as_str().unwrap().chars().count();
            chars += field["value"].as_str().unwrap().chars().count();
        }
        chars
    }

    /// The longest links (a field value holds 1,024 characters, a name is cut to 80) with the
    /// sentence about the rest stay within a message's 6,000 embed characters; short ones go
    /// 25 to a message.
    #[test]
    fn links_are_split_into_messages_that_fit() {
        let rest = "Links 61–999 were not made: run `/mod evidence list case:2147483647 from:61` for them.";
        for (url_len, per_message) in [(990, 5), (700, 6), (100, 25)] {
            let all = links(60, url_len);
            let messages = link_messages(&all);
            assert_eq!(messages[0].len(), per_message, "{url_len}");
            assert_eq!(messages.iter().map(|m| m.len()).sum::<usize>(), 60);
            for chunk in messages {
                let chars = embed_chars(links_embed(i32::MAX, chunk, 955, 999, Some(rest)));
                assert!(chars <= 6000, "{url_len}: {chars}");
            }
        }
    }
}
