//! Scheduled actions on apalis (apalis-postgres, in Gavel's database): tempban and mute
//! expiry, renewal of timeouts longer than Discord's cap, strike decay, reconciliation and
//! retention.
//!
//! Our tables are the truth; a job only points at a row (`job_id` on the row names the job).
//! A handler locks the row, re-checks that it is still active, due and still pointing at this
//! job, acts through the Discord port and records, all in one transaction
//! ([`scheduled_action`]). Cancelling a job is deleting its pending row in the same
//! transaction as the change that makes it moot (`store::schedule`); the handler's re-check
//! is the real guard. What a job asks for is `domain::ScheduledJob`; its row in apalis'
//! table is written by `store::job_queue`.

pub mod bench;
pub mod expiry;
pub mod handlers;
pub mod maintenance;
pub mod notices;
pub mod pacer;
pub mod poll;
pub mod reconcile;
pub mod scheduled_action;
pub mod timeout_renewal;
pub mod worker;

use crate::config::JobsConfig;
use crate::ports::discord::DiscordPort;
use crate::services::GuildSettingsService;
use pacer::Pacer;
use sqlx::PgPool;
use std::sync::Arc;

/// What handlers need: the database, Discord, and the guild settings (mod-log channel).
#[derive(Clone)]
pub struct JobContext {
    pub pool: PgPool,
    pub port: Arc<dyn DiscordPort>,
    pub settings: GuildSettingsService,
    pub pacer: Arc<Pacer>,
    pub config: JobsConfig,
}

impl JobContext {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>, config: JobsConfig) -> Self {
        JobContext {
            settings: GuildSettingsService::new(pool.clone(), port.clone()),
            pacer: Arc::new(Pacer::per_second(config.discord_rate)),
            pool,
            port,
            config,
        }
    }

    pub fn bot_user_id(&self) -> u64 {
        self.port.bot_user_id()
    }
}
