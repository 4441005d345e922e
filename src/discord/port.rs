//! The one door every Discord side effect goes through. Services hold an `Arc<dyn DiscordPort>`;
//! production and tests both use `SerenityPort` (serenity's `Http`), tests pointing it at a
//! Discord double with `DISCORD_API_BASE`.

use crate::domain::message::OutgoingMessage;
use crate::evidence::snapshot::{
    AttachmentSnapshot, AuthorSnapshot, MessageSnapshot, ReferenceSnapshot, ReferencedSnapshot,
};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use serenity::all::{
    ChannelId, CreateEmbed, CreateEmbedFooter, CreateMessage, GuildId, Message, MessageId,
    MessagePagination, RoleId, Timestamp, UserId,
};
use serenity::http::{Http, HttpBuilder, LightMethod, Request, Route};
use std::sync::Arc;

/// Discord error codes Gavel tells moderators about in its own words.
pub mod codes {
    pub const UNKNOWN_CHANNEL: u32 = 10003;
    pub const UNKNOWN_MESSAGE: u32 = 10008;
    pub const UNKNOWN_MEMBER: u32 = 10007;
    pub const UNKNOWN_ROLE: u32 = 10011;
    pub const UNKNOWN_USER: u32 = 10013;
    pub const UNKNOWN_BAN: u32 = 10026;
    pub const CANNOT_DM: u32 = 50007;
    pub const MISSING_PERMISSIONS: u32 = 50013;
    pub const MISSING_ACCESS: u32 = 50001;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Discord answered {status} (code {code:?}): {message}")]
pub struct DiscordError {
    /// HTTP status; 0 when the request never got an answer.
    pub status: u16,
    pub code: Option<u32>,
    pub message: String,
}

impl DiscordError {
    pub fn is(&self, code: u32) -> bool {
        self.code == Some(code)
    }

    /// Worth retrying: Discord was unavailable, rate-limited us, or the connection failed.
    pub fn is_transient(&self) -> bool {
        self.status == 0 || self.status == 429 || self.status >= 500
    }

