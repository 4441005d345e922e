//! The case embed posted to a guild's mod-log channel.

use crate::domain::duration::format_duration;
use crate::domain::{CaseState, Embed, ModAction};
use crate::store::cases::Case;
use std::time::Duration;

pub fn action_colour(action: ModAction) -> u32 {
    match action {
        ModAction::Ban | ModAction::Tempban | ModAction::Softban => 0xD9_2D_2D,
        ModAction::Kick => 0xE6_7E_22,
        ModAction::Timeout | ModAction::Mute => 0xF1_C4_0F,
        ModAction::Warn => 0xF5_B0_41,
        ModAction::Unban | ModAction::Unmute | ModAction::Untimeout => 0x2E_CC_71,
        ModAction::Report => 0x34_98_DB,
        ModAction::Purge | ModAction::DeleteMessage => 0x9B_59_B6,
    }
}

pub fn case_embed(case: &Case) -> Embed {
    let title = format!(
        "Case #{} · {}",
        case.case_number,
        title_case(case.action.as_str())
    );
    let mut embed = Embed {
        title: Some(title),
        color: Some(match case.state {
            CaseState::Failed => 0x95_A5_A6,
            _ => action_colour(case.action),
        }),
        timestamp: Some(case.created_at),
        footer: Some(format!("source: {}", case.source)),
        ..Default::default()
    }
    .field("User", user_field(case), true)
    .field("Moderator", format!("<@{}>", case.moderator_id), true)
    .field(
        "Reason",
        case.reason.as_deref().unwrap_or("No reason given"),
        false,
    );
    if case.violation_type != crate::domain::violation::UNSPECIFIED {
        let mut violation = case.violation_type.clone();
        if case.strike_points > 0 {
            violation.push_str(&format!(" ({} strike points)", case.strike_points));
        }
        embed = embed.field("Violation", violation, true);
    }
    if let Some(details) = case.violation_details.as_deref() {
        embed = embed.field("Details", details, false);
    }
    if let Some(secs) = case.duration_secs {
        let mut text = format_duration(Duration::from_secs(secs as u64));
        if let Some(expires) = case.expires_at {
            text.push_str(&format!(" (ends <t:{}:R>)", expires.timestamp()));
        }
        embed = embed.field("Duration", text, true);
    }
    if let Some(details) = case.violation_details.as_deref().filter(|d| !d.is_empty()) {
        embed = embed.field("Details", details, false);
    }
    for (name, value) in message_fields(case) {
        embed = embed.field(name, value, true);
    }
    let state = match case.state {
        CaseState::Applied => "Applied".to_string(),
        CaseState::Pending => "Pending".to_string(),
        CaseState::Failed => format!(
            "Failed: {}",
            case.failure.as_deref().unwrap_or("unknown error")
        ),
    };
    embed.field("Status", state, false)
}

/// Whose case it is. A purge without a user filter is recorded against Gavel itself (the
/// messages were everyone's), and says so.
fn user_field(case: &Case) -> String {
    let everyone = case
        .data
        .as_ref()
        .is_some_and(|d| d["filter"]["user"].is_null());
    if case.action == ModAction::Purge && everyone {
        "Anyone (no user filter)".to_string()
    } else {
        format!("<@{}> ({})", case.target_id, case.target_id)
    }
}

/// Channel, counts and filter of a purge; channel and message of a removed message.
fn message_fields(case: &Case) -> Vec<(&'static str, String)> {
    let Some(data) = case.data.as_ref() else {
        return vec![];
    };
    let mut fields = vec![];
    if let Some(channel) = data["channel_id"].as_str() {
        fields.push(("Channel", format!("<#{channel}>")));
    }
    if case.action == ModAction::Purge {
        if let (Some(done), Some(failed)) = (data["done"].as_u64(), data["failed"].as_u64()) {
            let mut text = format!("{done} deleted");
            if failed > 0 {
                text.push_str(&format!(", {failed} could not be"));
            }
            fields.push(("Messages", text));
        }
        if let Some(filter) = data["filter_text"].as_str() {
            fields.push(("Filter", filter.to_string()));
        }
    }
    if let Some(message) = data["message_id"].as_str() {
        fields.push(("Message", message.to_string()));
    }
    fields
}

pub fn title_case(text: &str) -> String {
    let lower = text.to_lowercase().replace('_', " ");
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
