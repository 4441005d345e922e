//! Buttons, menus and modals: the moderation panel and history paging. Their custom ids carry
//! all their state (`gavel:<kind>:…`), and only the moderator who opened a panel may use it.

use super::checks::{allowed, Needed};
use super::commands::{history_page, panel_message};
use super::context::{CommandError, Data};
use super::render;
use crate::domain::{parse_duration, ModAction, MuteType};
use crate::services::ActionRequest;
use serenity::all::{
    ActionRowComponent, ComponentInteraction, ComponentInteractionDataKind, Context,
    CreateActionRow, CreateEmbed, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, EditInteractionResponse, InputTextStyle, Member,
    ModalInteraction,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelAction {
    Warn,
    Timeout,
    Mute,
    Kick,
    Ban,
    Softban,
    History,
}

impl PanelAction {
    const ALL: [PanelAction; 7] = [
        PanelAction::Warn,
        PanelAction::Timeout,
        PanelAction::Mute,
        PanelAction::Kick,
        PanelAction::Ban,
        PanelAction::Softban,
        PanelAction::History,
    ];

    fn key(self) -> &'static str {
        match self {
            PanelAction::Warn => "warn",
            PanelAction::Timeout => "timeout",
            PanelAction::Mute => "mute",
            PanelAction::Kick => "kick",
            PanelAction::Ban => "ban",
            PanelAction::Softban => "softban",
            PanelAction::History => "history",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PanelAction::Warn => "Warn",
            PanelAction::Timeout => "Timeout",
            PanelAction::Mute => "Mute",
            PanelAction::Kick => "Kick",
            PanelAction::Ban => "Ban",
            PanelAction::Softban => "Softban",
            PanelAction::History => "History",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    fn needed(self) -> Needed {
        match self {
            PanelAction::Kick => Needed::KickMembers,
            PanelAction::Ban | PanelAction::Softban => Needed::BanMembers,
            _ => Needed::ModerateMembers,
        }
    }

    fn from_template(action: ModAction) -> Option<Self> {
        Some(match action {
            ModAction::Warn => PanelAction::Warn,
            ModAction::Timeout => PanelAction::Timeout,
            ModAction::Mute => PanelAction::Mute,
            ModAction::Kick => PanelAction::Kick,
            ModAction::Ban | ModAction::Tempban => PanelAction::Ban,
            ModAction::Softban => PanelAction::Softban,
            _ => return None,
        })
    }

    pub fn custom_id(self, target: u64, moderator: u64, pick: &PanelPick) -> String {
        format!(
            "gavel:panel:{}:{target}:{moderator}:{}",
            self.key(),
            pick.encode()
        )
    }
}

/// What the moderator picked in the panel's menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelPick {
    None,
    Violation(String),
    Template(i64),
}

impl PanelPick {
    pub fn encode(&self) -> String {
        match self {
            PanelPick::None => "-".into(),
            PanelPick::Violation(key) => format!("v.{key}"),
            PanelPick::Template(id) => format!("t.{id}"),
        }
    }

    fn decode(text: &str) -> Self {
        if let Some(key) = text.strip_prefix("v.") {
            PanelPick::Violation(key.to_string())
        } else if let Some(id) = text.strip_prefix("t.").and_then(|id| id.parse().ok()) {
            PanelPick::Template(id)
        } else {
            PanelPick::None
        }
    }
}

pub(super) fn refusal(message: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .ephemeral(true)
            .embed(render::error_embed(message)),
    )
}

pub(super) fn member_may(
    member: Option<&Member>,
    settings: &crate::store::settings::GuildSettings,
    needed: Needed,
) -> Result<(), String> {
    let Some(member) = member else {
        return Err("Panels only work inside a server.".into());
    };
    let perms = member.permissions.map_or(0, |p| p.bits());
    let roles: Vec<u64> = member.roles.iter().map(|r| r.get()).collect();
    allowed(perms, &roles, settings, needed)
}

fn ids(parts: &[&str]) -> Option<Vec<u64>> {
    parts.iter().map(|p| p.parse().ok()).collect()
}

