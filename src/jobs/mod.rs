//! Scheduled actions on apalis (apalis-postgres, in Gavel's database): tempban and mute
//! expiry, renewal of timeouts longer than Discord's cap, strike decay, reconciliation and
//! retention.
//!
//! Our tables are the truth; a job only points at a row (`job_id` on the row names the job).
//! A handler locks the row, re-checks that it is still active, due and still pointing at this
//! job, acts through the Discord port and records, all in one transaction. Cancelling a job
//! is deleting its pending row in the same transaction as the change that makes it moot; the
//! handler's re-check is the real guard.

pub mod bench;
pub mod handlers;
pub mod maintenance;
pub mod pacer;
pub mod poll;
pub mod queue;
pub mod reconcile;
pub mod schedule;
pub mod worker;

use crate::config::JobsConfig;
use crate::ports::discord::DiscordPort;
use crate::services::GuildSettingsService;
use pacer::Pacer;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;

/// What a job asks for. Stored as JSON in `apalis.jobs.job`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    EndTempban {
        tempban_id: i64,
        /// Earlier attempts that Discord answered with a transient error.
        #[serde(default)]
        retry: u32,
    },
    EndMute {
        mute_id: i64,
        #[serde(default)]
        retry: u32,
    },
    RenewTimeout {
        case_id: i64,
        #[serde(default)]
        retry: u32,
    },
    Reconcile,
    DecayStrikes,
    Retention,
}

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
