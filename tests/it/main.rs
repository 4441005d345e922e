//! Integration tests: real PostgreSQL, a Discord double over HTTP and websocket, serenity's
//! real client and poise.

mod support;

mod cases;
mod departed_guilds;
mod e2e_commands;
mod e2e_gateway;
mod events;
mod evidence;
mod jobs;
mod layering;
mod moderation;
mod mutes;
mod pending_cases;
mod records;
mod settings;
mod warnings;
