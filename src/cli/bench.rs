//! `gavel bench …`: speed measurements in a throwaway database, printed for the README.

use super::{CliError, Outcome};
use crate::config::Config;
use crate::jobs::bench::BenchOptions;
use clap::Subcommand;
use secrecy::ExposeSecret;

#[derive(Subcommand)]
pub enum Bench {
    /// Scheduled expiries: many pending, a burst due in the same second; prints how late jobs
    /// start and how long the burst takes.
    Jobs {
        /// Pending expiries in all.
        #[arg(long, default_value_t = 100_000)]
        total: u32,
        /// How many fall due in the same second.
        #[arg(long, default_value_t = 10_000)]
        due: u32,
        /// Scheduler processes sharing the database.
        #[arg(long, default_value_t = 1)]
        processes: u32,
        /// Jobs each process runs at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Discord calls per second per process (0: unpaced).
        #[arg(long, default_value_t = 0)]
        rate: u32,
        /// Simulated Discord round trip, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
    },
}

pub async fn execute(config: &Config, what: Bench) -> Result<Outcome, CliError> {
    match what {
        Bench::Jobs {
            total,
            due,
            processes,
            concurrency,
            rate,
            latency_ms,
        } => {
            let options = BenchOptions {
                total,
                due: due.min(total),
                processes,
                concurrency,
                rate,
                discord_latency: std::time::Duration::from_millis(latency_ms),
            };
            jobs(config, &options).await
        }
    }
}

async fn jobs(config: &Config, options: &BenchOptions) -> Result<Outcome, CliError> {
    let report = crate::jobs::bench::run(config.database_url.expose_secret(), options).await?;
    println!("{options:?}");
    println!(
        "job start lateness:   p50 {} ms, p99 {} ms, max {} ms",
        report.start_p50_ms, report.start_p99_ms, report.start_max_ms
    );
    println!(
        "unban lateness:       p50 {} ms, p99 {} ms, max {} ms",
        report.unban_p50_ms, report.unban_p99_ms, report.unban_max_ms
    );
    println!(
        "{} due in one second: the last lifted {:.1} s after the burst began",
        report.lifted, report.burst_secs
    );
    Ok(Outcome::Done)
}
