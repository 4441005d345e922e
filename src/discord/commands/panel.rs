use crate::discord::checks::{require, Needed};
use crate::discord::components::{PanelAction, PanelPick};
use crate::discord::context::{CommandError, Context};
use crate::discord::render;
use crate::error::GavelResult;
use crate::services::Services;
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, User,
};

/// A user's summary with buttons to act on them.
#[poise::command(slash_command, guild_only)]
pub async fn panel(
    ctx: Context<'_>,
    #[description = "Who to act on"] user: User,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, Needed::ModerateMembers).await?;
    let (embed, rows) = panel_message(
        &ctx.data().services,
        guild_id,
        user.id.get(),
        ctx.author().id.get(),
        &PanelPick::None,
    )
    .await?;
    ctx.send(render::ephemeral(embed).components(rows)).await?;
    Ok(())
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
    let more = CreateActionRow::Buttons(vec![button(PanelAction::History, ButtonStyle::Secondary)]);

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
            format!("gavel:panelpick:{target}:{moderator}"),
            CreateSelectMenuKind::String { options },
        )
        .placeholder("Pick a violation type or a case template"),
    );
    Ok((embed, vec![actions, more, menu]))
}
