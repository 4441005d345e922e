//! Everything that speaks Discord: the serenity implementation of the port services act
//! through, the poise commands, the buttons, menus and forms (panels, evidence, paging) and the
//! gateway event handlers.

pub mod bot;
pub mod checks;
pub mod commands;
pub mod context;
pub mod gateway_events;
pub mod interactions;
pub mod render;
pub mod serenity_port;

pub use context::{CommandError, Context, Data};
