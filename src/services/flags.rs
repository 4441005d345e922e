//! UserFlagService: markers moderators put on users (suspicious, trusted, alt, under review).

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::domain::UserFlag;
use crate::error::{GavelError, GavelResult};
use crate::store::flags::{self, FlagRecord};
use sqlx::PgPool;

#[derive(Clone)]
pub struct UserFlagService {
    pool: PgPool,
}

impl UserFlagService {
    pub fn new(pool: PgPool) -> Self {
        UserFlagService { pool }
    }

    pub async fn set(
        &self,
        guild_id: u64,
        actor_id: u64,
        user_id: u64,
        flag: UserFlag,
        reason: Option<&str>,
    ) -> GavelResult<()> {
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
