//! The one way Gavel posts to a guild's mod-log channel. The channel is checked to be the
//! guild's own when it is set and again before every post, so a server's admin can never make
//! Gavel write into another server. A channel found gone or elsewhere is recorded on the
//! guild's settings (shown by `/mod config view`) and left alone until `log_channel` is set
//! again.

use crate::domain::OutgoingMessage;
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::{codes, DiscordPort};
use crate::store::settings;
use sqlx::PgPool;
use std::sync::Arc;

const GONE: &str = "that channel no longer exists";
const NOT_IN_THIS_SERVER: &str = "that channel is not in this server";

#[derive(Clone)]
pub struct ModLogChannel {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
}

impl ModLogChannel {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>) -> Self {
        ModLogChannel { pool, port }
    }

    /// Refuses, in one sentence, a channel that is not one of this guild's.
    pub async fn check(&self, guild_id: u64, channel_id: u64) -> GavelResult<()> {
        let channel = self.port.channel(channel_id).await.map_err(|e| {
            if e.is(codes::UNKNOWN_CHANNEL) || e.is(codes::MISSING_ACCESS) {
                GavelError::invalid(
                    "That channel does not exist, or Gavel cannot see it; pick one of this server's channels.",
                )
            } else {
                GavelError::from(e)
            }
        })?;
        if channel.guild_id != Some(guild_id) {
            return Err(GavelError::invalid(
                "That channel is not in this server; pick one of this server's channels.",
            ));
        }
        Ok(())
    }

    /// Posts to the guild's mod log, if it has one Gavel has not stopped posting to. Never
    /// fails the action it reports: problems are logged, and a channel that is gone or not in
    /// this guild is recorded once and not tried again.
    pub async fn post(&self, guild_id: u64, message: &OutgoingMessage) {
        if let Err(error) = self.try_post(guild_id, message).await {
            tracing::warn!(guild_id, %error, "could not post to the mod log");
        }
    }

    async fn try_post(&self, guild_id: u64, message: &OutgoingMessage) -> GavelResult<()> {
        let settings = settings::get(&self.pool, guild_id).await?;
        let Some(channel_id) = settings.log_channel_id else {
            return Ok(());
        };
        if settings.log_channel_problem.is_some() {
            return Ok(());
        }
        let problem = match self.port.channel(channel_id).await {
            Ok(channel) if channel.guild_id == Some(guild_id) => {
                match self.port.post(channel_id, message).await {
                    Ok(()) => return Ok(()),
                    Err(e) if e.is(codes::UNKNOWN_CHANNEL) => GONE,
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(_) => NOT_IN_THIS_SERVER,
            Err(e) if e.is(codes::UNKNOWN_CHANNEL) => GONE,
            Err(e) => return Err(e.into()),
        };
        if settings::record_log_channel_problem(&self.pool, guild_id, channel_id, problem).await? {
            tracing::warn!(
                guild_id,
                channel_id,
                problem,
                "stopped posting to the mod log until log_channel is set again"
            );
        }
        Ok(())
    }
}