/// Routes a component interaction whose id starts with `gavel:`.
pub async fn handle_component(
    ctx: &Context,
    data: &Data,
    interaction: &ComponentInteraction,
) -> Result<(), CommandError> {
    let Some(guild_id) = interaction.guild_id.map(|g| g.get()) else {
        return Ok(());
    };
    let presser = interaction.user.id.get();
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    let settings = data.services.settings.get(guild_id).await?;
    let response = match parts.as_slice() {
        ["gavel", "history", user, page, viewer] => {
            let Some([user, page, viewer]) = ids(&[user, page, viewer]).map(|v| [v[0], v[1], v[2]])
            else {
                return Ok(());
            };
            if presser != viewer {
                refusal("Only the moderator who opened this history can page through it.")
            } else if let Err(e) = member_may(
                interaction.member.as_ref(),
                &settings,
                Needed::ModerateMembers,
            ) {
                refusal(&e)
            } else {
                let (embed, rows) =
                    history_page(&data.services, guild_id, user, page as u32, viewer).await?;
                CreateInteractionResponse::UpdateMessage(
                    CreateInteractionResponseMessage::new()
                        .embed(embed)
                        .components(rows),
                )
            }
        }
        ["gavel", "panel", action, target, moderator, pick] => {
            let (Some(action), Some([target, moderator])) = (
                PanelAction::parse(action),
                ids(&[target, moderator]).map(|v| [v[0], v[1]]),
            ) else {
                return Ok(());
            };
            if presser != moderator {
                refusal("This panel belongs to another moderator; open your own with /mod panel.")
            } else if let Err(e) =
                member_may(interaction.member.as_ref(), &settings, action.needed())
            {
                refusal(&e)
            } else if action == PanelAction::History {
                let (embed, rows) =
                    history_page(&data.services, guild_id, target, 0, presser).await?;
                CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .ephemeral(true)
                        .embed(embed)
                        .components(rows),
                )
            } else {
                let pick = PanelPick::decode(pick);
                let template = match &pick {
                    PanelPick::Template(id) => {
                        Some(data.services.templates.get_by_id(guild_id, *id).await?)
                    }
                    _ => None,
                };
                CreateInteractionResponse::Modal(action_modal(
                    action,
                    target,
                    moderator,
                    &pick,
                    template.as_ref(),
                ))
            }
        }
        ["gavel", "panelpick", target, moderator] => {
            let Some([target, moderator]) = ids(&[target, moderator]).map(|v| [v[0], v[1]]) else {
                return Ok(());
            };
            let value = match &interaction.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
                _ => None,
            };
            let pick = PanelPick::decode(value.as_deref().unwrap_or("-"));
            if presser != moderator {
                refusal("This panel belongs to another moderator; open your own with /mod panel.")
            } else if let PanelPick::Template(id) = pick {
                let template = data.services.templates.get_by_id(guild_id, id).await?;
                match PanelAction::from_template(template.action) {
                    Some(action) => {
                        match member_may(interaction.member.as_ref(), &settings, action.needed()) {
                            Ok(()) => CreateInteractionResponse::Modal(action_modal(
                                action,
                                target,
                                moderator,
                                &pick,
                                Some(&template),
                            )),
                            Err(e) => refusal(&e),
                        }
                    }
                    None => refusal("That template's action cannot be used from a panel."),
                }
            } else {
                let (embed, rows) =
                    panel_message(&data.services, guild_id, target, moderator, &pick).await?;
                CreateInteractionResponse::UpdateMessage(
                    CreateInteractionResponseMessage::new()
                        .embed(embed)
                        .components(rows),
                )
            }
        }
        _ => return Ok(()),
    };
    interaction.create_response(&ctx.http, response).await?;
    Ok(())
}

fn action_modal(
    action: PanelAction,
    target: u64,
    moderator: u64,
    pick: &PanelPick,
    template: Option<&crate::store::templates::CaseTemplate>,
) -> CreateModal {
    let custom_id = format!(
        "gavel:modal:{}:{target}:{moderator}:{}",
        action.key(),
        pick.encode()
    );
    let mut reason = CreateInputText::new(InputTextStyle::Paragraph, "Reason", "reason")
        .max_length(1000)
        .required(action == PanelAction::Warn);
    if let Some(text) = template.and_then(|t| t.reason.clone()) {
        reason = reason.value(text);
    }
    let mut rows = vec![CreateActionRow::InputText(reason)];
    if matches!(
        action,
        PanelAction::Timeout | PanelAction::Mute | PanelAction::Ban
    ) {
        let label = match action {
            PanelAction::Timeout => "Duration (e.g. 10m, 1h, 7d, 60d)",
            PanelAction::Ban => "Duration for a tempban (empty: permanent)",
            _ => "Duration (empty: until unmuted)",
        };
        let mut duration = CreateInputText::new(InputTextStyle::Short, label, "duration")
            .max_length(20)
            .required(action == PanelAction::Timeout);
        if let Some(secs) = template.and_then(|t| t.duration_secs) {
            duration = duration.value(
                crate::domain::duration::format_duration(std::time::Duration::from_secs(
                    secs as u64,
                ))
                .replace(' ', ""),
            );
        }
        rows.push(CreateActionRow::InputText(duration));
    }
    if action == PanelAction::Mute {
        rows.push(CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Short,
                "Mute type: text, voice or both",
                "mute_type",
            )
            .max_length(5)
            .value("text")
            .required(true),
        ));
    }
    CreateModal::new(
        custom_id,
        format!("{} <@{target}>", action.label())
            .chars()
            .take(45)
            .collect::<String>(),
    )
    .components(rows)
}

