//! How results look to the moderator: ephemeral embeds that lead with the case number.

use crate::discord::serenity_port::create_embed;
use crate::domain::ModActionResult;
use crate::services::mod_log;
use crate::store::cases::Case;
use poise::CreateReply;
use serenity::all::{CreateEmbed, CreateEmbedFooter};

pub const GREEN: u32 = 0x2E_CC_71;
pub const RED: u32 = 0xE7_4C_3C;
pub const BLUE: u32 = 0x34_98_DB;
pub const AMBER: u32 = 0xF3_9C_12;

pub fn ephemeral(embed: CreateEmbed) -> CreateReply {
    CreateReply::default().ephemeral(true).embed(embed)
}

pub fn error_embed(message: &str) -> CreateEmbed {
    CreateEmbed::new()
        .colour(RED)
        .description(format!("⛔ {message}"))
}

pub fn info_embed(title: impl Into<String>, description: impl Into<String>) -> CreateEmbed {
    CreateEmbed::new()
        .colour(BLUE)
        .title(title)
        .description(description)
}

/// A moderation action's outcome: what happened, the case, whether the user was told, their
/// standing, and any escalation it set off.
pub fn action_embed(result: &ModActionResult) -> CreateEmbed {
    let mut embed = if result.success {
        let title = match result.case_number {
            Some(n) => format!("Case #{n}"),
            None => "Done".into(),
        };
        CreateEmbed::new()
            .colour(GREEN)
            .title(title)
            .description(format!("✅ {}.", capitalise(&result.summary)))
    } else if result.pending {
        // Discord did not answer: not a failure, not applied; Gavel will find out.
        let message = result.error.as_deref().unwrap_or("Discord did not answer.");
        let mut embed = CreateEmbed::new()
            .colour(AMBER)
            .description(format!("⏳ {message}"));
        if let Some(n) = result.case_number {
            embed = embed.title(format!("Case #{n} · waiting for Discord"));
        }
        embed
    } else {
        let message = result.error.as_deref().unwrap_or("The action failed.");
        let mut embed = error_embed(message);
        if let Some(n) = result.case_number {
            embed = embed
                .title(format!("Case #{n} · failed"))
                .footer(CreateEmbedFooter::new(
                    "The case is recorded as failed; nothing was applied.",
                ));
        }
        embed
    };
    if result.success {
        embed = embed.field(
            "User notified",
            if result.user_notified {
                "Yes, by DM"
            } else {
                "No"
            },
            true,
        );
    }
    if let Some(standing) = &result.standing {
        embed = embed.field("Standing", standing.describe(), false);
    }
    if let Some(escalation) = &result.escalation {
        let text = match (&escalation.success, escalation.case_number) {
            (true, Some(n)) => format!("⚠️ Threshold crossed: {} (case #{n}).", escalation.summary),
            (true, None) => format!("⚠️ Threshold crossed: {}.", escalation.summary),
            (false, _) if escalation.pending => format!(
                "⚠️ Threshold crossed: {}. {}",
                escalation.summary,
                escalation
                    .error
                    .as_deref()
                    .unwrap_or("Discord did not answer.")
            ),
            (false, _) => format!(
                "⚠️ {}",
                escalation
                    .error
                    .as_deref()
                    .unwrap_or("Threshold crossed, but the escalation could not be applied.")
            ),
        };
        embed = embed.field("Escalation", text, false);
    }
    embed
}

pub fn case_embed(case: &Case) -> CreateEmbed {
    let mut embed = create_embed(&mod_log::case_embed(case));
    embed = embed.field(
        "Case status",
        mod_log::title_case(case.status.as_str()),
        true,
    );
    if let Some(reason) = &case.void_reason {
        embed = embed.field("Void reason", reason, false);
    }
    embed
}

pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
