//! The HTTP side: one catch-all handler records every request, applies injected failures,
//! checks the bot token and routes `/api/v10/...` to the handlers of each resource.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State as AxumState};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::errors::ApiError;
use super::state::State;
use super::DiscordDouble;
use super::{command_routes, gateway, guild_routes, interaction_routes, message_routes};
use crate::recorded::RecordedRequest;

pub const API_PREFIX: &str = "/api/v10";

pub fn router(double: DiscordDouble) -> Router {
    Router::new()
        .route("/gateway-ws", get(gateway::upgrade))
        .route("/cdn/{*path}", get(cdn_file))
        .fallback(handle)
        .with_state(double)
}

/// The fake CDN: attachment bytes seeded with content (no auth, like Discord's CDN).
async fn cdn_file(
    AxumState(double): AxumState<DiscordDouble>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> Response {
    match double.cdn_file(&path) {
        Some((content_type, bytes)) => {
            ([(axum::http::header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file part of a multipart upload (`files[n]`).
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The form field (`files[n]`); only the parser's own test looks at it.
    #[cfg(test)]
    pub field_name: String,
    pub filename: String,
    pub size: usize,
}

/// One parsed HTTP request.
#[derive(Debug, Clone)]
pub struct IncomingRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub audit_reason: Option<String>,
    pub body: Option<Value>,
    pub files: Vec<UploadedFile>,
    authorization: Option<String>,
    body_is_invalid_json: bool,
}

impl IncomingRequest {
    fn parse(parts: &Parts, bytes: &[u8]) -> Self {
        let query = parts.uri.query().map(parse_query).unwrap_or_default();
        let audit_reason =
            header(&parts.headers, "x-audit-log-reason").map(|raw| percent_decode(&raw, false));
        let content_type = header(&parts.headers, "content-type").unwrap_or_default();
        let mut body = None;
        let mut files = Vec::new();
        let mut body_is_invalid_json = false;
        if let Some(boundary) = multipart_boundary(&content_type) {
            let (payload, uploaded) = parse_multipart(bytes, &boundary);
            body = payload;
            files = uploaded;
        } else if !bytes.is_empty() {
            match serde_json::from_slice(bytes) {
                Ok(value) => body = Some(value),
                Err(_) => body_is_invalid_json = true,
            }
        }
        Self {
            method: parts.method.as_str().to_ascii_uppercase(),
            path: parts.uri.path().to_string(),
            query,
            audit_reason,
            body,
            files,
            authorization: header(&parts.headers, "authorization"),
            body_is_invalid_json,
        }
    }

    pub fn recorded(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            audit_reason: self.audit_reason.clone(),
            body: self.body.clone(),
        }
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A numeric query parameter; a value that is not a number is a form error like on Discord.
    pub fn query_number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.query_value(name) {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|_| {
                ApiError::invalid_form(
                    name,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{raw}\" is not int."),
                )
            }),
        }
    }

    /// The JSON body, or `{}` when there is none.
    pub fn json(&self) -> Value {
        self.body.clone().unwrap_or_else(|| json!({}))
    }
}

pub enum Outcome {
    Json(Value),
    NoContent,
}

async fn handle(AxumState(double): AxumState<DiscordDouble>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let incoming = IncomingRequest::parse(&parts, &bytes);
    // Recorded on arrival, so a test waiting for the request sees it while it is delayed.
    let delay = double.update(|state| {
        state.requests.push(incoming.recorded());
        state
            .response_delays
            .iter()
            .find(|rule| rule.matches(&incoming.method, &incoming.path))
            .map(|rule| rule.delay)
    });
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match double.update(|state| respond(state, &incoming)) {
        Ok(Outcome::Json(value)) => (StatusCode::OK, Json(value)).into_response(),
        Ok(Outcome::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(error.body())).into_response()
        }
    }
}

fn respond(state: &mut State, request: &IncomingRequest) -> Result<Outcome, ApiError> {
    if let Some(error) = take_injected_failure(state, request) {
        return Err(error);
    }
    let segments: Option<Vec<&str>> = request.path.strip_prefix(API_PREFIX).map(|rest| {
        rest.split('/')
            .filter(|segment| !segment.is_empty())
            .collect()
    });
    let routed = match &segments {
        Some(segments) => route(state, request, segments),
        None => None,
    };
    routed.unwrap_or_else(|| {
        state.unrouted_requests.push(request.recorded());
        Err(ApiError::not_found(0, "404: Not Found"))
    })
}

fn take_injected_failure(state: &mut State, request: &IncomingRequest) -> Option<ApiError> {
    let index = state
        .failures
        .iter()
        .position(|rule| rule.matches(&request.method, &request.path))?;
    let rule = &mut state.failures[index];
    let error = rule.error.clone();
    if let Some(remaining) = rule.remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            state.failures.remove(index);
        }
    }
    Some(error)
}

