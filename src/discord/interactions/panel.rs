//! The moderation panel: a user's summary with one button per action, a menu to pick a
//! violation type or a case template, and the form each button opens.

use super::guard::{self, Admitted, ComponentOrModal, GuardedId};
use super::pagination::history_page;
use crate::discord::checks::needs;
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::permissions::Permission;
use crate::domain::violation::StrikeWeight;
use crate::domain::{parse_duration, ModAction, MuteType};
use crate::error::GavelResult;
use crate::services::{ActionRequest, Services};
use crate::store::templates::CaseTemplate;
use serenity::all::{
    ButtonStyle, Context, CreateActionRow, CreateButton, CreateEmbed, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, InputTextStyle,
};

/// A button on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PanelAction {
    Warn,
    Timeout,
    Mute,
    Kick,
    Ban,
    Softban,
    History,
    Unmute,
    Unban,
    Untimeout,
}

impl PanelAction {
    const ALL: [PanelAction; 10] = [
        PanelAction::Warn,
        PanelAction::Timeout,
        PanelAction::Mute,
        PanelAction::Kick,
        PanelAction::Ban,
        PanelAction::Softban,
        PanelAction::History,
        PanelAction::Unmute,
        PanelAction::Unban,
        PanelAction::Untimeout,
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
            PanelAction::Unmute => "unmute",
            PanelAction::Unban => "unban",
            PanelAction::Untimeout => "untimeout",
        }
    }

    fn label(self) -> &'static str {
        match self {
            PanelAction::Warn => "Warn",
            PanelAction::Timeout => "Timeout",
            PanelAction::Mute => "Mute",
            PanelAction::Kick => "Kick",
            PanelAction::Ban => "Ban",
            PanelAction::Softban => "Softban",
            PanelAction::History => "History",
            PanelAction::Unmute => "Unmute",
            PanelAction::Unban => "Unban",
            PanelAction::Untimeout => "Untimeout",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The moderation action a button takes; `None` for History, which only shows.
    fn mod_action(self) -> Option<ModAction> {
        match self {
            PanelAction::Warn => Some(ModAction::Warn),
            PanelAction::Timeout => Some(ModAction::Timeout),
            PanelAction::Mute => Some(ModAction::Mute),
            PanelAction::Kick => Some(ModAction::Kick),
            // A duration in the form makes it a tempban, which needs the same.
            PanelAction::Ban => Some(ModAction::Ban),
            PanelAction::Softban => Some(ModAction::Softban),
            PanelAction::History => None,
            PanelAction::Unmute => Some(ModAction::Unmute),
            PanelAction::Unban => Some(ModAction::Unban),
            PanelAction::Untimeout => Some(ModAction::Untimeout),
        }
    }

    /// Reversals undo an action; they carry no violation type.
    fn is_reversal(self) -> bool {
        matches!(
            self,
            PanelAction::Unmute | PanelAction::Unban | PanelAction::Untimeout
        )
    }

    fn required_permission(self) -> Permission {
        self.mod_action()
            .map_or(needs::HISTORY, ModAction::required_permission)
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

    fn custom_id(self, target: u64, moderator: u64, pick: &PanelPick) -> String {
        PanelActionId::custom_id("panel", self, target, moderator, pick)
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
    fn encode(&self) -> String {
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

const NOT_YOURS: &str = "This panel belongs to another moderator; open your own with /mod panel.";

/// `gavel:<kind>:<action>:<target>:<moderator>:<pick>`: the ids of the action buttons (kind
/// `panel`) and of the forms they open (kind `modal`).
struct PanelActionId {
    action: PanelAction,
    target: u64,
    moderator: u64,
    pick: PanelPick,
}

impl PanelActionId {
    fn custom_id(
        kind: &str,
        action: PanelAction,
        target: u64,
        moderator: u64,
        pick: &PanelPick,
    ) -> String {
        format!(
            "gavel:{kind}:{}:{target}:{moderator}:{}",
            action.key(),
            pick.encode()
        )
    }

    fn parse_parts(kind: &str, parts: &[&str]) -> Option<Self> {
        let ["gavel", id_kind, action, target, moderator, pick] = parts[..] else {
            return None;
        };
        if id_kind != kind {
            return None;
        }
        Some(PanelActionId {
            action: PanelAction::parse(action)?,
            target: target.parse().ok()?,
            moderator: moderator.parse().ok()?,
            pick: PanelPick::decode(pick),
        })
    }
}

/// An action button, pressed.
struct PanelButtonId(PanelActionId);

impl GuardedId for PanelButtonId {
    const DEFERS: bool = false;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        PanelActionId::parse_parts("panel", &interaction.id_parts()).map(PanelButtonId)
    }

    fn opener(&self) -> u64 {
        self.0.moderator
    }

    fn not_yours(&self) -> &'static str {
        NOT_YOURS
    }

    fn permission(&self) -> Permission {
        self.0.action.required_permission()
    }
}

/// An action's form, submitted.
struct PanelFormId(PanelActionId);

impl GuardedId for PanelFormId {
    const DEFERS: bool = true;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        PanelActionId::parse_parts("modal", &interaction.id_parts()).map(PanelFormId)
    }

    fn opener(&self) -> u64 {
        self.0.moderator
    }

    fn not_yours(&self) -> &'static str {
        "This panel belongs to another moderator."
    }

    fn permission(&self) -> Permission {
        self.0.action.required_permission()
    }
}

