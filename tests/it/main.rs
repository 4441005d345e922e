//! Integration tests: real PostgreSQL, a Discord double over HTTP and websocket, serenity's
//! real client and poise.

mod support;

mod bounded_reads;
mod cases;
mod cli;
mod daily_records;
mod daily_tools;
mod departed_guilds;
mod e2e_commands;
mod e2e_gateway;
mod escalation;
mod events;
mod evidence;
mod evidence_access;
mod evidence_links;
mod evidence_tamper;
mod jobs;
mod layering;
mod mass_ban;
mod messages;
mod mod_log_channel;
mod moderation;
mod mutes;
mod pending_cases;
mod press_permissions;
mod records;
mod settings;
mod warnings;
