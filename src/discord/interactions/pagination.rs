//! Paging through a user's history: the pages, and the Previous/Next buttons under them.

use super::guard::{self, ComponentOrModal, GuardedId};
use crate::discord::checks::needs;
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::permissions::Permission;
use crate::error::GavelResult;
use crate::services::mod_log::title_case;
use crate::services::Services;
use serenity::all::{
    ButtonStyle, Context, CreateActionRow, CreateButton, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};

pub const PAGE_SIZE: u32 = 5;

/// `gavel:history:<user>:<page>:<viewer>`: a Previous or Next button.
struct HistoryPageId {
    user: u64,
    page: u32,
    viewer: u64,
}

impl HistoryPageId {
    fn custom_id(user: u64, page: u32, viewer: u64) -> String {
        format!("gavel:history:{user}:{page}:{viewer}")
    }
}

impl GuardedId for HistoryPageId {
    const DEFERS: bool = false;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "history", user, page, viewer] = interaction.id_parts()[..] else {
            return None;
        };
        Some(HistoryPageId {
            user: user.parse().ok()?,
            page: page.parse::<u64>().ok()? as u32,
            viewer: viewer.parse().ok()?,
        })
    }

    fn opener(&self) -> u64 {
        self.viewer
    }

    fn not_yours(&self) -> &'static str {
        "Only the moderator who opened this history can page through it."
    }

    fn permission(&self) -> Permission {
        needs::HISTORY
    }
}

/// Previous or Next was pressed: the history message shows that page instead.
pub async fn turn_page(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(press) = guard::admit::<HistoryPageId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let HistoryPageId { user, page, viewer } = press.id;
    let (embed, rows) = history_page(&data.services, press.guild_id, user, page, viewer).await?;
    press
        .respond(CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(rows),
        ))
        .await
}

/// Page `page` of a user's history, with Previous/Next buttons that only `viewer` may press.
/// The page lives in the buttons' ids, so paging works across restarts.
pub async fn history_page(
    services: &Services,
    guild_id: u64,
    user_id: u64,
    page: u32,
    viewer: u64,
) -> GavelResult<(CreateEmbed, Vec<CreateActionRow>)> {
    let history = services.cases.history(guild_id, user_id, PAGE_SIZE).await?;
    let (cases, total) = services
        .cases
        .cases_of_user(guild_id, user_id, page, PAGE_SIZE)
        .await?;
    let pages = (total as u32).div_ceil(PAGE_SIZE).max(1);
    let mut embed = CreateEmbed::new()
        .colour(render::BLUE)
        .title(format!("History of {user_id}"))
        .description(format!("<@{user_id}> · {total} cases"));
    let active_now = {
        let mut parts = Vec::new();
        if let Some(ban) = &history.active_tempban {
            parts.push(format!(
                "Tempbanned until <t:{}:f>",
                ban.expires_at.timestamp()
            ));
        }
        for mute in &history.active_mutes {
            let until = mute
                .expires_at
                .map(|t| format!(" until <t:{}:f>", t.timestamp()))
                .unwrap_or_default();
            parts.push(format!(
                "{} muted{until}",
                title_case(mute.mute_type.as_str())
            ));
        }
        if parts.is_empty() {
            "Nothing active".to_string()
        } else {
            parts.join("\n")
        }
    };
    embed = embed
        .field("Active", active_now, false)
        .field("Standing", history.standing.describe(), false)
        .field(
            "Flags",
            if history.flags.is_empty() {
                "None".to_string()
            } else {
                history
                    .flags
                    .iter()
                    .map(|f| {
                        let name = crate::services::flags::flag_name(f.flag);
                        match &f.reason {
                            // Four flags with their reasons fit a field's 1,024 characters.
                            Some(reason) => format!("{name}: {}", clip(reason, 200)),
                            None => name.to_string(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            true,
        )
        .field("Notes", history.notes_count.to_string(), true);
    if history.total_strikes > 0 {
        let now = chrono::Utc::now();
        let listing = history
            .strikes
            .iter()
            .map(|s| {
                let state = if s.voided_at.is_some() {
                    "void".to_string()
                } else if s.is_active(now) {
                    format!("until <t:{}:d>", s.expires_at.timestamp())
                } else {
                    "expired".to_string()
                };
                format!("{} pt · {} · {state}", s.points, s.violation_type)
            })
            .collect::<Vec<_>>()
            .join("\n");
        embed = embed.field(
            format!(
                "Strikes (showing {} of {})",
                history.strikes.len(),
                history.total_strikes
            ),
            listing,
            false,
        );
    }
    let listing = if cases.is_empty() {
        "No cases.".to_string()
    } else {
        cases
            .iter()
            .map(|c| {
                let mut line = format!(
                    "**#{}** {} · <t:{}:d>",
                    c.case_number,
                    title_case(c.action.as_str()),
                    c.created_at.timestamp()
                );
                if c.status != crate::domain::CaseStatus::Open {
                    line.push_str(&format!(" · {}", c.status.as_str().to_lowercase()));
                }
                if c.state == crate::domain::CaseState::Failed {
                    line.push_str(" · failed");
                }
                if let Some(reason) = &c.reason {
                    line.push_str(&format!(
                        "\n> {}",
                        crate::domain::reason::truncate_chars(reason, 100)
                    ));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    embed = embed.field(
        format!("Cases (page {} of {pages})", page + 1),
        listing,
        false,
    );
    let mut buttons = Vec::new();
    if pages > 1 {
        let id = |page: u32| HistoryPageId::custom_id(user_id, page, viewer);
        buttons.push(CreateActionRow::Buttons(vec![
            CreateButton::new(id(page.saturating_sub(1)))
                .label("Previous")
                .style(ButtonStyle::Secondary)
                .disabled(page == 0),
            CreateButton::new(id(page + 1))
                .label("Next")
                .style(ButtonStyle::Secondary)
                .disabled(page + 1 >= pages),
        ]));
    }
    Ok((embed, buttons))
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).chain(['…']).collect()
    }
}