/// `gavel:panelpick:<target>:<moderator>`: the menu, with the option picked.
struct PanelMenuId {
    target: u64,
    moderator: u64,
    pick: PanelPick,
}

impl PanelMenuId {
    fn custom_id(target: u64, moderator: u64) -> String {
        format!("gavel:panelpick:{target}:{moderator}")
    }
}

impl GuardedId for PanelMenuId {
    const DEFERS: bool = false;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "panelpick", target, moderator] = interaction.id_parts()[..] else {
            return None;
        };
        Some(PanelMenuId {
            target: target.parse().ok()?,
            moderator: moderator.parse().ok()?,
            pick: PanelPick::decode(interaction.selected().unwrap_or("-")),
        })
    }

    fn opener(&self) -> u64 {
        self.moderator
    }

    fn not_yours(&self) -> &'static str {
        NOT_YOURS
    }

    /// What opening the panel needed; a template also needs its action's permission, which
    /// `pick_from_menu` checks once it has looked the template up.
    fn permission(&self) -> Permission {
        needs::PANEL
    }
}

/// A button was pressed: History shows the user's history, the others open their form.
pub async fn press_button(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(press) = guard::admit::<PanelButtonId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let PanelActionId {
        action,
        target,
        moderator,
        ref pick,
    } = press.id.0;
    let response = if action == PanelAction::History {
        let (embed, rows) =
            history_page(&data.services, press.guild_id, target, 0, press.presser()).await?;
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .ephemeral(true)
                .embed(embed)
                .components(rows),
        )
    } else {
        let template = match pick {
            PanelPick::Template(id) => Some(
                data.services
                    .templates
                    .get_by_id(press.guild_id, *id)
                    .await?,
            ),
            _ => None,
        };
        let weight = picked_weight(&data.services, press.guild_id, pick, template.as_ref()).await?;
        CreateInteractionResponse::Modal(action_modal(
            action,
            target,
            moderator,
            pick,
            template.as_ref(),
            weight,
        ))
    };
    press.respond(response).await
}

/// The strike points the picked violation type (or the template's) allows, for the form's
/// points field; `None` when nothing with points is picked.
async fn picked_weight(
    services: &Services,
    guild_id: u64,
    pick: &PanelPick,
    template: Option<&CaseTemplate>,
) -> GavelResult<Option<StrikeWeight>> {
    let key = match (pick, template) {
        (PanelPick::Violation(key), _) => Some(key.as_str()),
        (_, Some(template)) => template.violation_type.as_deref(),
        _ => None,
    };
    let Some(key) = key else {
        return Ok(None);
    };
    let taxonomy = services.settings.taxonomy(guild_id).await?;
    Ok(taxonomy.get(key).map(|t| t.strikes))
}

