//! Integration tests: real PostgreSQL, a Discord double over HTTP and websocket, serenity's
//! real client and poise.

mod support;

mod bounded_reads;
mod cases;
mod e2e_commands;
mod e2e_gateway;
mod escalation;
mod events;
mod evidence;
mod jobs;
mod layering;
mod moderation;
mod mutes;
mod records;
mod settings;
mod warnings;
