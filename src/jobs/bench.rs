//! `gavel bench jobs`: many pending tempban expiries, a burst of them due in the same second,
//! run by the real workers and handlers against a throwaway database and an in-process
//! Discord stand-in. Reports how late jobs start and how long the burst takes.

use super::{worker, JobContext};
use crate::config::JobsConfig;
use crate::domain::OutgoingMessage;
use crate::ports::discord::{
    BulkBanOutcome, DiscordPort, DiscordResult, GuildSnapshot, MemberSnapshot,
};
use crate::store::bench;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ulid::Ulid;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Pending expiries in all.
    pub total: u32,
    /// How many of them fall due in the same second.
    pub due: u32,
    /// Scheduler processes (separate pools and workers on one database).
    pub processes: u32,
    pub concurrency: usize,
    /// Discord calls per second per process (0: unpaced).
    pub rate: u32,
    /// Simulated Discord round trip per call.
    pub discord_latency: Duration,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            total: 100_000,
            due: 10_000,
            processes: 1,
            concurrency: JobsConfig::default().concurrency,
            rate: 0,
            discord_latency: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub start_p50_ms: i64,
    pub start_p99_ms: i64,
    pub start_max_ms: i64,
    pub unban_p50_ms: i64,
    pub unban_p99_ms: i64,
    pub unban_max_ms: i64,
    /// From the burst's second to the last unban.
    pub burst_secs: f64,
    pub lifted: usize,
}

/// Records when each unban reached "Discord".
struct StandInDiscord {
    latency: Duration,
    unbans: Mutex<Vec<(u64, DateTime<Utc>)>>,
}

