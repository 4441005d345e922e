//! The gateway websocket: HELLO / IDENTIFY / READY / GUILD_CREATE, heartbeats, RESUME with
//! replay, and event dispatch routed to the shard that owns the guild and filtered by intents.

use std::collections::BTreeMap;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxumState;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use super::models;
use super::permissions::intents;
use super::state::State;
use super::DiscordDouble;

pub const HEARTBEAT_INTERVAL_MS: u64 = 41_250;
/// How many dispatched events a session keeps for replay after a RESUME.
const REPLAY_LOG_LIMIT: usize = 1_000;

#[derive(Debug)]
pub enum GatewayFrame {
    Text(String),
    Close(u16, String),
}

/// What the bot sent in one IDENTIFY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifyInfo {
    pub token: String,
    pub intents: u64,
    pub shard_id: u32,
    pub shard_total: u32,
    pub session_id: String,
}

pub struct Connection {
    sender: UnboundedSender<GatewayFrame>,
    session_id: Option<String>,
}

pub struct Session {
    pub shard: [u32; 2],
    pub intents: u64,
    seq: u64,
    log: Vec<(u64, String)>,
    connection: Option<u64>,
}

#[derive(Default)]
pub struct GatewayState {
    /// `ws://127.0.0.1:PORT/gateway-ws`, what READY gives as `resume_gateway_url`.
    pub url: String,
    pub connections: BTreeMap<u64, Connection>,
    pub sessions: BTreeMap<String, Session>,
    pub identifies: Vec<IdentifyInfo>,
    /// How many of `identifies` `wait_for_identify` has handed out.
    pub identify_cursor: usize,
    pub resumes: usize,
    next_connection_id: u64,
}

impl GatewayState {
    fn send(&self, connection_id: u64, frame: GatewayFrame) {
        if let Some(connection) = self.connections.get(&connection_id) {
            // A closed receiver means the socket task already ended; nothing to deliver to.
            let _ = connection.sender.send(frame);
        }
    }

    /// Closes every socket with 4000 (a resumable error); sessions survive for RESUME.
    pub fn disconnect_all(&mut self) {
        for connection in self.connections.values() {
            let _ = connection.sender.send(GatewayFrame::Close(
                4000,
                "Disconnected by the test".to_string(),
            ));
        }
    }

    /// Forgets every session and closes the sockets, so the bot has to IDENTIFY again.
    pub fn invalidate_sessions(&mut self) {
        self.sessions.clear();
        for connection in self.connections.values_mut() {
            connection.session_id = None;
            let _ = connection
                .sender
                .send(GatewayFrame::Close(4009, "Session timed out".to_string()));
        }
    }

    /// `[shard_id, shard_total]` of every session with a live socket.
    pub fn connected_shards(&self) -> Vec<[u32; 2]> {
        let mut shards: Vec<[u32; 2]> = self
            .sessions
            .values()
            .filter(|session| session.connection.is_some())
            .map(|session| session.shard)
            .collect();
        shards.sort_unstable();
        shards
    }
}

impl Session {
    fn push(&mut self, connections: &BTreeMap<u64, Connection>, event: &str, data: Value) {
        self.seq += 1;
        let payload = json!({ "op": 0, "t": event, "s": self.seq, "d": data }).to_string();
        if self.log.len() >= REPLAY_LOG_LIMIT {
            self.log.remove(0);
        }
        self.log.push((self.seq, payload.clone()));
        if let Some(connection) = self.connection.and_then(|id| connections.get(&id)) {
            let _ = connection.sender.send(GatewayFrame::Text(payload));
        }
    }
}

/// Sends an op 0 event to every session that would receive it from Discord: guild events to
/// the shard owning the guild, everything else to shard 0; only if the session's intents cover
/// the event. Returns how many sessions got it (connected or waiting to resume).
pub fn dispatch(state: &mut State, event: &str, data: Value) -> usize {
    let guild_id = data.get("guild_id").and_then(|id| match id {
        Value::String(text) => text.parse::<u64>().ok(),
        other => other.as_u64(),
    });
    let required = required_intent(event, guild_id.is_some());
    let bot_id = state.bot.map(|bot| bot.user_id);
    let GatewayState {
        sessions,
        connections,
        ..
    } = &mut state.gateway;
    let mut delivered = 0;
    for session in sessions.values_mut() {
        let target_shard = guild_id.map_or(0, |id| models::shard_of(id, session.shard[1]));
        if session.shard[0] != target_shard || session.intents & required != required {
            continue;
        }
        let data = if guild_id.is_some() && event.starts_with("MESSAGE_") {
            hide_content_without_intent(data.clone(), session.intents, bot_id)
        } else {
            data.clone()
        };
        session.push(connections, event, data);
        delivered += 1;
    }
    delivered
}