/// Carries out a panel action when its modal is submitted.
pub async fn handle_modal(
    ctx: &Context,
    data: &Data,
    interaction: &ModalInteraction,
) -> Result<(), CommandError> {
    let Some(guild_id) = interaction.guild_id.map(|g| g.get()) else {
        return Ok(());
    };
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    let ["gavel", "modal", action, target, moderator, pick] = parts.as_slice() else {
        return Ok(());
    };
    let (Some(action), Some([target, moderator])) = (
        PanelAction::parse(action),
        ids(&[target, moderator]).map(|v| [v[0], v[1]]),
    ) else {
        return Ok(());
    };
    let presser = interaction.user.id.get();
    let settings = data.services.settings.get(guild_id).await?;
    if presser != moderator {
        interaction
            .create_response(
                &ctx.http,
                refusal("This panel belongs to another moderator."),
            )
            .await?;
        return Ok(());
    }
    if let Err(e) = member_may(interaction.member.as_ref(), &settings, action.needed()) {
        interaction.create_response(&ctx.http, refusal(&e)).await?;
        return Ok(());
    }
    // Acknowledge now: the action may take several Discord calls.
    interaction
        .create_response(
            &ctx.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await?;
    let embed = match run_modal_action(data, guild_id, action, target, moderator, pick, interaction)
        .await
    {
        Ok(embed) => embed,
        Err(error) => render::error_embed(&error.user_message()),
    };
    interaction
        .edit_response(&ctx.http, EditInteractionResponse::new().embed(embed))
        .await?;
    Ok(())
}

async fn run_modal_action(
    data: &Data,
    guild_id: u64,
    action: PanelAction,
    target: u64,
    moderator: u64,
    pick: &str,
    interaction: &ModalInteraction,
) -> Result<CreateEmbed, CommandError> {
    let field = |name: &str| {
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
    };
    let duration = field("duration")
        .map(|d| parse_duration(&d).map_err(|e| CommandError::refused(e.to_string())))
        .transpose()?;
    let violation = match PanelPick::decode(pick) {
        PanelPick::Violation(key) => Some(key),
        PanelPick::Template(id) => {
            data.services
                .templates
                .get_by_id(guild_id, id)
                .await?
                .violation_type
        }
        PanelPick::None => None,
    };
    let req = ActionRequest::new(guild_id, moderator, target)
        .reason(field("reason"))
        .violation(violation)
        .source("panel");
    let services = &data.services;
    let result = match action {
        PanelAction::Warn => services.moderation.warn(req).await?,
        PanelAction::Timeout => {
            let duration =
                duration.ok_or_else(|| CommandError::refused("A timeout needs a duration."))?;
            services.moderation.timeout(req, duration).await?
        }
        PanelAction::Mute => {
            let kind: MuteType = field("mute_type")
                .unwrap_or_else(|| "text".into())
                .parse()
                .map_err(CommandError::Refused)?;
            services.mutes.mute(req, kind, duration).await?
        }
        PanelAction::Kick => services.moderation.kick(req).await?,
        PanelAction::Ban => services.moderation.ban(req, duration, None).await?,
        PanelAction::Softban => services.moderation.softban(req, None).await?,
        PanelAction::History => return Err(CommandError::refused("History has no form.")),
    };
    Ok(render::action_embed(&result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_fit_discords_limit() {
        let pick = PanelPick::Violation("graphic_violence".into());
        let id = PanelAction::Softban.custom_id(u64::MAX >> 1, u64::MAX >> 1, &pick);
        assert!(id.len() <= 100, "{id}");
        let parts: Vec<&str> = id.split(':').collect();
        assert_eq!(PanelAction::parse(parts[2]), Some(PanelAction::Softban));
        assert_eq!(PanelPick::decode(parts[5]), pick);
        assert_eq!(PanelPick::decode("t.42"), PanelPick::Template(42));
        assert_eq!(PanelPick::decode("-"), PanelPick::None);
    }
}
