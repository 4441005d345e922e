//! A fake Discord for integration tests: REST under `/api/v10`, a gateway websocket, guild
//! state with Discord's permission and hierarchy rules (channel permission overwrites and
//! threads included), and helpers that act like Discord
//! clients (slash commands, buttons, modals) and like moderators using Discord's own UI.
//!
//! Point serenity at it with `HttpBuilder::new(token).proxy(double.base_url())
//! .ratelimiter_disabled(true)`.
//!
//! REST actions also produce the gateway events Discord sends for them (a ban by the bot
//! yields GUILD_MEMBER_REMOVE, GUILD_BAN_ADD and an audit log entry whose actor is the bot),
//! events only reach sessions whose intents cover them, and interactions must be acknowledged
//! within 3 seconds by default (see [`DiscordDouble::set_interaction_ack_deadline`]).
//!
//! [`openapi`] checks the requests the double recorded against Discord's OpenAPI description.

mod command_routes;
mod errors;
mod events;
mod gateway;
mod guild_routes;
mod interaction_payloads;
mod interaction_routes;
mod interactions;
mod message_routes;
mod models;
pub mod openapi;
pub mod permissions;
mod recorded;
mod rest;
mod state;
mod validation;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;

pub use events::{audit_action, AuditLogEntry};
pub use gateway::IdentifyInfo;
pub use interactions::{InteractionHandle, Reply};
pub use recorded::RecordedRequest;

use errors::ApiError;
use models::MessageDraft;
pub use state::OverwriteTarget;
use state::{
    now_timestamp, BotIdentity, ChannelKind, ChannelRecord, FailureRule, GuildRecord, MemberRecord,
    PermissionOverwrite, ResponseDelay, RoleRecord, State, StoredMessage, UserRecord,
};

/// How often waiters re-check state even without a change notification (for deadlines).
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A member as the tests inspect it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub roles: Vec<u64>,
    pub nick: Option<String>,
    pub communication_disabled_until: Option<String>,
}

/// Handle to a running double; clones share the same server and state.
#[derive(Clone)]
pub struct DiscordDouble {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    changed: Notify,
    address: SocketAddr,
}