fn required_intent(event: &str, in_guild: bool) -> u64 {
    match event {
        "GUILD_UPDATE" | "GUILD_DELETE" | "GUILD_ROLE_CREATE" | "GUILD_ROLE_UPDATE"
        | "GUILD_ROLE_DELETE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "CHANNEL_DELETE" => {
            intents::GUILDS
        }
        "GUILD_MEMBER_ADD" | "GUILD_MEMBER_UPDATE" | "GUILD_MEMBER_REMOVE" => {
            intents::GUILD_MEMBERS
        }
        "GUILD_BAN_ADD" | "GUILD_BAN_REMOVE" | "GUILD_AUDIT_LOG_ENTRY_CREATE" => {
            intents::GUILD_MODERATION
        }
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => {
            if in_guild {
                intents::GUILD_MESSAGES
            } else {
                intents::DIRECT_MESSAGES
            }
        }
        _ => 0,
    }
}

/// Without MESSAGE_CONTENT, guild messages arrive with empty content, embeds, attachments and
/// components unless the bot wrote them or is mentioned.
fn hide_content_without_intent(
    mut message: Value,
    session_intents: u64,
    bot: Option<u64>,
) -> Value {
    if session_intents & intents::MESSAGE_CONTENT != 0 {
        return message;
    }
    let Some(bot) = bot.map(|id| id.to_string()) else {
        return message;
    };
    let authored_by_bot = message["author"]["id"].as_str() == Some(bot.as_str());
    let mentions_bot = message["content"]
        .as_str()
        .is_some_and(|content| content.contains(&format!("<@{bot}>")));
    if !authored_by_bot && !mentions_bot {
        message["content"] = json!("");
        message["embeds"] = json!([]);
        message["attachments"] = json!([]);
        message["components"] = json!([]);
    }
    message
}

pub async fn upgrade(
    AxumState(double): AxumState<DiscordDouble>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| serve_connection(double, socket))
}

