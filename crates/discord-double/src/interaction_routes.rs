//! The bot's answers to interactions: the callback (`POST /interactions/{id}/{token}/callback`)
//! and the interaction webhook (`@original`, follow-ups).

use serde_json::{json, Value};

use super::errors::{ApiError, ALREADY_ACKNOWLEDGED};
use super::events;
use super::message_routes::{apply_edit, store_new_message, NewMessage, EPHEMERAL, LOADING};
use super::models;
use super::rest::{snowflake, IncomingRequest, Outcome};
use super::state::{CallbackRecord, InteractionRecord, State};
use super::validation;

type RouteResult = Result<Outcome, ApiError>;

const COMMAND: u8 = 2;
const COMPONENT: u8 = 3;
const AUTOCOMPLETE: u8 = 4;
const MODAL_SUBMIT: u8 = 5;

/// Response types Discord accepts for each interaction type.
fn allowed_responses(interaction: &InteractionRecord) -> &'static [u64] {
    match interaction.kind {
        COMMAND => &[4, 5, 9],
        COMPONENT => &[4, 5, 6, 7, 9],
        AUTOCOMPLETE => &[8],
        MODAL_SUBMIT if interaction.source_message_id.is_some() => &[4, 5, 6, 7],
        MODAL_SUBMIT => &[4, 5],
        _ => &[],
    }
}

pub fn callback(
    state: &mut State,
    request: &IncomingRequest,
    id: &str,
    token: &str,
) -> RouteResult {
    let interaction_id = snowflake(id)?;
    let deadline = state.interaction_ack_deadline;
    let interaction = state
        .interactions
        .get_mut(&interaction_id)
        .filter(|interaction| interaction.token == token)
        .ok_or_else(ApiError::unknown_interaction)?;
    if interaction.callback.is_some() {
        return Err(ApiError::new(
            400,
            ALREADY_ACKNOWLEDGED,
            "Interaction has already been acknowledged.",
        ));
    }
    let elapsed = interaction.created_at.elapsed();
    if deadline.is_some_and(|deadline| elapsed > deadline) {
        interaction.callback_failure = Some(format!(
            "the bot answered after {elapsed:?}, past Discord's {:?} deadline: Discord answered \
             10062 Unknown interaction and the user saw \"This interaction failed\"",
            deadline.unwrap_or_default()
        ));
        return Err(ApiError::unknown_interaction());
    }
    let interaction = interaction.clone();
    match respond(state, request, &interaction) {
        Ok(callback) => {
            if let Some(record) = state.interactions.get_mut(&interaction_id) {
                record.callback = Some(callback);
                record.callback_failure = None;
            }
            Ok(Outcome::NoContent)
        }
        Err(error) => {
            if let Some(record) = state.interactions.get_mut(&interaction_id) {
                record.callback_failure =
                    Some(format!("the callback was refused: {}", error.detail()));
            }
            Err(error)
        }
    }
}

fn respond(
    state: &mut State,
    request: &IncomingRequest,
    interaction: &InteractionRecord,
) -> Result<CallbackRecord, ApiError> {
    let body = request.json();
    let kind = body["type"].as_u64().unwrap_or(0);
    if !allowed_responses(interaction).contains(&kind) {
        return Err(ApiError::invalid_form(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID",
            format!(
                "Response type {kind} is not valid for interaction type {}",
                interaction.kind
            ),
        ));
    }
    let data = if body["data"].is_object() {
        body["data"].clone()
    } else {
        json!({})
    };
    let mut original_message_id = None;
    let mut deferred_pending = false;
    match kind {
        4 => {
            validation::message_payload(&data, request.files.len(), false)?;
            let id = new_response_message(state, interaction, &data, &request.files, 0);
            original_message_id = Some(id);
        }
        5 => {
            let id = new_response_message(
                state,
                interaction,
                &json!({}),
                &[],
                LOADING | data["flags"].as_u64().unwrap_or(0) & EPHEMERAL,
            );
            original_message_id = Some(id);
            deferred_pending = true;
        }
        6 => original_message_id = interaction.source_message_id,
        7 => {
            let source = interaction
                .source_message_id
                .ok_or_else(ApiError::unknown_message)?;
            apply_edit(state, source, &data, &request.files)?;
            original_message_id = Some(source);
        }
        8 => validation::autocomplete_choices(&data)?,
        _ => validation::modal(&data)?,
    }
    if let Some(record) = state.interactions.get_mut(&interaction.id) {
        record.original_message_id = original_message_id;
        record.deferred_pending = deferred_pending;
    }
    Ok(CallbackRecord {
        kind: kind as u8,
        data,
    })
}

