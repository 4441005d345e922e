//! Application command registration: `PUT`/`GET` of global and guild command lists.

use serde_json::Value;

use super::errors::{ApiError, NOT_AUTHORIZED_FOR_APPLICATION};
use super::models;
use super::rest::{snowflake, IncomingRequest, Outcome};
use super::state::State;
use super::validation;

type RouteResult = Result<Outcome, ApiError>;

fn check_application(state: &State, application: &str) -> Result<(), ApiError> {
    let application_id = snowflake(application)?;
    if state.bot()?.application_id == application_id {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            NOT_AUTHORIZED_FOR_APPLICATION,
            "You are not authorized to perform this action on this application",
        ))
    }
}

pub fn list(state: &mut State, application: &str, guild: Option<&str>) -> RouteResult {
    check_application(state, application)?;
    let commands = match guild {
        Some(guild) => {
            let guild_id = snowflake(guild)?;
            state.guild_for_bot(guild_id)?;
            state
                .guild_commands
                .get(&guild_id)
                .cloned()
                .unwrap_or_default()
        }
        None => state.global_commands.clone(),
    };
    Ok(Outcome::Json(Value::Array(commands)))
}

/// Bulk overwrite: the list replaces whatever was registered in that scope. A command keeps its
/// id when one with the same type and name existed, as on Discord.
pub fn overwrite(
    state: &mut State,
    request: &IncomingRequest,
    application: &str,
    guild: Option<&str>,
) -> RouteResult {
    check_application(state, application)?;
    let guild_id = guild.map(snowflake).transpose()?;
    if let Some(guild_id) = guild_id {
        state.guild_for_bot(guild_id)?;
    }
    let submitted = request.json();
    validation::command_list(&submitted)?;
    let application_id = state.bot()?.application_id;
    let previous = match guild_id {
        Some(guild_id) => state
            .guild_commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default(),
        None => state.global_commands.clone(),
    };
    let identity = |command: &Value| {
        (
            command["type"].as_u64().unwrap_or(1),
            command["name"].as_str().unwrap_or_default().to_string(),
        )
    };
    let mut registered = Vec::new();
    for command in submitted.as_array().into_iter().flatten() {
        let existing_id = previous
            .iter()
            .find(|old| identity(old) == identity(command))
            .and_then(|old| old["id"].as_str())
            .and_then(|id| id.parse().ok());
        let id = existing_id.unwrap_or_else(|| state.next_id());
        let version = state.next_id();
        registered.push(models::registered_command(
            command,
            id,
            application_id,
            guild_id,
            version,
        ));
    }
    match guild_id {
        Some(guild_id) => {
            state.guild_commands.insert(guild_id, registered.clone());
        }
        None => state.global_commands = registered.clone(),
    }
    Ok(Outcome::Json(Value::Array(registered)))
}