/// An option was picked in the menu: a template opens its action's form, filled in; a violation
/// type redraws the panel with its buttons carrying it.
pub async fn pick_from_menu(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(press) = guard::admit::<PanelMenuId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let PanelMenuId {
        target,
        moderator,
        ref pick,
    } = press.id;
    let guild_id = press.guild_id;
    let response = if let PanelPick::Template(id) = *pick {
        let template = data.services.templates.get_by_id(guild_id, id).await?;
        let Some(action) = PanelAction::from_template(template.action) else {
            return press
                .refuse("That template's action cannot be used from a panel.")
                .await;
        };
        if !press.require(action.required_permission()).await? {
            return Ok(());
        }
        let weight = picked_weight(&data.services, guild_id, pick, Some(&template)).await?;
        CreateInteractionResponse::Modal(action_modal(
            action,
            target,
            moderator,
            pick,
            Some(&template),
            weight,
        ))
    } else {
        let (embed, rows) =
            panel_message(&data.services, guild_id, target, moderator, pick).await?;
        CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(rows),
        )
    };
    press.respond(response).await
}

/// A form was submitted: carry out the action and show its outcome.
pub async fn submit_form(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(form) = guard::admit::<PanelFormId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let embed = match run_form_action(data, &form).await {
        Ok(embed) => embed,
        Err(error) => render::error_embed(&error.user_message()),
    };
    form.answer(embed).await
}

