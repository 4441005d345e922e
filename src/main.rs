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
