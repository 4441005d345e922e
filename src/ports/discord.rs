//! The Discord port: every Discord call services make, as a trait, with the snapshot types it
//! returns, its error, Discord's error codes and the permission math. `discord::serenity_port`
//! implements it over serenity's REST client; tests point that at a Discord double.

use crate::domain::evidence::snapshot::MessageSnapshot;
use crate::domain::message::OutgoingMessage;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Discord's permission bits; they live in `domain` so rules can name them without the port.
pub use crate::domain::permissions;
pub use crate::domain::permissions::{Overwrite, OverwriteTarget};

pub mod codes {
    pub const UNKNOWN_GUILD: u32 = 10004;
    pub const UNKNOWN_CHANNEL: u32 = 10003;
    pub const UNKNOWN_MESSAGE: u32 = 10008;
    pub const UNKNOWN_MEMBER: u32 = 10007;
    pub const UNKNOWN_ROLE: u32 = 10011;
    pub const UNKNOWN_USER: u32 = 10013;
    pub const UNKNOWN_BAN: u32 = 10026;
    pub const CANNOT_DM: u32 = 50007;
    pub const MISSING_PERMISSIONS: u32 = 50013;
    pub const MISSING_ACCESS: u32 = 50001;
    /// A bulk ban in which no user could be banned (already banned, or ranked above the bot).
    pub const BULK_BAN_FAILED: u32 = 500000;
    /// Bulk delete was given a message older than 14 days.
    pub const BULK_DELETE_TOO_OLD: u32 = 50034;
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

    /// Discord says Gavel is not in the guild (Unknown Guild, or Missing Access on a guild
    /// route): it was removed, or the server is gone.
    pub fn is_not_in_guild(&self) -> bool {
        self.is(codes::UNKNOWN_GUILD) || self.is(codes::MISSING_ACCESS)
    }

    /// Why logging in with the bot token failed, in one sentence for whoever runs Gavel.
    pub fn login_problem(&self) -> String {
        match self.status {
            401 => "Discord does not accept DISCORD_TOKEN; copy the bot token again from the developer portal (Bot → Reset Token)".into(),
            0 => format!("Discord could not be reached ({}); check the network or DISCORD_API_BASE", self.message),
            _ => self.moderator_message(),
        }
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
            Some(codes::BULK_BAN_FAILED) => {
                "Discord banned none of them: they are already banned, or ranked above Gavel.".into()
            }
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

    /// A member's permissions in a channel whose overwrites are `overwrites` (a thread's are
    /// its parent's).
    pub fn permissions_in(&self, member: &MemberSnapshot, overwrites: &[Overwrite]) -> u64 {
        permissions::in_channel(
            self.permissions_of(member),
            self.id,
            member.user_id,
            &member.role_ids,
            overwrites,
        )
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSnapshot {
    pub user_id: u64,
    pub is_bot: bool,
    pub role_ids: Vec<u64>,
    pub timed_out_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Text, voice, category, announcement, forum… anything of a guild that is not a thread.
    Guild,
    /// A public or announcement thread: whoever can read its parent can read it.
    PublicThread,
    /// Only its members and those who may manage threads in its parent see it.
    PrivateThread,
    /// A DM or group DM.
    Direct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSnapshot {
    pub id: u64,
    /// `None` for DMs.
    pub guild_id: Option<u64>,
    pub kind: ChannelKind,
    /// A thread's channel; a channel's category.
    pub parent_id: Option<u64>,
    /// Threads have none of their own: their parent's apply.
    pub permission_overwrites: Vec<Overwrite>,
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
    /// A channel (or thread) the bot can see, with its guild and permission overwrites.
    async fn channel(&self, channel_id: u64) -> DiscordResult<ChannelSnapshot>;
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
    /// Deletes one message (any age); needs Manage Messages unless it is the bot's own.
    async fn delete_message(
        &self,
        channel_id: u64,
        message_id: u64,
        reason: &str,
    ) -> DiscordResult<()>;
    /// Deletes 2-100 distinct messages of one channel, none older than 14 days, in one call
    /// (Discord refuses the whole call otherwise; code 50034 for an old one).
    async fn bulk_delete_messages(
        &self,
        channel_id: u64,
        message_ids: &[u64],
        reason: &str,
    ) -> DiscordResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

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
