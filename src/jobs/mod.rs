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

use crate::discord::port::DiscordPort;
use crate::services::GuildSettingsService;
use pacer::Pacer;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

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

/// Knobs for the scheduler; `Default` is what `gavel run` uses unless the environment says
/// otherwise (see `Config`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// Jobs one process runs at once.
    pub concurrency: usize,
    /// Jobs fetched per poll.
    pub batch_size: usize,
    /// Worker heartbeat; a worker silent for `heartbeat × missed_heartbeats` is dead and its
    /// claimed jobs go back to the queue.
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    /// Discord calls per second this process's jobs may make (0: unpaced).
    pub discord_rate: u32,
    pub reconcile_every: Duration,
    /// A case still PENDING after this long is taken to have crashed mid-action.
    pub pending_after: Duration,
    pub decay_every: Duration,
    /// Finished jobs are deleted from `apalis.jobs` after this long (None: kept).
    pub finished_job_retention: Option<Duration>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            poll_interval: Duration::from_millis(200),
            concurrency: 8,
            batch_size: 50,
            heartbeat: Duration::from_secs(5),
            missed_heartbeats: 3,
            discord_rate: 40,
            reconcile_every: Duration::from_secs(60),
            pending_after: Duration::from_secs(30),
            decay_every: Duration::from_secs(600),
            finished_job_retention: Some(Duration::from_secs(7 * 86_400)),
        }
    }
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
            settings: GuildSettingsService::new(pool.clone()),
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