impl DiscordDouble {
    /// Binds 127.0.0.1 on a free port and serves REST and the gateway until the runtime ends.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Discord double to 127.0.0.1");
        let address = listener
            .local_addr()
            .expect("local address of the Discord double");
        let mut state = State::new();
        state.gateway.url = format!("ws://{address}/gateway-ws");
        state.cdn_base = format!("http://{address}/cdn");
        let double = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                changed: Notify::new(),
                address,
            }),
        };
        let app = rest::router(double.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the Discord double's server failed");
        });
        double
    }

    /// `http://127.0.0.1:PORT`, what serenity's `HttpBuilder::proxy` takes.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.address)
    }

    /// `ws://127.0.0.1:PORT/gateway-ws`, what `GET /gateway` returns.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway-ws", self.inner.address)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn read<T>(&self, look: impl FnOnce(&State) -> T) -> T {
        look(&self.lock())
    }

    /// Changes state and wakes everything waiting for a change.
    fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let result = change(&mut self.lock());
        self.inner.changed.notify_waiters();
        result
    }

    /// Re-checks `check` on every state change (and every 50 ms) until it yields or time runs out.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = self.read(&mut check) {
                return Some(found);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return None;
            }
            let _ = tokio::time::timeout_at(deadline.min(now + POLL_INTERVAL), notified).await;
        }
    }

    // ---- Seeding -------------------------------------------------------------------------

    /// The bot's user (created if not seeded yet, named "Gavel") and application. Any
    /// `Authorization: Bot <token>` is accepted as this bot.
    pub fn set_bot(&self, user_id: u64, application_id: u64) {
        self.update(|state| {
            state.bot = Some(BotIdentity {
                user_id,
                application_id,
            });
            let user = state.users.entry(user_id).or_insert_with(|| UserRecord {
                id: user_id,
                name: "Gavel".to_string(),
                bot: true,
                dms_open: false,
            });
            user.bot = true;
        });
    }

    pub fn add_user(&self, id: u64, name: &str, bot: bool) {
        self.update(|state| {
            state.users.insert(
                id,
                UserRecord {
                    id,
                    name: name.to_string(),
                    bot,
                    dms_open: true,
                },
            );
        });
    }

    /// Whether the user accepts DMs from the bot (default: open).
    pub fn set_dms_open(&self, user_id: u64, open: bool) {
        self.update(|state| {
            state
                .users
                .get_mut(&user_id)
                .unwrap_or_else(|| panic!("set_dms_open: add_user({user_id}) first"))
                .dms_open = open;
        });
    }

    /// A guild with its @everyone role (id == guild id, position 0, Discord's usual member
    /// permissions: view, send, read history, react, embed, attach, use commands).
    pub fn add_guild(&self, guild_id: u64, owner_id: u64, name: &str) {
        self.update(|state| {
            state
                .guilds
                .insert(guild_id, GuildRecord::new(guild_id, owner_id, name));
        });
    }

    pub fn add_role(
        &self,
        guild_id: u64,
        role_id: u64,
        name: &str,
        position: u16,
        permissions: u64,
    ) {
        self.update(|state| {
            guild_mut(state, guild_id).roles.insert(
                role_id,
                RoleRecord {
                    id: role_id,
                    name: name.to_string(),
                    position,
                    permissions,
                },
            );
        });
    }

    /// Changes a role's permissions (use the guild id for @everyone).
    pub fn set_role_permissions(&self, guild_id: u64, role_id: u64, permissions: u64) {
        self.update(|state| {
            guild_mut(state, guild_id)
                .roles
                .get_mut(&role_id)
                .unwrap_or_else(|| {
                    panic!("set_role_permissions: no role {role_id} in guild {guild_id}")
                })
                .permissions = permissions;
        });
    }

    /// Makes a seeded user a member (seed the bot as a member too, with its role).
    pub fn add_member(&self, guild_id: u64, user_id: u64, roles: &[u64]) {
        self.update(|state| insert_member(state, guild_id, user_id, roles));
    }

    /// A text channel in the guild.
    pub fn add_channel(&self, guild_id: u64, channel_id: u64, name: &str) {
        self.update(|state| {
            let guild = guild_mut(state, guild_id);
            let position = guild.channel_ids.len() as u16;
            guild.channel_ids.push(channel_id);
            state.channels.insert(
                channel_id,
                ChannelRecord {
                    id: channel_id,
                    kind: ChannelKind::GuildText {
                        guild_id,
                        name: name.to_string(),
                        position,
                        permission_overwrites: Vec::new(),
                    },
                },
            );
        });
    }

    /// Sets (or replaces) a text channel's permission overwrite for a role (the guild id for
    /// @everyone) or a member, as Channel Settings → Permissions does. Threads have none of
    /// their own: they follow their parent's.
    pub fn set_permission_overwrite(
        &self,
        channel_id: u64,
        target: OverwriteTarget,
        allow: u64,
        deny: u64,
    ) {
        self.update(|state| {
            let channel = state.channels.get_mut(&channel_id).unwrap_or_else(|| {
                panic!("set_permission_overwrite: channel {channel_id} was not seeded")
            });
            let ChannelKind::GuildText {
                permission_overwrites,
                ..
            } = &mut channel.kind
            else {
                panic!("set_permission_overwrite: channel {channel_id} is not a text channel");
            };
            permission_overwrites.retain(|overwrite| overwrite.target != target);
            permission_overwrites.push(PermissionOverwrite {
                target,
                allow,
                deny,
            });
        });
    }

    /// A public thread in a text channel, started by `owner` (who is its first member).
    pub fn add_thread(&self, parent_id: u64, thread_id: u64, name: &str, owner: u64) {
        self.insert_thread(parent_id, thread_id, name, owner, false, &[]);
    }

    /// A private thread: visible to `owner`, the other `members`, and whoever may manage
    /// threads in its parent.
    pub fn add_private_thread(
        &self,
        parent_id: u64,
        thread_id: u64,
        name: &str,
        owner: u64,
        members: &[u64],
    ) {
        self.insert_thread(parent_id, thread_id, name, owner, true, members);
    }

    fn insert_thread(
        &self,
        parent_id: u64,
        thread_id: u64,
        name: &str,
        owner: u64,
        private: bool,
        members: &[u64],
    ) {
        self.update(|state| {
            let guild_id = match state.channels.get(&parent_id).map(|parent| &parent.kind) {
                Some(ChannelKind::GuildText { guild_id, .. }) => *guild_id,
                _ => panic!("add_thread: {parent_id} is not a seeded text channel"),
            };
            let mut all_members = vec![owner];
            all_members.extend(members.iter().copied().filter(|member| *member != owner));
            state.channels.insert(
                thread_id,
                ChannelRecord {
                    id: thread_id,
                    kind: ChannelKind::Thread {
                        guild_id,
                        parent_id,
                        name: name.to_string(),
                        owner_id: owner,
                        private,
                        members: all_members,
                        created_at: now_timestamp(),
                    },
                },
            );
        });
    }

    /// What a server admin sets under Server Settings → Integrations: lets (`allowed`) or
    /// stops a role, a user, or everyone (pass the guild id) using `command` (its top-level
    /// name) regardless of its `default_member_permissions`. Administrators always can.
    pub fn set_command_permission(&self, guild_id: u64, command: &str, target: u64, allowed: bool) {
        self.update(|state| {
            state
                .command_overrides
                .entry((guild_id, command.to_string()))
                .or_default()
                .insert(target, allowed);
        });
    }

    /// How long the bot has to acknowledge an interaction (default 3 s, `None` for no limit).
    pub fn set_interaction_ack_deadline(&self, deadline: Option<Duration>) {
        self.update(|state| state.interaction_ack_deadline = deadline);
    }

    // ---- Failure injection ---------------------------------------------------------------

    /// The next request with this method whose path contains `path_contains` fails with
    /// `status` and Discord error `code` (it is still recorded).
    pub fn fail_next(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        code: u32,
        message: &str,
    ) {
        self.add_failure(method, path_contains, status, code, message, Some(1));
    }

    /// Like [`Self::fail_next`] for every matching request until [`Self::clear_failures`].
    pub fn fail_always(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        code: u32,
        message: &str,
    ) {
        self.add_failure(method, path_contains, status, code, message, None);
    }

    pub fn clear_failures(&self) {
        self.update(|state| state.failures.clear());
    }

    /// Requests with this method whose path contains `path_contains` are recorded on arrival
    /// but processed and answered only after `delay` (until [`Self::clear_response_delays`]).
    pub fn set_response_delay(&self, method: &str, path_contains: &str, delay: Duration) {
        self.update(|state| {
            state
                .response_delays
                .retain(|rule| !(rule.method == method && rule.path_contains == path_contains));
            state.response_delays.push(ResponseDelay {
                method: method.to_string(),
                path_contains: path_contains.to_string(),
                delay,
            });
        });
    }

    pub fn clear_response_delays(&self) {
        self.update(|state| state.response_delays.clear());
    }

    fn add_failure(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        code: u32,
        message: &str,
        remaining: Option<usize>,
    ) {
        self.update(|state| {
            state.failures.push(FailureRule {
                method: method.to_string(),
                path_contains: path_contains.to_string(),
                error: ApiError::new(status, code, message),
                remaining,
            });
        });
    }

    // ---- Inspection ----------------------------------------------------------------------

    /// Every REST request since the start (or the last [`Self::clear_requests`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.read(|state| state.requests.clone())
    }

    pub fn clear_requests(&self) {
        self.update(|state| {
            state.requests.clear();
            state.unrouted_requests.clear();
        });
    }

    pub fn requests_matching(&self, method: &str, path_contains: &str) -> Vec<RecordedRequest> {
        self.read(|state| {
            state
                .requests
                .iter()
                .filter(|request| request_matches(request, method, path_contains))
                .cloned()
                .collect()
        })
    }

    /// Requests no route served (answered 404): the bot called something the double does
    /// not implement, or a wrong path.
    pub fn unrouted_requests(&self) -> Vec<RecordedRequest> {
        self.read(|state| state.unrouted_requests.clone())
    }

    /// Waits until a matching request has been recorded and returns the first one; panics
    /// with the requests seen on timeout. Call [`Self::clear_requests`] first to wait for a
    /// new one.
    pub async fn wait_for_request(
        &self,
        method: &str,
        path_contains: &str,
        timeout: Duration,
    ) -> RecordedRequest {
        let found = self
            .wait_until(timeout, |state| {
                state
                    .requests
                    .iter()
                    .find(|request| request_matches(request, method, path_contains))
                    .cloned()
            })
            .await;
        found.unwrap_or_else(|| {
            let seen: Vec<String> = self
                .requests()
                .iter()
                .map(|request| format!("{} {}", request.method, request.path))
                .collect();
            panic!("no {method} request containing '{path_contains}' within {timeout:?}; seen: {seen:#?}")
        })
    }

    pub fn is_banned(&self, guild_id: u64, user_id: u64) -> bool {
        self.read(|state| {
            state
                .guilds
                .get(&guild_id)
                .is_some_and(|guild| guild.bans.contains_key(&user_id))
        })
    }

    pub fn ban_reason(&self, guild_id: u64, user_id: u64) -> Option<String> {
        self.read(|state| {
            state
                .guilds
                .get(&guild_id)
                .and_then(|guild| guild.bans.get(&user_id).cloned().flatten())
        })
    }

    pub fn member(&self, guild_id: u64, user_id: u64) -> Option<MemberView> {
        self.read(|state| {
            let member = state.guilds.get(&guild_id)?.members.get(&user_id)?;
            Some(MemberView {
                roles: member.roles.clone(),
                nick: member.nick.clone(),
                communication_disabled_until: member.communication_disabled_until.clone(),
            })
        })
    }

    /// Messages the bot sent to the user's DM channel, oldest first.
    pub fn dms_to(&self, user_id: u64) -> Vec<Value> {
        self.read(|state| {
            let Some(channel_id) = state.dm_channel_of_user.get(&user_id) else {
                return Vec::new();
            };
            let bot = state
                .bot
                .map(|bot| bot.user_id.to_string())
                .unwrap_or_default();
            state
                .messages
                .values()
                .filter(|message| message.channel_id == *channel_id)
                .filter(|message| message.json["author"]["id"].as_str() == Some(bot.as_str()))
                .map(|message| message.json.clone())
                .collect()
        })
    }

    /// Visible (non-ephemeral) messages in a channel, oldest first.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.read(|state| {
            state
                .messages
                .values()
                .filter(|message| message.channel_id == channel_id && !message.ephemeral)
                .map(|message| message.json.clone())
                .collect()
        })
    }

    /// Registered commands: a guild's (`Some(guild)`) or the global ones (`None`).
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.read(|state| match guild_id {
            Some(guild_id) => state
                .guild_commands
                .get(&guild_id)
                .cloned()
                .unwrap_or_default(),
            None => state.global_commands.clone(),
        })
    }

    /// The guild's audit log entries, oldest first.
    pub fn audit_log(&self, guild_id: u64) -> Vec<Value> {
        self.read(|state| {
            state
                .guilds
                .get(&guild_id)
                .map(|guild| guild.audit_log.clone())
                .unwrap_or_default()
        })
    }

    // ---- Gateway -------------------------------------------------------------------------

    /// Waits for the next IDENTIFY not yet returned by an earlier call (READY and the
    /// GUILD_CREATEs are already queued to the bot when it returns). Panics on timeout.
    pub async fn wait_for_identify(&self, timeout: Duration) -> IdentifyInfo {
        let found = self
            .wait_until(timeout, |state| {
                state
                    .gateway
                    .identifies
                    .get(state.gateway.identify_cursor)
                    .cloned()
            })
            .await
            .unwrap_or_else(|| {
                panic!("the bot did not IDENTIFY on the gateway within {timeout:?}")
            });
        self.update(|state| state.gateway.identify_cursor += 1);
        found
    }

    /// Every IDENTIFY received so far.
    pub fn identifies(&self) -> Vec<IdentifyInfo> {
        self.read(|state| state.gateway.identifies.clone())
    }

    /// `[shard_id, shard_total]` for every identified session with a live websocket.
    pub fn connected_shards(&self) -> Vec<[u32; 2]> {
        self.read(|state| state.gateway.connected_shards())
    }

    /// Closes every gateway websocket with a resumable close code; sessions stay resumable.
    pub fn disconnect_all(&self) {
        self.update(|state| state.gateway.disconnect_all());
    }

    /// Forgets all sessions and closes the sockets, forcing a fresh IDENTIFY.
    pub fn invalidate_sessions(&self) {
        self.update(|state| state.gateway.invalidate_sessions());
    }

    /// How many RESUMEs succeeded.
    pub fn resume_count(&self) -> usize {
        self.read(|state| state.gateway.resumes)
    }

    /// Waits until a session for `shard` (`[id, total]`) has a live websocket.
    pub async fn wait_for_connected_shard(&self, shard: [u32; 2], timeout: Duration) -> bool {
        self.wait_until(timeout, |state| {
            state
                .gateway
                .connected_shards()
                .contains(&shard)
                .then_some(())
        })
        .await
        .is_some()
    }

    // ---- Things happening in the guild ---------------------------------------------------

    /// A user joins: becomes a member (no roles) and GUILD_MEMBER_ADD is dispatched.
    pub fn member_join(&self, guild_id: u64, user_id: u64) {
        self.update(|state| {
            insert_member(state, guild_id, user_id, &[]);
            events::member_added(state, guild_id, user_id);
        });
    }

    /// An admin deletes a text channel (and so its threads) from Discord's UI: it and its
    /// messages are gone, and CHANNEL_DELETE is dispatched.
    pub fn delete_channel(&self, channel_id: u64) {
        self.update(|state| {
            let channel = state
                .channels
                .get(&channel_id)
                .filter(|channel| matches!(channel.kind, ChannelKind::GuildText { .. }))
                .cloned()
                .unwrap_or_else(|| {
                    panic!("delete_channel: {channel_id} is not a seeded text channel")
                });
            let threads: Vec<u64> = state
                .channels
                .values()
                .filter(|c| matches!(c.kind, ChannelKind::Thread { parent_id, .. } if parent_id == channel_id))
                .map(|c| c.id)
                .collect();
            let data = models::channel(state, &channel);
            for id in threads.iter().chain([&channel_id]) {
                state.channels.remove(id);
                state.messages.retain(|_, message| message.channel_id != *id);
            }
            if let Some(guild_id) = channel.guild_id() {
                guild_mut(state, guild_id)
                    .channel_ids
                    .retain(|id| *id != channel_id);
            }
            events::channel_deleted(state, data);
        });
    }

    /// A member leaves on their own: GUILD_MEMBER_REMOVE, no audit log entry.
    pub fn member_leave(&self, guild_id: u64, user_id: u64) {
        self.update(|state| {
            guild_mut(state, guild_id).members.remove(&user_id);
            events::member_removed(state, guild_id, user_id);
        });
    }

    /// GUILD_DELETE for the guild: `unavailable` for an outage, otherwise the bot was removed.
    /// Only the event: the guild's state and REST routes stay as they are (inject failures for
    /// what REST answers a bot that is not in the guild).
    pub fn guild_delete(&self, guild_id: u64, unavailable: bool) {
        self.update(|state| events::guild_deleted(state, guild_id, unavailable));
    }

    /// GUILD_CREATE for a seeded guild: the bot was added (back) to it.
    pub fn guild_create(&self, guild_id: u64) {
        self.update(|state| events::guild_created(state, guild_id));
    }

    /// Records an audit log entry and dispatches GUILD_AUDIT_LOG_ENTRY_CREATE; returns its id.
    pub fn audit_log_entry(&self, guild_id: u64, entry: AuditLogEntry) -> u64 {
        self.update(|state| events::audit_log_entry(state, guild_id, &entry))
    }

    /// A user posts `content` in a channel (guild or DM): stored, and MESSAGE_CREATE is
    /// dispatched with `guild_id` and `member` for guild channels. Returns the message id.
    pub fn message_create(&self, channel_id: u64, author: u64, content: &str) -> u64 {
        self.message_create_at(channel_id, author, content, None)
    }

    /// Like [`Self::message_create`], for a message posted at `at` (its id is a snowflake of
    /// that time, as Discord's are); `None` is now.
    pub fn message_create_at(
        &self,
        channel_id: u64,
        author: u64,
        content: &str,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> u64 {
        self.update(|state| {
            assert!(
                state.channels.contains_key(&channel_id),
                "message_create: channel {channel_id} was not seeded"
            );
            let author_json = models::user(
                state
                    .users
                    .get(&author)
                    .unwrap_or_else(|| panic!("message_create: add_user({author}) first")),
            );
            let (id, timestamp) = match at {
                Some(at) => (
                    state.id_at(at),
                    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
                ),
                None => (state.next_id(), now_timestamp()),
            };
            let json = models::message(&MessageDraft {
                id,
                channel_id,
                author: author_json,
                content: content.to_string(),
                timestamp,
                ..MessageDraft::default()
            });
            state.messages.insert(
                id,
                StoredMessage {
                    id,
                    channel_id,
                    ephemeral: false,
                    json,
                },
            );
            events::message_created(state, id);
            id
        })
    }

    /// A stored message as Discord would return it.
    pub fn message_json(&self, id: u64) -> Value {
        self.read(|state| state.message_json(id))
            .unwrap_or_else(|| panic!("no message {id}"))
    }

    /// Bytes the fake CDN serves at `/cdn/<path>`.
    pub fn cdn_file(&self, path: &str) -> Option<(String, Vec<u8>)> {
        self.read(|state| state.cdn_files.get(path).cloned())
    }

    /// Like [`Self::message_create`], with attachments whose bytes the fake CDN serves. Their
    /// URLs use `host` (e.g. `127.0.0.1`, or `localhost` for a host Gavel should refuse) and
    /// the double's port.
    pub fn message_create_with_attachments(
        &self,
        channel_id: u64,
        author: u64,
        content: &str,
        files: Vec<(&str, Vec<u8>)>,
        host: &str,
    ) -> u64 {
        let port = self.inner.address.port();
        let id = self.message_create(channel_id, author, content);
        self.update(|state| {
            let mut attachments = Vec::new();
            for (filename, bytes) in files {
                let attachment_id = state.next_id();
                let path = format!("attachments/{channel_id}/{attachment_id}/{filename}");
                let mut attachment =
                    models::attachment(attachment_id, channel_id, filename, bytes.len());
                let url = format!("http://{host}:{port}/cdn/{path}");
                attachment["url"] = serde_json::json!(url);
                attachment["proxy_url"] = serde_json::json!(url);
                let content_type = attachment["content_type"]
                    .as_str()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                state.cdn_files.insert(path, (content_type, bytes));
                attachments.push(attachment);
            }
            let message = state.messages.get_mut(&id).expect("just stored");
            message.json["attachments"] = Value::Array(attachments);
        });
        id
    }

    /// A moderator bans from Discord's UI: state changes, then GUILD_MEMBER_REMOVE (if they
    /// were a member), GUILD_BAN_ADD and the audit log entry.
    pub fn moderator_ban(&self, guild_id: u64, moderator: u64, user_id: u64, reason: Option<&str>) {
        self.update(|state| {
            let guild = guild_mut(state, guild_id);
            let was_member = guild.members.remove(&user_id).is_some();
            guild.bans.insert(user_id, reason.map(str::to_string));
            if was_member {
                events::member_removed(state, guild_id, user_id);
            }
            events::ban_added(state, guild_id, user_id);
            let entry = AuditLogEntry::ban(moderator, user_id).maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        });
    }

    /// A moderator revokes a ban from Discord's UI.
    pub fn moderator_unban(
        &self,
        guild_id: u64,
        moderator: u64,
        user_id: u64,
        reason: Option<&str>,
    ) {
        self.update(|state| {
            guild_mut(state, guild_id).bans.remove(&user_id);
            events::ban_removed(state, guild_id, user_id);
            let entry = AuditLogEntry::unban(moderator, user_id).maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        });
    }

    /// A moderator kicks from Discord's UI.
    pub fn moderator_kick(
        &self,
        guild_id: u64,
        moderator: u64,
        user_id: u64,
        reason: Option<&str>,
    ) {
        self.update(|state| {
            guild_mut(state, guild_id).members.remove(&user_id);
            events::member_removed(state, guild_id, user_id);
            let entry = AuditLogEntry::kick(moderator, user_id).maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        });
    }

    /// A moderator times a member out (or lifts it with `None`) from Discord's UI.
    pub fn moderator_timeout(
        &self,
        guild_id: u64,
        moderator: u64,
        user_id: u64,
        until: Option<&str>,
        reason: Option<&str>,
    ) {
        self.update(|state| {
            let member = guild_mut(state, guild_id)
                .members
                .get_mut(&user_id)
                .unwrap_or_else(|| {
                    panic!("moderator_timeout: {user_id} is not a member of {guild_id}")
                });
            let old = member.communication_disabled_until.take();
            member.communication_disabled_until = until.map(str::to_string);
            events::member_updated(state, guild_id, user_id);
            let entry = AuditLogEntry::timeout(moderator, user_id, old.as_deref(), until)
                .maybe_reason(reason);
            events::audit_log_entry(state, guild_id, &entry);
        });
    }

    // ---- Silent state changes (no events) ------------------------------------------------

    pub fn ban_directly(&self, guild_id: u64, user_id: u64, reason: Option<&str>) {
        self.update(|state| {
            let guild = guild_mut(state, guild_id);
            guild.members.remove(&user_id);
            guild.bans.insert(user_id, reason.map(str::to_string));
        });
    }

    pub fn set_member_roles(&self, guild_id: u64, user_id: u64, roles: &[u64]) {
        self.update(|state| {
            guild_mut(state, guild_id)
                .members
                .get_mut(&user_id)
                .unwrap_or_else(|| {
                    panic!("set_member_roles: {user_id} is not a member of {guild_id}")
                })
                .roles = roles.to_vec();
        });
    }
}

fn guild_mut(state: &mut State, guild_id: u64) -> &mut GuildRecord {
    state
        .guilds
        .get_mut(&guild_id)
        .unwrap_or_else(|| panic!("guild {guild_id} was not seeded: call add_guild first"))
}

fn insert_member(state: &mut State, guild_id: u64, user_id: u64, roles: &[u64]) {
    assert!(
        state.users.contains_key(&user_id),
        "add_user({user_id}) (or set_bot) before making them a member of {guild_id}"
    );
    let guild = guild_mut(state, guild_id);
    for role in roles {
        assert!(
            guild.roles.contains_key(role),
            "role {role} does not exist in guild {guild_id}: add_role first"
        );
    }
    guild.members.insert(
        user_id,
        MemberRecord {
            user_id,
            roles: roles
                .iter()
                .copied()
                .filter(|role| *role != guild_id)
                .collect(),
            nick: None,
            joined_at: now_timestamp(),
            communication_disabled_until: None,
        },
    );
}

fn request_matches(request: &RecordedRequest, method: &str, path_contains: &str) -> bool {
    request.method.eq_ignore_ascii_case(method) && request.path.contains(path_contains)
}