async fn serve_connection(double: DiscordDouble, socket: WebSocket) {
    let (sender, mut outgoing) = unbounded_channel();
    let hello = json!({ "op": 10, "s": null, "t": null, "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS } });
    let _ = sender.send(GatewayFrame::Text(hello.to_string()));
    let connection_id = double.update(|state| {
        let gateway = &mut state.gateway;
        gateway.next_connection_id += 1;
        let id = gateway.next_connection_id;
        gateway.connections.insert(
            id,
            Connection {
                sender,
                session_id: None,
            },
        );
        id
    });
    let (mut sink, mut incoming) = socket.split();
    loop {
        tokio::select! {
            frame = outgoing.recv() => match frame {
                Some(GatewayFrame::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(GatewayFrame::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                None => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    double.update(|state| handle_payload(state, connection_id, text.as_str()));
                }
                Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    // Complete the closing handshake: the client waits for our Close.
                    let _ = sink.send(Message::Close(frame)).await;
                    break;
                }
                Some(Err(_)) | None => break,
            },
        }
    }
    double.update(|state| {
        let gateway = &mut state.gateway;
        if let Some(connection) = gateway.connections.remove(&connection_id) {
            if let Some(session) = connection
                .session_id
                .and_then(|id| gateway.sessions.get_mut(&id))
            {
                if session.connection == Some(connection_id) {
                    session.connection = None;
                }
            }
        }
    });
}

fn handle_payload(state: &mut State, connection_id: u64, text: &str) {
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        close(state, connection_id, 4002, "Error while decoding payload.");
        return;
    };
    let data = &payload["d"];
    match payload["op"].as_u64() {
        Some(1) => state.gateway.send(
            connection_id,
            GatewayFrame::Text(json!({ "op": 11, "s": null, "t": null, "d": null }).to_string()),
        ),
        Some(2) => identify(state, connection_id, data),
        Some(6) => resume(state, connection_id, data),
        Some(8) => request_guild_members(state, connection_id, data),
        // Presence and voice state updates change nothing the tests look at.
        Some(3 | 4) => {}
        _ => close(state, connection_id, 4001, "Unknown opcode."),
    }
}

fn close(state: &mut State, connection_id: u64, code: u16, reason: &str) {
    state
        .gateway
        .send(connection_id, GatewayFrame::Close(code, reason.to_string()));
}

fn identify(state: &mut State, connection_id: u64, data: &Value) {
    let already_identified = state
        .gateway
        .connections
        .get(&connection_id)
        .is_some_and(|connection| connection.session_id.is_some());
    if already_identified {
        return close(state, connection_id, 4005, "Already authenticated.");
    }
    if state.bot.is_none() {
        return close(state, connection_id, 4004, "Authentication failed.");
    }
    let shard_id = data["shard"][0].as_u64().unwrap_or(0) as u32;
    let shard_total = data["shard"][1].as_u64().unwrap_or(1) as u32;
    if shard_total == 0 || shard_id >= shard_total {
        return close(state, connection_id, 4010, "Invalid shard.");
    }
    let session_id = uuid::Uuid::new_v4().simple().to_string();
    let shard = [shard_id, shard_total];
    let intents = data["intents"].as_u64().unwrap_or(0);

    let gateway = &mut state.gateway;
    // A new IDENTIFY abandons this shard's disconnected sessions; live duplicates (two processes
    // running the same shard) both keep receiving events, as on Discord.
    gateway
        .sessions
        .retain(|_, session| session.shard != shard || session.connection.is_some());
    gateway.sessions.insert(
        session_id.clone(),
        Session {
            shard,
            intents,
            seq: 0,
            log: Vec::new(),
            connection: Some(connection_id),
        },
    );
    if let Some(connection) = gateway.connections.get_mut(&connection_id) {
        connection.session_id = Some(session_id.clone());
    }

    let ready = models::ready(state, &session_id, shard, &state.gateway.url);
    let guild_creates: Vec<Value> = state
        .guilds
        .values()
        .filter(|guild| models::shard_of(guild.id, shard_total) == shard_id)
        .map(|guild| models::guild_create(state, guild))
        .collect();
    let GatewayState {
        sessions,
        connections,
        identifies,
        ..
    } = &mut state.gateway;
    if let Some(session) = sessions.get_mut(&session_id) {
        session.push(connections, "READY", ready);
        for guild in guild_creates {
            session.push(connections, "GUILD_CREATE", guild);
        }
    }
    identifies.push(IdentifyInfo {
        token: data["token"].as_str().unwrap_or_default().to_string(),
        intents,
        shard_id,
        shard_total,
        session_id,
    });
}

fn resume(state: &mut State, connection_id: u64, data: &Value) {
    let session_id = data["session_id"].as_str().unwrap_or_default().to_string();
    let last_seq = data["seq"].as_u64().unwrap_or(0);
    let GatewayState {
        sessions,
        connections,
        resumes,
        ..
    } = &mut state.gateway;
    let Some(session) = sessions.get_mut(&session_id) else {
        let invalid = json!({ "op": 9, "s": null, "t": null, "d": false }).to_string();
        state
            .gateway
            .send(connection_id, GatewayFrame::Text(invalid));
        return;
    };
    session.connection = Some(connection_id);
    if let Some(connection) = connections.get_mut(&connection_id) {
        connection.session_id = Some(session_id);
        for (_, payload) in session.log.iter().filter(|(seq, _)| *seq > last_seq) {
            let _ = connection.sender.send(GatewayFrame::Text(payload.clone()));
        }
    }
    session.push(connections, "RESUMED", json!({}));
    *resumes += 1;
}

fn request_guild_members(state: &mut State, connection_id: u64, data: &Value) {
    let guild_id = match &data["guild_id"] {
        Value::String(text) => text.parse::<u64>().ok(),
        Value::Array(ids) => ids
            .first()
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok()),
        other => other.as_u64(),
    };
    let Some(guild) = guild_id.and_then(|id| state.guilds.get(&id)) else {
        return;
    };
    let wanted: Option<Vec<u64>> = data["user_ids"].as_array().map(|ids| {
        ids.iter()
            .filter_map(|id| id.as_str().and_then(|id| id.parse().ok()).or(id.as_u64()))
            .collect()
    });
    let query = data["query"].as_str().unwrap_or_default().to_lowercase();
    let members: Vec<Value> = guild
        .members
        .values()
        .filter(|member| {
            wanted
                .as_ref()
                .is_none_or(|ids| ids.contains(&member.user_id))
        })
        .filter(|member| {
            state
                .users
                .get(&member.user_id)
                .is_none_or(|user| query.is_empty() || user.name.to_lowercase().starts_with(&query))
        })
        .map(|member| models::member(state, member, true, None))
        .collect();
    let chunk = json!({
        "guild_id": guild.id.to_string(),
        "members": members,
        "chunk_index": 0,
        "chunk_count": 1,
        "not_found": [],
        "nonce": data["nonce"],
    });
    let GatewayState {
        sessions,
        connections,
        ..
    } = &mut state.gateway;
    let session_id = connections
        .get(&connection_id)
        .and_then(|connection| connection.session_id.clone());
    if let Some(session) = session_id.and_then(|id| sessions.get_mut(&id)) {
        session.push(connections, "GUILD_MEMBERS_CHUNK", chunk);
    }
}
