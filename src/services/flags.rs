//! UserFlagService: markers moderators put on users (suspicious, trusted, alt, under review).

use super::case_flow::MAX_REASON_CHARS;
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::hierarchy::record_change_refusal;
use crate::domain::UserFlag;
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::flags::{self, FlagRecord};
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct UserFlagService {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
}

impl UserFlagService {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>) -> Self {
        UserFlagService { pool, port }
    }

    pub async fn set(
        &self,
        guild_id: u64,
        actor_id: u64,
        user_id: u64,
        flag: UserFlag,
        reason: Option<&str>,
    ) -> GavelResult<()> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
            return Err(GavelError::invalid(format!(
                "Keep the reason to {MAX_REASON_CHARS} characters."
            )));
        }
        let mut tx = self.pool.begin().await?;
        if !flags::set(&mut tx, guild_id, user_id, flag, actor_id, reason).await? {
            return Err(GavelError::invalid(format!(
                "<@{user_id}> is already flagged {}.",
                flag_name(flag)
            )));
        }
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::FLAG_SET, actor_id)
                .target(user_id)
                .details(reason)
                .data(serde_json::json!({ "flag": flag.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear(
        &self,
        guild_id: u64,
        actor_id: u64,
        user_id: u64,
        flag: UserFlag,
    ) -> GavelResult<()> {
        // Whoever set the flag counts as its author; a user without it is told so below.
        let set_by = flags::for_user(&self.pool, guild_id, user_id)
            .await?
            .into_iter()
            .find(|record| record.flag == flag)
            .map_or(actor_id, |record| record.set_by);
        if let Some(refusal) =
            record_change_refusal(self.port.as_ref(), guild_id, actor_id, user_id, set_by).await?
        {
            return Err(GavelError::Invalid(refusal));
        }
        let mut tx = self.pool.begin().await?;
        if !flags::clear(&mut tx, guild_id, user_id, flag).await? {
            return Err(GavelError::invalid(format!(
                "<@{user_id}> is not flagged {}.",
                flag_name(flag)
            )));
        }
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::FLAG_CLEARED, actor_id)
                .target(user_id)
                .data(serde_json::json!({ "flag": flag.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list(&self, guild_id: u64, user_id: u64) -> GavelResult<Vec<FlagRecord>> {
        Ok(flags::for_user(&self.pool, guild_id, user_id).await?)
    }
}

pub fn flag_name(flag: UserFlag) -> String {
    flag.as_str().to_lowercase().replace('_', " ")
}
