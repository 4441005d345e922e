//! Gavel: a Discord moderation bot. `domain` holds pure types, `store` the SQL, `services` the
//! rules, and `discord` everything that speaks to Discord.

pub mod cli;
pub mod config;
pub mod discord;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod ports;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;

pub use error::{GavelError, GavelResult};