#[async_trait]
impl DiscordPort for StandInDiscord {
    fn bot_user_id(&self) -> u64 {
        1
    }
    async fn guild(&self, guild_id: u64) -> DiscordResult<GuildSnapshot> {
        Ok(GuildSnapshot {
            id: guild_id,
            name: "bench".into(),
            owner_id: 2,
            roles: Vec::new(),
        })
    }
    async fn member(&self, _: u64, _: u64) -> DiscordResult<Option<MemberSnapshot>> {
        Ok(None)
    }
    async fn ban_of(&self, _: u64, _: u64) -> DiscordResult<Option<Option<String>>> {
        Ok(None)
    }
    async fn ban(&self, _: u64, _: u64, _: u32, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn bulk_ban(&self, _: u64, _: &[u64], _: u32, _: &str) -> DiscordResult<BulkBanOutcome> {
        Ok(BulkBanOutcome::default())
    }
    async fn unban(&self, _: u64, user_id: u64, _: &str) -> DiscordResult<()> {
        self.unbans
            .lock()
            .expect("unbans lock")
            .push((user_id, Utc::now()));
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        Ok(())
    }
    async fn kick(&self, _: u64, _: u64, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn set_timeout(&self, _: u64, _: u64, _: DateTime<Utc>, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn clear_timeout(&self, _: u64, _: u64, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn add_role(&self, _: u64, _: u64, _: u64, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn remove_role(&self, _: u64, _: u64, _: u64, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn dm(&self, _: u64, _: &OutgoingMessage) -> DiscordResult<()> {
        Ok(())
    }
    async fn post(&self, _: u64, _: &OutgoingMessage) -> DiscordResult<()> {
        Ok(())
    }
    async fn channel(&self, _: u64) -> DiscordResult<crate::ports::discord::ChannelSnapshot> {
        // The bench's guild sets no mod-log channel, so nothing asks; it has no channels.
        Err(crate::ports::discord::DiscordError {
            status: 404,
            code: Some(crate::ports::discord::codes::UNKNOWN_CHANNEL),
            message: "Unknown Channel".into(),
        })
    }
    async fn message(
        &self,
        _: u64,
        _: u64,
    ) -> DiscordResult<crate::domain::evidence::snapshot::MessageSnapshot> {
        Err(crate::ports::discord::DiscordError {
            status: 404,
            code: Some(crate::ports::discord::codes::UNKNOWN_MESSAGE),
            message: "Unknown Message".into(),
        })
    }
    async fn messages(
        &self,
        _: u64,
        _: crate::ports::discord::MessagePage,
        _: u8,
    ) -> DiscordResult<Vec<crate::domain::evidence::snapshot::MessageSnapshot>> {
        Ok(Vec::new())
    }
    async fn delete_message(&self, _: u64, _: u64, _: &str) -> DiscordResult<()> {
        Ok(())
    }
    async fn bulk_delete_messages(&self, _: u64, _: &[u64], _: &str) -> DiscordResult<()> {
        Ok(())
    }
}

/// Time to get the workers up before the burst falls due.
const LEAD: Duration = Duration::from_secs(15);

/// Runs the benchmark in a database created for it (and dropped afterwards) on the server
/// `database_url` points at.
pub async fn run(database_url: &str, options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let name = format!(
        "gavel_bench_{}",
        Ulid::generate().to_string().to_lowercase()
    );
    let admin_url = with_database(database_url, "postgres");
    let mut admin = PgConnection::connect(&admin_url).await?;
    bench::create_database(&mut admin, &name).await?;
    let url = with_database(database_url, &name);
    let outcome = run_in(&url, options).await;
    bench::drop_database(&mut admin, &name).await?;
    outcome
}

async fn run_in(url: &str, options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let pool = PgPoolOptions::new().max_connections(4).connect(url).await?;
    crate::store::migrate(&pool).await?;
    let burst_at = Utc::now() + chrono::Duration::from_std(LEAD)?;
    bench::seed_tempban_expiries(&pool, options.total, options.due, burst_at).await?;
    eprintln!(
        "seeded {} pending expiries, {} due from {burst_at}",
        options.total, options.due
    );

    let discord = Arc::new(StandInDiscord {
        latency: options.discord_latency,
        unbans: Mutex::new(Vec::new()),
    });
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut processes = Vec::new();
    for _ in 0..options.processes.max(1) {
        let config = JobsConfig {
            concurrency: options.concurrency,
            discord_rate: options.rate,
            ..JobsConfig::default()
        };
        let process_pool = PgPoolOptions::new()
            .max_connections(options.concurrency as u32 + 4)
            .connect(url)
            .await?;
        let port: Arc<dyn DiscordPort> = discord.clone();
        let ctx = JobContext::new(process_pool, port, config);
        processes.push(worker::spawn(ctx, shutdown.clone()));
    }

    let due = options.due as usize;
    let deadline = tokio::time::Instant::now() + LEAD + Duration::from_secs(3600);
    loop {
        let lifted = discord.unbans.lock().expect("unbans lock").len();
        if lifted >= due {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "only {lifted} of {due} bans lifted after an hour"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the last acknowledgements reach apalis.jobs.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.send_replace(true);
    for process in processes {
        let _ = process.await;
    }

    let unbans = discord.unbans.lock().expect("unbans lock").clone();
    let mut unban_late: Vec<i64> = Vec::with_capacity(unbans.len());
    let expiry_of = bench::ended_tempban_expiries(&pool).await?;
    let mut last = burst_at;
    for (user, at) in &unbans {
        if let Some(expires_at) = expiry_of.get(&(*user as i64)) {
            unban_late.push((*at - *expires_at).num_milliseconds());
        }
        last = last.max(*at);
    }
    let mut start_late = bench::expiry_start_delays_ms(&pool).await?;
    unban_late.sort_unstable();
    start_late.sort_unstable();
    Ok(BenchReport {
        start_p50_ms: percentile(&start_late, 50.0),
        start_p99_ms: percentile(&start_late, 99.0),
        start_max_ms: start_late.last().copied().unwrap_or(0),
        unban_p50_ms: percentile(&unban_late, 50.0),
        unban_p99_ms: percentile(&unban_late, 99.0),
        unban_max_ms: unban_late.last().copied().unwrap_or(0),
        burst_secs: (last - burst_at).num_milliseconds() as f64 / 1000.0,
        lifted: unbans.len(),
    })
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}
