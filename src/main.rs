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
