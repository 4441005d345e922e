//! The one gate every button, menu and form goes through. Gavel's custom ids carry all their
//! state (`gavel:<kind>:…`), including the moderator who opened the message or form, so a panel
//! keeps working after a restart. The guard parses the id, turns away anyone but that moderator,
//! checks the permission the id declares (again when pressed: it may have been taken away since
//! the message was opened) and, for slow handlers, acknowledges before they run.

use crate::discord::checks::allowed;
use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use crate::domain::permissions::Permission;
use crate::store::settings::GuildSettings;
use serenity::all::{
    ActionRowComponent, ComponentInteraction, ComponentInteractionDataKind, Context, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseMessage, EditInteractionResponse, Member,
    ModalInteraction,
};

/// A pressed button, a picked menu option or a submitted form.
#[derive(Clone, Copy)]
pub enum ComponentOrModal<'a> {
    Component(&'a ComponentInteraction),
    Modal(&'a ModalInteraction),
}

impl<'a> ComponentOrModal<'a> {
    pub fn custom_id(self) -> &'a str {
        match self {
            ComponentOrModal::Component(c) => &c.data.custom_id,
            ComponentOrModal::Modal(m) => &m.data.custom_id,
        }
    }

    /// The `<kind>` of a `gavel:<kind>:…` custom id.
    pub fn kind(self) -> Option<&'a str> {
        self.custom_id().split(':').nth(1)
    }

    /// The parts of the custom id between the colons.
    pub fn id_parts(self) -> Vec<&'a str> {
        self.custom_id().split(':').collect()
    }

    /// The first option picked in a select menu.
    pub fn selected(self) -> Option<&'a str> {
        match self {
            ComponentOrModal::Component(c) => match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => {
                    values.first().map(String::as_str)
                }
                _ => None,
            },
            ComponentOrModal::Modal(_) => None,
        }
    }

    /// A form's text input, trimmed; `None` when left empty.
    pub fn text_input(self, name: &str) -> Option<String> {
        let ComponentOrModal::Modal(modal) = self else {
            return None;
        };
        modal
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

    fn guild_id(self) -> Option<u64> {
        match self {
            ComponentOrModal::Component(c) => c.guild_id,
            ComponentOrModal::Modal(m) => m.guild_id,
        }
        .map(|g| g.get())
    }

    fn user_id(self) -> u64 {
        match self {
            ComponentOrModal::Component(c) => c.user.id.get(),
            ComponentOrModal::Modal(m) => m.user.id.get(),
        }
    }

    fn member(self) -> Option<&'a Member> {
        match self {
            ComponentOrModal::Component(c) => c.member.as_ref(),
            ComponentOrModal::Modal(m) => m.member.as_ref(),
        }
    }

    async fn create_response(
        self,
        ctx: &Context,
        response: CreateInteractionResponse,
    ) -> serenity::Result<()> {
        match self {
            ComponentOrModal::Component(c) => c.create_response(&ctx.http, response).await,
            ComponentOrModal::Modal(m) => m.create_response(&ctx.http, response).await,
        }
    }

    async fn edit_response(
        self,
        ctx: &Context,
        edit: EditInteractionResponse,
    ) -> serenity::Result<()> {
        match self {
            ComponentOrModal::Component(c) => c.edit_response(&ctx.http, edit).await.map(drop),
            ComponentOrModal::Modal(m) => m.edit_response(&ctx.http, edit).await.map(drop),
        }
    }
}

/// A custom id the guard can admit: it names who may use it and what pressing it needs.
pub trait GuardedId: Sized {
    /// Whether the guard acknowledges ("thinking…", privately) before the handler runs, for
    /// handlers that make slow calls and then fill in their answer with [`Admitted::answer`].
    /// Handlers that answer with a form or update the message in place answer themselves.
    const DEFERS: bool;

    /// `None` for an id that does not parse; such presses are ignored.
    fn parse(interaction: ComponentOrModal<'_>) -> Option<Self>;

    /// The moderator who opened the message or form: only they may use it.
    fn opener(&self) -> u64;

    /// What anyone else who uses it is told.
    fn not_yours(&self) -> &'static str;

    /// What using it needs; the guard checks it on every use. A handler that learns more
    /// (a case template's action) may require more with [`Admitted::require`].
    fn permission(&self) -> Permission;
}

/// A press the guard let through, with the parsed id.
pub struct Admitted<'a, I> {
    pub id: I,
    pub guild_id: u64,
    pub interaction: ComponentOrModal<'a>,
    ctx: &'a Context,
    settings: GuildSettings,
}

/// Parses the id, refuses anyone but its opener and anyone lacking its permission (answering
/// them), and defers when the id asks for it. `None` when the press was ignored or refused.
pub async fn admit<'a, I: GuardedId>(
    ctx: &'a Context,
    data: &Data,
    interaction: ComponentOrModal<'a>,
) -> Result<Option<Admitted<'a, I>>, CommandError> {
    let Some(guild_id) = interaction.guild_id() else {
        return Ok(None);
    };
    let Some(id) = I::parse(interaction) else {
        return Ok(None);
    };
    let settings = data.services.settings.get(guild_id).await?;
    let admitted = Admitted {
        id,
        guild_id,
        interaction,
        ctx,
        settings,
    };
    if interaction.user_id() != admitted.id.opener() {
        admitted.refuse(admitted.id.not_yours()).await?;
        return Ok(None);
    }
    if !admitted.require(admitted.id.permission()).await? {
        return Ok(None);
    }
    if I::DEFERS {
        admitted
            .respond(CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ))
            .await?;
    }
    Ok(Some(admitted))
}

impl<I> Admitted<'_, I> {
    /// The opener, who pressed it.
    pub fn presser(&self) -> u64 {
        self.interaction.user_id()
    }

    /// The presser's server permissions as Discord sent them with the press.
    pub fn presser_permissions(&self) -> u64 {
        self.interaction
            .member()
            .and_then(|m| m.permissions)
            .map_or(0, |p| p.bits())
    }

    /// Checks that the presser has `permission` or a mod role, and refuses them when not. The
    /// guard does this with the id's permission; handlers that do not defer may require more.
    pub async fn require(&self, permission: Permission) -> Result<bool, CommandError> {
        match member_may(self.interaction.member(), &self.settings, permission) {
            Ok(()) => Ok(true),
            Err(message) => {
                self.refuse(&message).await?;
                Ok(false)
            }
        }
    }

    /// Answers with a private error message, before anything else was answered.
    pub async fn refuse(&self, message: &str) -> Result<(), CommandError> {
        self.respond(CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .ephemeral(true)
                .embed(render::error_embed(message)),
        ))
        .await
    }

    /// The first answer: a form, an updated message, a new private message.
    pub async fn respond(&self, response: CreateInteractionResponse) -> Result<(), CommandError> {
        self.interaction.create_response(self.ctx, response).await?;
        Ok(())
    }

    /// Fills in the answer of a deferred press.
    pub async fn answer(&self, embed: CreateEmbed) -> Result<(), CommandError> {
        self.interaction
            .edit_response(self.ctx, EditInteractionResponse::new().embed(embed))
            .await?;
        Ok(())
    }
}

fn member_may(
    member: Option<&Member>,
    settings: &GuildSettings,
    permission: Permission,
) -> Result<(), String> {
    let Some(member) = member else {
        return Err("Panels only work inside a server.".into());
    };
    let perms = member.permissions.map_or(0, |p| p.bits());
    let roles: Vec<u64> = member.roles.iter().map(|r| r.get()).collect();
    allowed(perms, &roles, settings, permission)
}