/// `None` when no route matches (a 404 the tests can assert never happens).
fn route(
    state: &mut State,
    request: &IncomingRequest,
    segments: &[&str],
) -> Option<Result<Outcome, ApiError>> {
    // Interaction callbacks and webhooks authenticate with the token in the path.
    let token_authenticated = matches!(segments.first(), Some(&"interactions" | &"webhooks"));
    let needs_bot_token = !token_authenticated && !matches!(segments, ["gateway"]);
    let bot_token_sent = request
        .authorization
        .as_deref()
        .is_some_and(|value| value.starts_with("Bot ") && value.len() > 4);
    if needs_bot_token && !bot_token_sent {
        return Some(Err(ApiError::unauthorized()));
    }
    if request.body_is_invalid_json {
        return Some(Err(ApiError::new(
            400,
            50109,
            "The request body contains invalid JSON.",
        )));
    }
    let method = request.method.as_str();
    let result = match (method, segments) {
        ("GET", ["gateway"]) => Ok(gateway_info(state, false)),
        ("GET", ["gateway", "bot"]) => Ok(gateway_info(state, true)),

        ("GET", ["users", "@me"]) => guild_routes::current_user(state),
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => {
            guild_routes::current_application(state)
        }
        ("GET", ["users", user]) => guild_routes::get_user(state, user),
        ("POST", ["users", "@me", "channels"]) => message_routes::open_dm(state, request),

        ("GET", ["guilds", guild]) => guild_routes::get_guild(state, request, guild),
        ("GET", ["guilds", guild, "roles"]) => guild_routes::get_roles(state, guild),
        ("GET", ["guilds", guild, "channels"]) => guild_routes::get_channels(state, guild),
        ("GET", ["guilds", guild, "members"]) => guild_routes::list_members(state, request, guild),
        ("GET", ["guilds", guild, "members", user]) => guild_routes::get_member(state, guild, user),
        ("PATCH", ["guilds", guild, "members", user]) => {
            guild_routes::edit_member(state, request, guild, user)
        }
        ("DELETE", ["guilds", guild, "members", user]) => {
            guild_routes::kick(state, request, guild, user)
        }
        ("PUT", ["guilds", guild, "members", user, "roles", role]) => {
            guild_routes::add_member_role(state, request, guild, user, role)
        }
        ("DELETE", ["guilds", guild, "members", user, "roles", role]) => {
            guild_routes::remove_member_role(state, request, guild, user, role)
        }
        ("GET", ["guilds", guild, "bans"]) => guild_routes::list_bans(state, request, guild),
        ("GET", ["guilds", guild, "bans", user]) => guild_routes::get_ban(state, guild, user),
        ("PUT", ["guilds", guild, "bans", user]) => guild_routes::ban(state, request, guild, user),
        ("DELETE", ["guilds", guild, "bans", user]) => {
            guild_routes::unban(state, request, guild, user)
        }
        ("POST", ["guilds", guild, "bulk-ban"]) => guild_routes::bulk_ban(state, request, guild),
        ("GET", ["guilds", guild, "audit-logs"]) => guild_routes::audit_logs(state, request, guild),

        ("GET", ["channels", channel]) => message_routes::get_channel(state, channel),
        ("GET", ["channels", channel, "messages"]) => {
            message_routes::list_messages(state, request, channel)
        }
        ("POST", ["channels", channel, "messages"]) => {
            message_routes::create_message(state, request, channel)
        }
        ("POST", ["channels", channel, "messages", "bulk-delete"]) => {
            message_routes::bulk_delete(state, request, channel)
        }
        ("GET", ["channels", channel, "messages", message]) => {
            message_routes::get_message(state, channel, message)
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            message_routes::edit_message(state, request, channel, message)
        }
        ("DELETE", ["channels", channel, "messages", message]) => {
            message_routes::delete_message(state, request, channel, message)
        }

        ("GET", ["applications", application, "commands"]) => {
            command_routes::list(state, application, None)
        }
        ("PUT", ["applications", application, "commands"]) => {
            command_routes::overwrite(state, request, application, None)
        }
        ("GET", ["applications", application, "guilds", guild, "commands"]) => {
            command_routes::list(state, application, Some(guild))
        }
        ("PUT", ["applications", application, "guilds", guild, "commands"]) => {
            command_routes::overwrite(state, request, application, Some(guild))
        }

        ("POST", ["interactions", id, token, "callback"]) => {
            interaction_routes::callback(state, request, id, token)
        }
        ("POST", ["webhooks", application, token]) => {
            interaction_routes::create_followup(state, request, application, token)
        }
        ("GET", ["webhooks", application, token, "messages", message]) => {
            interaction_routes::get_webhook_message(state, application, token, message)
        }
        ("PATCH", ["webhooks", application, token, "messages", message]) => {
            interaction_routes::edit_webhook_message(state, request, application, token, message)
        }
        ("DELETE", ["webhooks", application, token, "messages", message]) => {
            interaction_routes::delete_webhook_message(state, application, token, message)
        }
        _ => return None,
    };
    Some(result)
}

