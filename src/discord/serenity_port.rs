//! The Discord port over serenity's REST client: production and tests both use it, tests
//! pointing it at a Discord double with `DISCORD_API_BASE`.

use crate::domain::evidence::snapshot::{
    AttachmentSnapshot, AuthorSnapshot, MessageSnapshot, ReferenceSnapshot, ReferencedSnapshot,
};
use crate::domain::message::OutgoingMessage;
use crate::ports::discord::{
    codes, BulkBanOutcome, ChannelKind, ChannelSnapshot, DiscordError, DiscordPort, DiscordResult,
    GuildSnapshot, MemberSnapshot, MessagePage, Overwrite, OverwriteTarget, RoleSnapshot,
};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use serenity::all::{
    Channel, ChannelId, ChannelType, CreateEmbed, CreateEmbedFooter, CreateMessage, GuildId,
    Message, MessageId, MessagePagination, PermissionOverwriteType, RoleId, Timestamp, UserId,
};
use serenity::http::{Http, HttpBuilder, LightMethod, Request, Route};
use std::sync::Arc;
use std::time::Duration;

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

fn author_snapshot(user: &serenity::all::User) -> AuthorSnapshot {
    AuthorSnapshot {
        id: user.id.get().to_string(),
        name: user.name.clone(),
        bot: user.bot,
    }
}

/// What Gavel keeps of a message (see `domain::evidence::snapshot`).
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
/// (serenity's ratelimiter does not know about the proxy, so it is turned off with it). Each
/// request gives up after `request_timeout`: serenity's own client never does.
pub fn build_http(token: &str, api_base: Option<&str>, request_timeout: Duration) -> Http {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(request_timeout)
        .connect_timeout(request_timeout.min(CONNECT_TIMEOUT))
        .build()
        .expect("a reqwest client with rustls and timeouts builds");
    let mut builder = HttpBuilder::new(token).client(client);
    if let Some(base) = api_base {
        builder = builder.proxy(base).ratelimiter_disabled(true);
    }
    builder.build()
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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

    async fn channel(&self, channel_id: u64) -> DiscordResult<ChannelSnapshot> {
        let channel = match self.http.get_channel(ChannelId::new(channel_id)).await? {
            Channel::Guild(channel) => channel,
            _ => {
                return Ok(ChannelSnapshot {
                    id: channel_id,
                    guild_id: None,
                    kind: ChannelKind::Direct,
                    parent_id: None,
                    permission_overwrites: Vec::new(),
                })
            }
        };
        let kind = match channel.kind {
            ChannelType::PublicThread | ChannelType::NewsThread => ChannelKind::PublicThread,
            ChannelType::PrivateThread => ChannelKind::PrivateThread,
            _ => ChannelKind::Guild,
        };
        Ok(ChannelSnapshot {
            id: channel_id,
            guild_id: Some(channel.guild_id.get()),
            kind,
            parent_id: channel.parent_id.map(|id| id.get()),
            permission_overwrites: channel
                .permission_overwrites
                .iter()
                .filter_map(|o| {
                    let target = match o.kind {
                        PermissionOverwriteType::Role(id) => OverwriteTarget::Role(id.get()),
                        PermissionOverwriteType::Member(id) => OverwriteTarget::Member(id.get()),
                        // A kind newer than serenity: apply nothing rather than guess.
                        _ => return None,
                    };
                    Some(Overwrite {
                        target,
                        allow: o.allow.bits(),
                        deny: o.deny.bits(),
                    })
                })
                .collect(),
        })
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

    async fn delete_message(
        &self,
        channel_id: u64,
        message_id: u64,
        reason: &str,
    ) -> DiscordResult<()> {
        self.http
            .delete_message(
                ChannelId::new(channel_id),
                MessageId::new(message_id),
                Some(reason),
            )
            .await?;
        Ok(())
    }

    async fn bulk_delete_messages(
        &self,
        channel_id: u64,
        message_ids: &[u64],
        reason: &str,
    ) -> DiscordResult<()> {
        let ids: Vec<String> = message_ids.iter().map(u64::to_string).collect();
        let body = serde_json::json!({ "messages": ids });
        self.http
            .delete_messages(ChannelId::new(channel_id), &body, Some(reason))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_like_serenity() {
        assert_eq!(percent_encode("[#1] spam é"), "%5B%231%5D%20spam%20%C3%A9");
    }
}
