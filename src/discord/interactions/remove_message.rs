//! The Remove Message form and its submission.

use super::guard::{self, ComponentOrModal, GuardedId};
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::permissions::Permission;
use crate::domain::violation::ViolationTaxonomy;
use crate::domain::ModAction;
use crate::services::messages::{RemoveMessageOutcome, RemoveMessageRequest};
use serenity::all::{
    Context, CreateActionRow, CreateEmbed, CreateInputText, CreateModal, InputTextStyle,
};

/// `gavel:rmmsg:<channel>:<message>:<moderator>`: the Remove Message form.
struct RemoveFormId {
    channel: u64,
    message: u64,
    moderator: u64,
}

impl GuardedId for RemoveFormId {
    // Capturing the message and its attachments takes a while.
    const DEFERS: bool = true;

    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self> {
        let ["gavel", "rmmsg", channel, message, moderator] = interaction.id_parts()[..] else {
            return None;
        };
        Some(RemoveFormId {
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
        ModAction::DeleteMessage.required_permission()
    }
}

/// The form: the violation type (the placeholder lists this server's keys), details, points.
pub fn modal(
    channel_id: u64,
    message_id: u64,
    moderator: u64,
    taxonomy: &ViolationTaxonomy,
) -> CreateModal {
    let mut keys = String::new();
    for t in taxonomy.all() {
        let next = if keys.is_empty() {
            t.key.clone()
        } else {
            format!("{keys}, {}", t.key)
        };
        if next.chars().count() > 97 {
            keys.push('…');
            break;
        }
        keys = next;
    }
    CreateModal::new(
        format!("gavel:rmmsg:{channel_id}:{message_id}:{moderator}"),
        "Remove Message",
    )
    .components(vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Violation type", "violation")
                .placeholder(keys)
                .max_length(100)
                .required(true),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Paragraph, "Details", "details")
                .max_length(1000)
                .required(false),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Short,
                "Strike points (empty: the type's)",
                "points",
            )
            .max_length(3)
            .required(false),
        ),
    ])
}

/// The form was submitted: keep, delete, record, and show the case.
pub async fn submit(
    ctx: &Context,
    data: &Data,
    interaction: ComponentOrModal<'_>,
) -> Result<(), CommandError> {
    let Some(form) = guard::admit::<RemoveFormId>(ctx, data, interaction).await? else {
        return Ok(());
    };
    let field = |name: &str| form.interaction.text_input(name);
    let outcome = async {
        let points =
            match field("points") {
                Some(text) => Some(text.trim().parse::<u8>().map_err(|_| {
                    CommandError::refused("Strike points are a whole number, like 2.")
                })?),
                None => None,
            };
        let outcome = data
            .services
            .messages
            .remove_message(RemoveMessageRequest {
                guild_id: form.guild_id,
                moderator_id: form.presser(),
                channel_id: form.id.channel,
                message_id: form.id.message,
                violation: field("violation").unwrap_or_default(),
                details: field("details"),
                points,
            })
            .await?;
        Ok::<_, CommandError>(outcome_embed(&outcome))
    }
    .await;
    let embed = outcome.unwrap_or_else(|e| render::error_embed(&e.user_message()));
    form.answer(embed).await
}

fn outcome_embed(outcome: &RemoveMessageOutcome) -> CreateEmbed {
    let mut embed = render::action_embed(&outcome.result);
    if let Some((case, seq)) = outcome.evidence {
        embed = embed.field(
            "Evidence",
            format!("Snapshot kept in case #{case} as evidence #{seq}"),
            false,
        );
    }
    if let Some(problem) = &outcome.evidence_problem {
        embed = embed.field("Evidence", format!("Not kept: {problem}"), false);
    }
    embed
}