    pub fn moderator_message(&self) -> String {
        match self.code {
            Some(codes::MISSING_PERMISSIONS) | Some(codes::MISSING_ACCESS) => {
                "Discord refused: Gavel lacks the permission for this, or the target's highest role is above Gavel's. Check Gavel's role permissions and move its role higher.".into()
            }
            Some(codes::UNKNOWN_MEMBER) => "That user is not a member of this server.".into(),
            Some(codes::UNKNOWN_BAN) => "That user is not banned.".into(),
            Some(codes::CANNOT_DM) => {
                "That user does not accept direct messages from Gavel.".into()
            }
            Some(codes::UNKNOWN_ROLE) => {
                "That role no longer exists; update the setting that names it.".into()
            }
            Some(codes::UNKNOWN_CHANNEL) => "That channel no longer exists.".into(),
            Some(codes::UNKNOWN_USER) => "Discord does not know that user.".into(),
            _ if self.status == 429 => {
                "Discord is rate-limiting Gavel; try again in a few seconds.".into()
            }
            _ if self.is_transient() => {
                "Discord did not answer properly; try again in a moment.".into()
            }
            _ => format!("Discord refused the request: {}", self.message),
        }
    }
}

impl From<serenity::Error> for DiscordError {
    fn from(error: serenity::Error) -> Self {
        use serenity::http::HttpError;
        match error {
            serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => DiscordError {
                status: response.status_code.as_u16(),
                code: u32::try_from(response.error.code).ok(),
                message: response.error.message,
            },
            other => DiscordError {
                status: 0,
                code: None,
                message: other.to_string(),
            },
        }
    }
}

pub type DiscordResult<T> = Result<T, DiscordError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSnapshot {
    pub id: u64,
    pub name: String,
    pub position: u16,
    pub permissions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSnapshot {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub roles: Vec<RoleSnapshot>,
}

impl GuildSnapshot {
    pub fn role(&self, id: u64) -> Option<&RoleSnapshot> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The position of a member's highest role; @everyone (position 0) when they have none.
    pub fn top_position(&self, member: &MemberSnapshot) -> u16 {
        member
            .role_ids
            .iter()
            .filter_map(|id| self.role(*id))
            .map(|r| r.position)
            .max()
            .unwrap_or(0)
    }

    /// Guild-level permissions: @everyone (whose id is the guild's) plus every role held.
    pub fn permissions_of(&self, member: &MemberSnapshot) -> u64 {
        if member.user_id == self.owner_id {
            return u64::MAX;
        }
        let everyone = self.role(self.id).map_or(0, |r| r.permissions);
        let perms = member
            .role_ids
            .iter()
            .filter_map(|id| self.role(*id))
            .fold(everyone, |acc, r| acc | r.permissions);
        if perms & permissions::ADMINISTRATOR != 0 {
            u64::MAX
        } else {
            perms
        }
    }
}

pub mod permissions {
    pub const KICK_MEMBERS: u64 = 1 << 1;
    pub const BAN_MEMBERS: u64 = 1 << 2;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const MODERATE_MEMBERS: u64 = 1 << 40;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSnapshot {
    pub user_id: u64,
    pub is_bot: bool,
    pub role_ids: Vec<u64>,
    pub timed_out_until: Option<DateTime<Utc>>,
}

/// Which page of a channel's history to read, relative to a message (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePage {
    Before(u64),
    After(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BulkBanOutcome {
    pub banned: Vec<u64>,
    pub failed: Vec<u64>,
}

/// Every Discord call Gavel makes. Calls that change a guild carry the audit-log reason.
#[async_trait]
pub trait DiscordPort: Send + Sync {
    /// The bot's own user id.
    fn bot_user_id(&self) -> u64;
    async fn guild(&self, guild_id: u64) -> DiscordResult<GuildSnapshot>;
    /// `None` when the user is not in the guild.
    async fn member(&self, guild_id: u64, user_id: u64) -> DiscordResult<Option<MemberSnapshot>>;
    /// Whether the user is banned, and the ban's reason.
    async fn ban_of(&self, guild_id: u64, user_id: u64) -> DiscordResult<Option<Option<String>>>;
    async fn ban(
        &self,
        guild_id: u64,
        user_id: u64,
        delete_message_seconds: u32,
        reason: &str,
    ) -> DiscordResult<()>;
    async fn bulk_ban(
        &self,
        guild_id: u64,
        user_ids: &[u64],
        delete_message_seconds: u32,
        reason: &str,
    ) -> DiscordResult<BulkBanOutcome>;
    async fn unban(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()>;
    async fn kick(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()>;
    async fn set_timeout(
        &self,
        guild_id: u64,
        user_id: u64,
        until: DateTime<Utc>,
        reason: &str,
    ) -> DiscordResult<()>;
    async fn clear_timeout(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()>;
    async fn add_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        reason: &str,
    ) -> DiscordResult<()>;
    async fn remove_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        reason: &str,
    ) -> DiscordResult<()>;
    async fn dm(&self, user_id: u64, message: &OutgoingMessage) -> DiscordResult<()>;
    async fn post(&self, channel_id: u64, message: &OutgoingMessage) -> DiscordResult<()>;
    /// One message, as Discord has it now.
    async fn message(&self, channel_id: u64, message_id: u64) -> DiscordResult<MessageSnapshot>;
    /// Up to `limit` (1-100) messages before or after one, newest first as Discord returns them.
    async fn messages(
        &self,
        channel_id: u64,
        page: MessagePage,
        limit: u8,
    ) -> DiscordResult<Vec<MessageSnapshot>>;
}

fn author_snapshot(user: &serenity::all::User) -> AuthorSnapshot {
    AuthorSnapshot {
        id: user.id.get().to_string(),
        name: user.name.clone(),
        bot: user.bot,
    }
}

/// What Gavel keeps of a message (see `evidence::snapshot`).
pub fn message_snapshot(message: &Message) -> MessageSnapshot {
    MessageSnapshot {
        id: message.id.get().to_string(),
        channel_id: message.channel_id.get().to_string(),
        author: author_snapshot(&message.author),
        content: message.content.clone(),
        created_at: message.timestamp.to_string(),
        edited_at: message.edited_timestamp.map(|t| t.to_string()),
        embeds: message
            .embeds
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect(),
        reference: message
            .message_reference
            .as_ref()
            .map(|r| ReferenceSnapshot {
                message_id: r.message_id.map(|id| id.get().to_string()),
                channel_id: r.channel_id.get().to_string(),
                guild_id: r.guild_id.map(|id| id.get().to_string()),
            }),
        referenced_message: message
            .referenced_message
            .as_ref()
            .map(|r| ReferencedSnapshot {
                id: r.id.get().to_string(),
                author: author_snapshot(&r.author),
                content: r.content.clone(),
                created_at: r.timestamp.to_string(),
            }),
        attachments: message
            .attachments
            .iter()
            .map(|a| AttachmentSnapshot {
                id: a.id.get().to_string(),
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: u64::from(a.size),
                url: a.url.clone(),
                stored: None,
                not_stored: None,
            })
            .collect(),
    }
}

/// The port over serenity's REST client.
pub struct SerenityPort {
    http: Arc<Http>,
    bot_user_id: u64,
}

/// Builds serenity's REST client; with `api_base` every route goes there instead of discord.com
/// (serenity's ratelimiter does not know about the proxy, so it is turned off with it).
pub fn build_http(token: &str, api_base: Option<&str>) -> Http {
    let mut builder = HttpBuilder::new(token);
    if let Some(base) = api_base {
        builder = builder.proxy(base).ratelimiter_disabled(true);
    }
    builder.build()
}

impl SerenityPort {
    /// Asks Discord who the bot is, so hierarchy checks know which member is Gavel.
    pub async fn connect(http: Arc<Http>) -> DiscordResult<Self> {
        let me = http.get_current_user().await?;
        Ok(SerenityPort {
            http,
            bot_user_id: me.id.get(),
        })
    }

    pub fn new(http: Arc<Http>, bot_user_id: u64) -> Self {
        SerenityPort { http, bot_user_id }
    }

    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }
}

fn create_message(message: &OutgoingMessage) -> CreateMessage {
    let mut builder = CreateMessage::new();
    if let Some(content) = &message.content {
        builder = builder.content(content);
    }
    builder.embeds(message.embeds.iter().map(create_embed).collect())
}

pub fn create_embed(embed: &crate::domain::message::Embed) -> CreateEmbed {
    let mut builder = CreateEmbed::new();
    if let Some(title) = &embed.title {
        builder = builder.title(title);
    }
    if let Some(description) = &embed.description {
        builder = builder.description(description);
    }
    if let Some(color) = embed.color {
        builder = builder.colour(color);
    }
    for field in &embed.fields {
        builder = builder.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &embed.footer {
        builder = builder.footer(CreateEmbedFooter::new(footer));
    }
    if let Some(timestamp) = embed.timestamp {
        if let Ok(ts) = Timestamp::from_unix_timestamp(timestamp.timestamp()) {
            builder = builder.timestamp(ts);
        }
    }
    builder
}

fn reason_header(reason: &str) -> reqwest::header::HeaderMap {
    use reqwest::header::{HeaderName, HeaderValue};
    let mut headers = reqwest::header::HeaderMap::new();
    let encoded = percent_encode(reason);
    headers.insert(
        HeaderName::from_static("x-audit-log-reason"),
        HeaderValue::from_str(&encoded).expect("percent-encoded text is a valid header value"),
    );
    headers
}

/// Percent-encodes everything but ASCII letters and digits, as serenity does for its own calls.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[async_trait]
impl DiscordPort for SerenityPort {
    fn bot_user_id(&self) -> u64 {
        self.bot_user_id
    }

    async fn guild(&self, guild_id: u64) -> DiscordResult<GuildSnapshot> {
        let guild = self.http.get_guild(GuildId::new(guild_id)).await?;
        Ok(GuildSnapshot {
            id: guild_id,
            name: guild.name.clone(),
            owner_id: guild.owner_id.get(),
            roles: guild
                .roles
                .values()
                .map(|r| RoleSnapshot {
                    id: r.id.get(),
                    name: r.name.clone(),
                    position: r.position,
                    permissions: r.permissions.bits(),
                })
                .collect(),
        })
    }

    async fn member(&self, guild_id: u64, user_id: u64) -> DiscordResult<Option<MemberSnapshot>> {
        match self
            .http
            .get_member(GuildId::new(guild_id), UserId::new(user_id))
            .await
        {
            Ok(member) => Ok(Some(MemberSnapshot {
                user_id,
                is_bot: member.user.bot,
                role_ids: member.roles.iter().map(|r| r.get()).collect(),
                timed_out_until: member
                    .communication_disabled_until
                    .and_then(|t| DateTime::from_timestamp(t.unix_timestamp(), 0)),
            })),
            Err(error) => {
                let error = DiscordError::from(error);
                if error.is(codes::UNKNOWN_MEMBER) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn ban_of(&self, guild_id: u64, user_id: u64) -> DiscordResult<Option<Option<String>>> {
        match self
            .http
            .get_ban(GuildId::new(guild_id), UserId::new(user_id))
            .await
        {
            Ok(ban) => Ok(ban.map(|b| b.reason)),
            Err(error) => {
                let error = DiscordError::from(error);
                if error.is(codes::UNKNOWN_BAN) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn ban(
        &self,
        guild_id: u64,
        user_id: u64,
        delete_message_seconds: u32,
        reason: &str,
    ) -> DiscordResult<()> {
        // serenity's `ban_user` only takes whole days; Discord takes seconds.
        let request = Request::new(
            Route::GuildBan {
                guild_id: GuildId::new(guild_id),
                user_id: UserId::new(user_id),
            },
            LightMethod::Put,
        )
        .params(Some(vec![(
            "delete_message_seconds",
            delete_message_seconds.to_string(),
        )]))
        .headers(Some(reason_header(reason)));
        self.http.request(request).await?;
        Ok(())
    }

    async fn bulk_ban(
        &self,
        guild_id: u64,
        user_ids: &[u64],
        delete_message_seconds: u32,
        reason: &str,
    ) -> DiscordResult<BulkBanOutcome> {
        let body = serde_json::json!({
            "user_ids": user_ids.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
            "delete_message_seconds": delete_message_seconds,
        });
        let response = self
            .http
            .bulk_ban_users(GuildId::new(guild_id), &body, Some(reason))
            .await?;
        Ok(BulkBanOutcome {
            banned: response.banned_users.iter().map(|u| u.get()).collect(),
            failed: response.failed_users.iter().map(|u| u.get()).collect(),
        })
    }

    async fn unban(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()> {
        self.http
            .remove_ban(GuildId::new(guild_id), UserId::new(user_id), Some(reason))
            .await?;
        Ok(())
    }

    async fn kick(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()> {
        self.http
            .kick_member(GuildId::new(guild_id), UserId::new(user_id), Some(reason))
            .await?;
        Ok(())
    }

    async fn set_timeout(
        &self,
        guild_id: u64,
        user_id: u64,
        until: DateTime<Utc>,
        reason: &str,
    ) -> DiscordResult<()> {
        let body = serde_json::json!({
            "communication_disabled_until": until.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
        self.http
            .edit_member(
                GuildId::new(guild_id),
                UserId::new(user_id),
                &body,
                Some(reason),
            )
            .await?;
        Ok(())
    }

    async fn clear_timeout(&self, guild_id: u64, user_id: u64, reason: &str) -> DiscordResult<()> {
        let body = serde_json::json!({ "communication_disabled_until": null });
        self.http
            .edit_member(
                GuildId::new(guild_id),
                UserId::new(user_id),
                &body,
                Some(reason),
            )
            .await?;
        Ok(())
    }

    async fn add_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        reason: &str,
    ) -> DiscordResult<()> {
        self.http
            .add_member_role(
                GuildId::new(guild_id),
                UserId::new(user_id),
                RoleId::new(role_id),
                Some(reason),
            )
            .await?;
        Ok(())
    }

    async fn remove_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        reason: &str,
    ) -> DiscordResult<()> {
        self.http
            .remove_member_role(
                GuildId::new(guild_id),
                UserId::new(user_id),
                RoleId::new(role_id),
                Some(reason),
            )
            .await?;
        Ok(())
    }

    async fn dm(&self, user_id: u64, message: &OutgoingMessage) -> DiscordResult<()> {
        let channel = UserId::new(user_id).create_dm_channel(&self.http).await?;
        channel
            .id
            .send_message(&self.http, create_message(message))
            .await?;
        Ok(())
    }

    async fn post(&self, channel_id: u64, message: &OutgoingMessage) -> DiscordResult<()> {
        ChannelId::new(channel_id)
            .send_message(&self.http, create_message(message))
            .await?;
        Ok(())
    }

    async fn message(&self, channel_id: u64, message_id: u64) -> DiscordResult<MessageSnapshot> {
        let message = self
            .http
            .get_message(ChannelId::new(channel_id), MessageId::new(message_id))
            .await?;
        Ok(message_snapshot(&message))
    }

    async fn messages(
        &self,
        channel_id: u64,
        page: MessagePage,
        limit: u8,
    ) -> DiscordResult<Vec<MessageSnapshot>> {
        let pagination = match page {
            MessagePage::Before(id) => MessagePagination::Before(MessageId::new(id)),
            MessagePage::After(id) => MessagePagination::After(MessageId::new(id)),
        };
        let messages = self
            .http
            .get_messages(
                ChannelId::new(channel_id),
                Some(pagination),
                Some(limit.clamp(1, 100)),
            )
            .await?;
        Ok(messages.iter().map(message_snapshot).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_like_serenity() {
        assert_eq!(percent_encode("[#1] spam é"), "%5B%231%5D%20spam%20%C3%A9");
    }

    #[test]
    fn maps_codes_to_moderator_words() {
        let e = DiscordError {
            status: 403,
            code: Some(50013),
            message: "Missing Permissions".into(),
        };
        assert!(e.moderator_message().contains("lacks the permission"));
        let e = DiscordError {
            status: 503,
            code: None,
            message: "unavailable".into(),
        };
        assert!(e.is_transient());
    }
}
