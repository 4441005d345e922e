//! Buttons, menus and forms, one file per feature, all through one guard (`guard.rs`): custom
//! ids are `gavel:<kind>:…`, and the kind picks the handler.

pub mod evidence;
pub mod guard;
pub mod mass_ban;
pub mod pagination;
pub mod panel;
pub mod remove_message;

use crate::discord::context::{CommandError, Data};
use crate::discord::render;
use guard::ComponentOrModal;
use serenity::all::{
    Context, CreateInteractionResponse, CreateInteractionResponseMessage, Interaction,
};

/// Routes Gavel's components and forms; slash commands are poise's, other ids are ignored.
pub async fn dispatch(ctx: &Context, data: &Data, interaction: &Interaction) {
    match interaction {
        Interaction::Component(component) if component.data.custom_id.starts_with("gavel:") => {
            let pressed = ComponentOrModal::Component(component);
            let handled = match pressed.kind() {
                Some("history") => pagination::turn_page(ctx, data, pressed).await,
                Some("panel") => panel::press_button(ctx, data, pressed).await,
                Some("panelpick") => panel::pick_from_menu(ctx, data, pressed).await,
                Some("evupload") => evidence::record_upload(ctx, data, pressed).await,
                Some("massban") => mass_ban::press(ctx, data, pressed).await,
                _ => Ok(()),
            };
            if let Err(error) = handled {
                tracing::warn!(%error, custom_id = %component.data.custom_id, "component failed");
                let reply = CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .ephemeral(true)
                        .embed(render::error_embed(&error.user_message())),
                );
                let _ = component.create_response(&ctx.http, reply).await;
            }
        }
        Interaction::Modal(modal) if modal.data.custom_id.starts_with("gavel:") => {
            let submitted = ComponentOrModal::Modal(modal);
            let handled: Result<(), CommandError> = match submitted.kind() {
                Some("modal") => panel::submit_form(ctx, data, submitted).await,
                Some("evcap") => evidence::submit_capture(ctx, data, submitted).await,
                Some("rmmsg") => remove_message::submit(ctx, data, submitted).await,
                _ => Ok(()),
            };
            // A form's errors are answered by its handler once deferred; before that, only logged.
            if let Err(error) = handled {
                tracing::warn!(%error, custom_id = %modal.data.custom_id, "modal failed");
            }
        }
        _ => {}
    }
}
