//! `/mod` and its subcommands, one file per command. Handlers parse options, check who is
//! asking, call a service and render the result; the rules live in `services`.

mod ban;
mod case;
mod common;
mod config;
mod evidence;
mod flag;
mod history;
mod kick;
mod massban;
mod mute;
mod notes;
mod panel;
mod purge;
mod remove_message;
mod softban;
mod strike;
mod template;
mod timeout;
mod unban;
mod unmute;
mod untimeout;
mod violation;
mod warn;

use crate::discord::context::{CommandError, Context, Data};

/// Every command Gavel registers.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![
        moderation(),
        evidence::capture_evidence(),
        remove_message::remove_message(),
    ]
}

// Discord shows `/mod` to members with Moderate Members; admins can grant it to other roles
// under Server Settings → Integrations → Gavel. Each subcommand checks again at run time.
/// Moderation: actions, cases, history, notes, flags, panels, evidence and settings
#[poise::command(
    slash_command,
    rename = "mod",
    guild_only,
    default_member_permissions = "MODERATE_MEMBERS",
    subcommands(
        "ban::ban",
        "massban::massban",
        "unban::unban",
        "softban::softban",
        "kick::kick",
        "warn::warn",
        "timeout::timeout",
        "untimeout::untimeout",
        "mute::mute",
        "unmute::unmute",
        "case::case",
        "strike::strike",
        "history::history",
        "notes::notes",
        "flag::flag",
        "panel::panel",
        "config::config",
        "evidence::evidence",
        "template::template",
        "violation::violation",
        "purge::purge"
    ),
    subcommand_required
)]
pub async fn moderation(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// What Discord counts toward a command's 8,000 characters: every `name`, `description`
    /// and choice `value`, at every level.
    fn counted_characters(value: &Value) -> usize {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, v)| match (key.as_str(), v) {
                    ("name" | "description", Value::String(s)) => s.chars().count(),
                    ("value", Value::String(s)) => s.chars().count(),
                    ("value", Value::Number(n)) => n.to_string().chars().count(),
                    (k, _) if k.ends_with("localizations") => 0,
                    (_, v) => counted_characters(v),
                })
                .sum(),
            Value::Array(items) => items.iter().map(counted_characters).sum(),
            _ => 0,
        }
    }

    fn widest_level(value: &Value) -> usize {
        let options = value["options"].as_array();
        let here = options.map_or(0, |o| o.len());
        options
            .into_iter()
            .flatten()
            .map(widest_level)
            .max()
            .unwrap_or(0)
            .max(here)
    }

    fn registered() -> Vec<Value> {
        all()
            .iter()
            .filter_map(|command| command.create_as_slash_command())
            .map(|builder| serde_json::to_value(builder).expect("a command serialises"))
            .collect()
    }

    /// Discord refuses a command over 8,000 characters or with more than 25 options on a level.
    #[test]
    fn mod_stays_within_discords_command_limits() {
        let commands = registered();
        let moderation = commands
            .iter()
            .find(|c| c["name"] == "mod")
            .expect("/mod is registered");
        let characters = counted_characters(moderation);
        assert!(
            characters <= 8_000,
            "/mod counts {characters} characters; Discord allows 8,000"
        );
        let widest = widest_level(moderation);
        assert!(
            widest <= 25,
            "/mod has {widest} options on one level; Discord allows 25"
        );
        println!("/mod: {characters} of 8,000 characters, at most {widest} of 25 options a level");
    }
}
