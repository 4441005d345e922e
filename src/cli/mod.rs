//! Gavel's command line: the argument definitions and one file per subcommand. Each subcommand
//! builds what it needs through `startup::App` and reports in plain lines.

mod bench;
mod check_config;
mod evidence;
mod migrate;
mod run;

use crate::config::Config;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gavel",
    version,
    about = "Gavel, a Discord moderation bot",
    after_help = crate::config::variables_help()
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect to Discord and moderate until stopped (SIGINT/SIGTERM).
    #[command(after_help = crate::config::variables_help())]
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
    /// Check the environment, the database and the Discord token (REST only, no gateway), and
    /// say what was found; exit 1 when something does not work.
    CheckConfig,
    /// Evidence tools.
    Evidence {
        #[command(subcommand)]
        command: evidence::EvidenceCommand,
    },
    /// Measure something in a throwaway database on DATABASE_URL's server.
    Bench {
        #[command(subcommand)]
        what: bench::Bench,
    },
}

/// How a subcommand ended, as the process reports it.
pub enum Outcome {
    Done,
    /// It ran, and found or did something wrong (exit 1).
    Failed,
}

/// A subcommand's refusal: exit 2 for bad input or configuration, 1 for a failure while working.
pub enum CliError {
    Usage(String),
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError::Failed(error)
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(error: crate::config::ConfigError) -> Self {
        CliError::Usage(error.to_string())
    }
}

/// Reads the environment, starts logging and runs the subcommand.
pub async fn execute(cli: Cli) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("gavel: {error}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&config.log_level, config.log_format);
    let outcome = match cli.command {
        Command::Run {
            shards,
            shard_total,
        } => run::run(&config, shards, shard_total).await,
        Command::Migrate => migrate::migrate(&config).await,
        Command::CheckConfig => check_config::check(&config).await,
        Command::Evidence { command } => evidence::execute(&config, command).await,
        Command::Bench { what } => bench::execute(&config, what).await,
    };
    match outcome {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(CliError::Usage(message)) => {
            eprintln!("gavel: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(error)) => {
            eprintln!("gavel: {error:#}");
            ExitCode::FAILURE
        }
    }
}
