use clap::{Parser, Subcommand};
use gavel::config::Config;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "gavel", version, about = "Gavel, a Discord moderation bot")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect to Discord and moderate until stopped (SIGINT/SIGTERM).
    Run {
        /// Run only these shards, e.g. 0-3 (needs --shard-total). Default: all, as Discord
        /// recommends.
        #[arg(long, requires = "shard_total")]
        shards: Option<String>,
        /// How many shards the whole bot runs across all its processes.
        #[arg(long, requires = "shards")]
        shard_total: Option<u32>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Evidence tools.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Measure something in a throwaway database on DATABASE_URL's server.
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Re-read every evidence object, recompute hashes, signatures and chains; exit 1 on any
    /// mismatch, naming it.
    Verify {
        /// Only this server (guild id).
        #[arg(long)]
        guild: Option<u64>,
        /// Only this case number (with --guild).
        #[arg(long, requires = "guild")]
        case: Option<i32>,
    },
}

#[derive(Subcommand)]
enum Bench {
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("gavel: {error}");
            return ExitCode::from(2);
        }
    };
    gavel::telemetry::init(&config.log_level, config.log_format);
    let outcome = match cli.command {
        Command::Run {
            shards,
            shard_total,
        } => {
            let spec = match (shards, shard_total) {
                (Some(range), Some(total)) => {
                    match gavel::discord::bot::parse_shards(&range, total) {
                        Ok(spec) => Some(spec),
                        Err(error) => {
                            eprintln!("gavel: {error}");
                            return ExitCode::from(2);
                        }
                    }
                }
                _ => None,
            };
            if let Err(error) = config.require_token() {
                eprintln!("gavel: {error}");
                return ExitCode::from(2);
            }
            gavel::discord::bot::run(&config, spec).await
        }
        Command::Migrate => migrate(&config).await,
        Command::Evidence {
            command: EvidenceCommand::Verify { guild, case },
        } => {
            return match verify_evidence(&config, guild, case).await {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("gavel: {error:#}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Bench {
            what:
                Bench::Jobs {
                    total,
                    due,
                    processes,
                    concurrency,
                    rate,
                    latency_ms,
                },
        } => {
            let options = gavel::jobs::bench::BenchOptions {
                total,
                due: due.min(total),
                processes,
                concurrency,
                rate,
                discord_latency: std::time::Duration::from_millis(latency_ms),
            };
            bench_jobs(&config, &options).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gavel: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = gavel::store::connect(&config.database_url, 2).await?;
    gavel::store::migrate(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Prints the report; `Ok(false)` when anything does not check out.
async fn verify_evidence(
    config: &Config,
    guild: Option<u64>,
    case: Option<i32>,
) -> anyhow::Result<bool> {
    use std::io::IsTerminal;
    config.evidence.require_signing_key()?;
    let evidence = gavel::services::evidence::Evidence::from_config(&config.evidence)
        .ok_or_else(|| anyhow::anyhow!("evidence is not configured"))?;
    let pool = gavel::store::connect(&config.database_url, 2).await?;
    let verifier =
        gavel::services::evidence::Verifier::new(pool, evidence.store.clone(), evidence.signer);
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {msg}")
                .expect("a valid progress template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = verifier
        .verify(guild, case, |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    for case in &report.cases {
        let status = if case.problems.is_empty() {
            "ok"
        } else {
            "CHANGED"
        };
        println!(
            "{status:7} guild {} case #{}: {} entries, {} objects",
            case.guild_id, case.case_number, case.entries, case.objects
        );
        for problem in &case.problems {
            println!("  MISMATCH {problem}");
        }
    }
    println!("{}", report.summary());
    Ok(report.is_intact())
}

async fn bench_jobs(
    config: &Config,
    options: &gavel::jobs::bench::BenchOptions,
) -> anyhow::Result<()> {
    let report = gavel::jobs::bench::run(&config.database_url, options).await?;
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
    Ok(())
}
