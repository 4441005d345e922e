//! Everything that speaks Discord: the port services act through, the poise commands, the
//! component handlers (panels, pagination) and the gateway event handlers.

pub mod bot;
pub mod checks;
pub mod commands;
pub mod components;
pub mod context;
pub mod evidence_ui;
pub mod gateway_events;
pub mod render;
pub mod serenity_port;

pub use context::{CommandError, Context, Data};
