//! `/mod massban`'s preview, and its Confirm and Cancel buttons. The custom id carries only the
//! batch id and its opener (for the guard's quick refusal); the batch itself (who, why) is read
//! from the database, where the service checks again that it is this guild's and the presser's.

use super::guard::{self, ComponentOrModal, GuardedId};
use crate::discord::checks::bulk_ban_allowed;
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::mass_ban::{batch_label, BATCH_TTL_MINUTES};
use crate::domain::permissions::Permission;
use crate::services::mass_ban::{MassBanReport, Preview};
use crate::store::mass_bans::SkippedUser;
use serenity::all::{
    ButtonStyle, Context, CreateActionRow, CreateButton, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};

/// How many users a list in an embed names before "…and N more".
const LISTED: usize = 40;

/// `gavel:massban:<confirm|cancel>:<batch>:<moderator>`.
struct MassBanId {
    confirm: bool,
    batch: uuid::Uuid,
    moderator: u64,
}

impl GuardedId for MassBanId {
    // Confirm defers itself once Manage Server is checked; Cancel updates the message.
    const DEFERS: bool = false;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "massban", choice, batch, moderator] = interaction.id_parts()[..] else {
            return None;
        };
        Some(MassBanId {
            confirm: match choice {
                "confirm" => true,
                "cancel" => false,
                _ => return None,
            },
            batch: batch.parse().ok()?,
            moderator: moderator.parse().ok()?,
        })
    }

    fn opener(&self) -> u64 {
        self.moderator
    }

    fn not_yours(&self) -> &'static str {
        "Only the moderator who previewed this mass ban can confirm or cancel it."
    }

    fn permission(&self) -> Permission {
        Permission::BanMembers
    }
}

pub fn buttons(batch: uuid::Uuid, moderator: u64) -> CreateActionRow {
    let id = |choice: &str| format!("gavel:massban:{choice}:{}:{moderator}", batch.simple());
    CreateActionRow::Buttons(vec![
        CreateButton::new(id("confirm"))
            .label("Confirm mass ban")
            .style(ButtonStyle::Danger),
        CreateButton::new(id("cancel"))
            .label("Cancel")
            .style(ButtonStyle::Secondary),
    ])
}

pub async fn press(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(press) = guard::admit::<MassBanId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    if let Err(message) = bulk_ban_allowed(press.presser_permissions()) {
        return press.refuse(&message).await;
    }
    let service = &data.services.mass_ban;
    if !press.id.confirm {
        return match service
            .cancel(press.guild_id, press.presser(), press.id.batch)
            .await
        {
            Ok(()) => {
                press
                    .respond(CreateInteractionResponse::UpdateMessage(
                        CreateInteractionResponseMessage::new()
                            .embed(render::info_embed(
                                "Mass ban cancelled",
                                "Nothing was done; no case was opened.",
                            ))
                            .components(vec![]),
                    ))
                    .await
            }
            Err(e) => press.refuse(&e.user_message()).await,
        };
    }
    press
        .respond(CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        ))
        .await?;
    let embed = match service
        .confirm(press.guild_id, press.presser(), press.id.batch)
        .await
    {
        Ok(report) => report_embed(&report),
        Err(e) => render::error_embed(&e.user_message()),
    };
    press.answer(embed).await
}

fn mentions(ids: impl IntoIterator<Item = u64>) -> String {
    let ids: Vec<u64> = ids.into_iter().collect();
    let mut text = ids
        .iter()
        .take(LISTED)
        .map(|id| format!("<@{id}>"))
        .collect::<Vec<_>>()
        .join(" ");
    if ids.len() > LISTED {
        text.push_str(&format!(" …and {} more", ids.len() - LISTED));
    }
    text
}

fn skipped_list(skipped: &[SkippedUser]) -> String {
    let mut text = skipped
        .iter()
        .take(15)
        .map(|s| format!("<@{}>: {}", s.user_id, s.why))
        .collect::<Vec<_>>()
        .join("\n");
    if skipped.len() > 15 {
        text.push_str(&format!("\n…and {} more", skipped.len() - 15));
    }
    text
}

fn clipped(text: String) -> String {
    crate::domain::reason::truncate_chars(&text, 1024)
}

pub fn preview_embed(preview: &Preview) -> CreateEmbed {
    let count = preview.to_ban.len();
    let mut embed = if preview.batch_id.is_some() {
        CreateEmbed::new()
            .colour(render::AMBER)
            .title(format!("Mass ban: {count} users"))
            .description(format!(
                "Nothing has happened yet. **Confirm** bans them ({} in the server now, {} not), \
                 one case each; the preview expires in {BATCH_TTL_MINUTES} minutes.",
                preview.members.len(),
                count - preview.members.len()
            ))
            .field("To ban", clipped(mentions(preview.to_ban.clone())), false)
    } else {
        render::error_embed("Nobody on that list can be banned; nothing was done.")
    };
    if !preview.skipped.is_empty() {
        embed = embed.field(
            format!("Skipped ({}), no case", preview.skipped.len()),
            clipped(skipped_list(&preview.skipped)),
            false,
        );
    }
    if !preview.already_banned.is_empty() {
        embed = embed.field(
            format!("Already banned ({})", preview.already_banned.len()),
            clipped(mentions(preview.already_banned.clone())),
            false,
        );
    }
    if !preview.invalid.is_empty() {
        let shown: Vec<String> = preview
            .invalid
            .iter()
            .take(15)
            .map(|t| format!("`{}`", t.replace('`', "'")))
            .collect();
        embed = embed.field(
            format!("Not a user id or mention ({})", preview.invalid.len()),
            clipped(shown.join(" ")),
            false,
        );
    }
    if preview.duplicates > 0 {
        embed = embed.field(
            "Duplicates",
            match preview.duplicates {
                1 => "1 repeat counted once".to_string(),
                n => format!("{n} repeats counted once"),
            },
            true,
        );
    }
    embed
}

pub fn report_embed(report: &MassBanReport) -> CreateEmbed {
    let label = batch_label(&report.batch_id);
    let mut embed = CreateEmbed::new()
        .colour(if report.failed.is_empty() && report.pending.is_empty() {
            render::GREEN
        } else {
            render::AMBER
        })
        .title(format!("Mass ban · batch {label}"))
        .description(format!(
            "Banned {} users, one case each (batch {label}).",
            report.banned.len()
        ));
    let numbers: Vec<i32> = report.banned.iter().map(|c| c.case_number).collect();
    if let (Some(first), Some(last)) = (numbers.iter().min(), numbers.iter().max()) {
        embed = embed.field("Cases", format!("#{first}–#{last}"), true);
    }
    if !report.failed.is_empty() {
        let failure = report.failed[0].failure.clone().unwrap_or_default();
        embed = embed.field(
            format!("Failed ({}), case FAILED", report.failed.len()),
            clipped(format!(
                "{}\n{failure}",
                mentions(report.failed.iter().map(|c| c.target_id))
            )),
            false,
        );
    }
    if !report.pending.is_empty() {
        embed = embed.field(
            format!("Awaiting Discord ({})", report.pending.len()),
            clipped(format!(
                "{}\nDiscord did not answer; Gavel settles these cases from the ban list shortly.",
                mentions(report.pending.iter().map(|c| c.target_id))
            )),
            false,
        );
    }
    if !report.skipped.is_empty() {
        embed = embed.field(
            format!("Skipped ({}), no case", report.skipped.len()),
            clipped(skipped_list(&report.skipped)),
            false,
        );
    }
    embed
}