fn gateway_info(state: &State, for_bot: bool) -> Outcome {
    let url = state.gateway.url.clone();
    if !for_bot {
        return Outcome::Json(json!({ "url": url }));
    }
    Outcome::Json(json!({
        "url": url,
        "shards": 1,
        "session_start_limit": {
            "total": 1000,
            "remaining": 1000,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        },
    }))
}

/// Parses a snowflake path segment the way Discord validates it.
pub fn snowflake(segment: &str) -> Result<u64, ApiError> {
    segment.parse().map_err(|_| {
        ApiError::invalid_form(
            "id",
            "NUMBER_TYPE_COERCE",
            format!("Value \"{segment}\" is not snowflake."),
        )
    })
}

/// A snowflake given in a JSON body as a string (Discord's form) or a number.
pub fn snowflake_value(value: &Value) -> Option<u64> {
    match value {
        Value::String(text) => text.parse().ok(),
        other => other.as_u64(),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space in query strings); invalid escapes stay as they are.
pub fn percent_decode(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                index += 3;
            }
            None => {
                decoded.push(if plus_is_space && byte == b'+' {
                    b' '
                } else {
                    byte
                });
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return None;
    }
    content_type
        .split(';')
        .filter_map(|parameter| parameter.trim().strip_prefix("boundary="))
        .map(|boundary| boundary.trim_matches('"').to_string())
        .next()
}

/// Splits a multipart body into its `payload_json` (parsed) and its file parts.
fn parse_multipart(body: &[u8], boundary: &str) -> (Option<Value>, Vec<UploadedFile>) {
    let delimiter = format!("--{boundary}");
    let mut payload = None;
    let mut files = Vec::new();
    for part in split_on(body, delimiter.as_bytes()).into_iter().skip(1) {
        if part.starts_with(b"--") {
            break;
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(header_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..header_end]);
        let content = &part[header_end + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = disposition_parameter(&headers, "name").unwrap_or_default();
        match disposition_parameter(&headers, "filename") {
            Some(filename) => files.push(UploadedFile {
                #[cfg(test)]
                field_name: name,
                filename,
                size: content.len(),
            }),
            None if name == "payload_json" => payload = serde_json::from_slice(content).ok(),
            None => {}
        }
    }
    (payload, files)
}

fn disposition_parameter(headers: &str, name: &str) -> Option<String> {
    let disposition = headers.lines().find(|line| {
        line.to_ascii_lowercase()
            .starts_with("content-disposition:")
    })?;
    disposition.split(';').find_map(|parameter| {
        let (key, value) = parameter.trim().split_once('=')?;
        (key == name).then(|| value.trim_matches('"').to_string())
    })
}

fn split_on<'a>(haystack: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = haystack;
    while let Some(position) = find(rest, delimiter) {
        pieces.push(&rest[..position]);
        rest = &rest[position + delimiter.len()..];
    }
    pieces.push(rest);
    pieces
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_utf8_and_plus() {
        assert_eq!(
            percent_decode("spam%20%26%20scam%20%F0%9F%A6%80", false),
            "spam & scam 🦀"
        );
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(
            parse_query("&delete_message_seconds=86400&x=a%2Fb"),
            vec![
                ("delete_message_seconds".to_string(), "86400".to_string()),
                ("x".to_string(), "a/b".to_string())
            ]
        );
    }

    #[test]
    fn multipart_keeps_payload_json_and_file_names() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{\"content\":\"see file\"}\r\n--XyZ--\r\n";
        let (payload, files) = parse_multipart(body, "XyZ");
        assert_eq!(payload, Some(json!({ "content": "see file" })));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "log.txt");
        assert_eq!(files[0].field_name, "files[0]");
        assert_eq!(files[0].size, 5);
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
    }
}