/// The panel: a summary, one button per action, and a menu to pick a violation type or a case
/// template. Everything the buttons need (target, moderator, pick) is in their ids, so a panel
/// keeps working after a restart.
pub async fn panel_message(
    services: &Services,
    guild_id: u64,
    target: u64,
    moderator: u64,
    pick: &PanelPick,
) -> GavelResult<(CreateEmbed, Vec<CreateActionRow>)> {
    let history = services.cases.history(guild_id, target, 3).await?;
    let taxonomy = services.settings.taxonomy(guild_id).await?;
    let templates = services.templates.list(guild_id).await?;
    let recent = if history.cases.is_empty() {
        "No cases.".to_string()
    } else {
        history
            .cases
            .iter()
            .map(|c| format!("#{} {}", c.case_number, c.action.as_str().to_lowercase()))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let picked = match pick {
        PanelPick::None => "none: pick one below to attach it".to_string(),
        PanelPick::Violation(key) => taxonomy.get(key).map_or(key.clone(), |t| {
            format!("{} ({} strikes)", t.label, t.strikes)
        }),
        PanelPick::Template(id) => templates
            .iter()
            .find(|t| t.id == *id)
            .map_or("template".into(), |t| format!("template {}", t.name)),
    };
    let embed = CreateEmbed::new()
        .colour(render::BLUE)
        .title("Moderation panel")
        .description(format!("<@{target}> ({target})"))
        .field("Standing", history.standing.describe(), false)
        .field(
            "Cases",
            format!("{} in total · recent: {recent}", history.total_cases),
            false,
        )
        .field("Violation", picked, false);

    let button = |action: PanelAction, style: ButtonStyle| {
        CreateButton::new(action.custom_id(target, moderator, pick))
            .label(action.label())
            .style(style)
    };
    let actions = CreateActionRow::Buttons(vec![
        button(PanelAction::Warn, ButtonStyle::Primary),
        button(PanelAction::Timeout, ButtonStyle::Primary),
        button(PanelAction::Mute, ButtonStyle::Primary),
        button(PanelAction::Kick, ButtonStyle::Danger),
        button(PanelAction::Ban, ButtonStyle::Danger),
    ]);
    // Reversals only where there is something to reverse.
    let status = services.moderation.discord_status(guild_id, target).await?;
    let mut more = vec![button(PanelAction::History, ButtonStyle::Secondary)];
    if !history.active_mutes.is_empty() {
        more.push(button(PanelAction::Unmute, ButtonStyle::Success));
    }
    if status.timed_out {
        more.push(button(PanelAction::Untimeout, ButtonStyle::Success));
    }
    if status.banned {
        more.push(button(PanelAction::Unban, ButtonStyle::Success));
    }
    let more = CreateActionRow::Buttons(more);

    let mut options: Vec<CreateSelectMenuOption> = taxonomy
        .all()
        .iter()
        .take(20)
        .map(|t| {
            CreateSelectMenuOption::new(
                format!("{} ({} strikes)", t.label, t.strikes),
                PanelPick::Violation(t.key.clone()).encode(),
            )
        })
        .collect();
    options.extend(templates.iter().take(5).map(|t| {
        CreateSelectMenuOption::new(
            format!("Template: {}", t.name),
            PanelPick::Template(t.id).encode(),
        )
        .description(
            format!(
                "{} · {}",
                t.action.as_str().to_lowercase(),
                t.reason.as_deref().unwrap_or("")
            )
            .chars()
            .take(100)
            .collect::<String>(),
        )
    }));
    let menu = CreateActionRow::SelectMenu(
        CreateSelectMenu::new(
            PanelMenuId::custom_id(target, moderator),
            CreateSelectMenuKind::String { options },
        )
        .placeholder("Pick a violation type or a case template"),
    );
    Ok((embed, vec![actions, more, menu]))
}

fn action_modal(
    action: PanelAction,
    target: u64,
    moderator: u64,
    pick: &PanelPick,
    template: Option<&CaseTemplate>,
    weight: Option<StrikeWeight>,
) -> CreateModal {
    let custom_id = PanelActionId::custom_id("modal", action, target, moderator, pick);
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
    if action == PanelAction::Ban {
        rows.push(CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Short,
                "Delete their messages from the last 0-7 days",
                "delete_days",
            )
            .max_length(1)
            .placeholder("0")
            .required(false),
        ));
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
    rows.push(CreateActionRow::InputText(
        CreateInputText::new(InputTextStyle::Paragraph, "Violation details", "details")
            .max_length(1000)
            .required(false),
    ));
    // Points only mean something with a violation type; the label shows what it allows.
    if let Some(weight) = weight {
        let mut points = CreateInputText::new(
            InputTextStyle::Short,
            format!("Strike points ({weight})"),
            "points",
        )
        .max_length(3)
        .required(false);
        if let Some(chosen) = template.and_then(|t| t.strike_points) {
            points = points.value(chosen.to_string());
        }
        rows.push(CreateActionRow::InputText(points));
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

async fn run_form_action(
    data: &Data,
    form: &Admitted<'_, PanelFormId>,
) -> Result<CreateEmbed, CommandError> {
    let guild_id = form.guild_id;
    let PanelActionId {
        action,
        target,
        moderator,
        ref pick,
    } = form.id.0;
    let field = |name: &str| form.interaction.text_input(name);
    let duration = field("duration")
        .map(|d| parse_duration(&d).map_err(|e| CommandError::refused(e.to_string())))
        .transpose()?;
    let delete_days = field("delete_days")
        .map(|d| {
            d.parse::<u8>().map_err(|_| {
                CommandError::refused(format!(
                    "Delete messages takes a whole number of days from 0 to 7, not `{d}`."
                ))
            })
        })
        .transpose()?;
    let violation = match pick {
        _ if action.is_reversal() => None,
        PanelPick::Violation(key) => Some(key.clone()),
        PanelPick::Template(id) => {
            data.services
                .templates
                .get_by_id(guild_id, *id)
                .await?
                .violation_type
        }
        PanelPick::None => None,
    };
    let points = field("points")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim().parse::<u8>().map_err(|_| {
                CommandError::refused(format!("`{}` is not a number of strike points.", p.trim()))
            })
        })
        .transpose()?;
    let req = ActionRequest::new(guild_id, moderator, target)
        .reason(field("reason"))
        .violation(violation)
        .details(field("details"))
        .strike_points(points)
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
        PanelAction::Ban => services.moderation.ban(req, duration, delete_days).await?,
        PanelAction::Softban => services.moderation.softban(req, None).await?,
        PanelAction::Unmute => services.mutes.unmute(req, None).await?,
        PanelAction::Unban => services.moderation.unban(req).await?,
        PanelAction::Untimeout => services.moderation.untimeout(req).await?,
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
        let parsed = PanelActionId::parse_parts("panel", &parts).unwrap();
        assert_eq!(
            (parsed.action, parsed.target, parsed.pick),
            (PanelAction::Softban, u64::MAX >> 1, pick)
        );
        assert_eq!(PanelPick::decode("t.42"), PanelPick::Template(42));
        assert_eq!(PanelPick::decode("-"), PanelPick::None);
    }
}