/// Stores the message an interaction response creates and announces it if it is public.
fn new_response_message(
    state: &mut State,
    interaction: &InteractionRecord,
    payload: &Value,
    files: &[super::rest::UploadedFile],
    extra_flags: u64,
) -> u64 {
    let ephemeral = (payload["flags"].as_u64().unwrap_or(0) | extra_flags) & EPHEMERAL != 0;
    let bot = state.bot_identity();
    let author = models::current_user(state);
    let metadata = json!({
        "id": interaction.id.to_string(),
        "type": interaction.kind,
        "user": models::user_by_id(state, interaction.invoker),
        "authorizing_integration_owners": { "0": interaction.guild_id.to_string() },
    });
    let id = store_new_message(
        state,
        NewMessage {
            channel_id: interaction.channel_id,
            author,
            payload,
            files,
            kind: if interaction.kind == COMMAND { 20 } else { 0 },
            ephemeral,
            extra_flags: extra_flags & !EPHEMERAL,
            interaction_metadata: Some(metadata),
            via_application: Some(bot.application_id),
            message_reference: None,
            referenced_message: None,
        },
    );
    if extra_flags & LOADING == 0 {
        events::message_created(state, id);
    }
    id
}

fn interaction_for_webhook(
    state: &State,
    application: &str,
    token: &str,
) -> Result<InteractionRecord, ApiError> {
    let application_id = snowflake(application)?;
    if state.bot()?.application_id != application_id {
        return Err(ApiError::unknown_webhook());
    }
    state
        .interaction_by_token(token)
        .cloned()
        .ok_or_else(ApiError::unknown_webhook)
}

/// Resolves `@original` or a follow-up id to a message this interaction owns.
fn webhook_message_id(interaction: &InteractionRecord, message: &str) -> Result<u64, ApiError> {
    if message == "@original" {
        return interaction
            .original_message_id
            .ok_or_else(ApiError::unknown_message);
    }
    let id = snowflake(message)?;
    if interaction.original_message_id == Some(id) || interaction.followup_ids.contains(&id) {
        Ok(id)
    } else {
        Err(ApiError::unknown_message())
    }
}

pub fn get_webhook_message(
    state: &mut State,
    application: &str,
    token: &str,
    message: &str,
) -> RouteResult {
    let interaction = interaction_for_webhook(state, application, token)?;
    let id = webhook_message_id(&interaction, message)?;
    state
        .message_json(id)
        .map(Outcome::Json)
        .ok_or_else(ApiError::unknown_message)
}

pub fn edit_webhook_message(
    state: &mut State,
    request: &IncomingRequest,
    application: &str,
    token: &str,
    message: &str,
) -> RouteResult {
    let interaction = interaction_for_webhook(state, application, token)?;
    let id = webhook_message_id(&interaction, message)?;
    let is_original = interaction.original_message_id == Some(id);
    let payload = request.json();
    let edited = if is_original && interaction.deferred_pending {
        resolve_deferred(state, &interaction, id, &payload, request)?
    } else {
        apply_edit(state, id, &payload, &request.files)?
    };
    Ok(Outcome::Json(edited))
}

/// Replaces a deferred response's "thinking" message with real content.
fn resolve_deferred(
    state: &mut State,
    interaction: &InteractionRecord,
    message_id: u64,
    payload: &Value,
    request: &IncomingRequest,
) -> Result<Value, ApiError> {
    validation::message_payload(payload, request.files.len(), false)?;
    let mut edited = apply_edit(state, message_id, payload, &request.files)?;
    let flags = edited["flags"].as_u64().unwrap_or(0) & !LOADING;
    edited["flags"] = json!(flags);
    edited["edited_timestamp"] = Value::Null;
    if let Some(stored) = state.messages.get_mut(&message_id) {
        stored.json = edited.clone();
    }
    if let Some(record) = state.interactions.get_mut(&interaction.id) {
        record.deferred_pending = false;
    }
    events::message_created(state, message_id);
    Ok(edited)
}

pub fn delete_webhook_message(
    state: &mut State,
    application: &str,
    token: &str,
    message: &str,
) -> RouteResult {
    let interaction = interaction_for_webhook(state, application, token)?;
    let id = webhook_message_id(&interaction, message)?;
    let channel_id = state
        .messages
        .remove(&id)
        .ok_or_else(ApiError::unknown_message)?
        .channel_id;
    events::message_deleted(state, channel_id, id);
    Ok(Outcome::NoContent)
}

/// `POST /webhooks/{app}/{token}`. After a deferred response, the first follow-up replaces the
/// "thinking" message (keeping the deferral's visibility), as Discord does.
pub fn create_followup(
    state: &mut State,
    request: &IncomingRequest,
    application: &str,
    token: &str,
) -> RouteResult {
    let interaction = interaction_for_webhook(state, application, token)?;
    if interaction.callback.is_none() {
        return Err(ApiError::unknown_webhook());
    }
    let payload = request.json();
    if let (true, Some(original)) = (
        interaction.deferred_pending,
        interaction.original_message_id,
    ) {
        let resolved = resolve_deferred(state, &interaction, original, &payload, request)?;
        return Ok(Outcome::Json(resolved));
    }
    validation::message_payload(&payload, request.files.len(), false)?;
    let id = new_response_message(state, &interaction, &payload, &request.files, 0);
    if let Some(record) = state.interactions.get_mut(&interaction.id) {
        record.followup_ids.push(id);
    }
    Ok(Outcome::Json(state.messages[&id].json.clone()))
}
