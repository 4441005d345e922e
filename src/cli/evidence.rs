//! `gavel evidence verify`: re-read every evidence object and report what no longer checks out.

use super::{CliError, Outcome};
use crate::config::Config;
use crate::startup::{App, Needs};
use clap::Subcommand;
use std::io::IsTerminal;

/// Bad configuration and unreachable storage are exit 2, like bad input: nothing was checked.
fn usage(error: impl Into<anyhow::Error>) -> CliError {
    CliError::Usage(format!("{:#}", error.into()))
}

#[derive(Subcommand)]
pub enum EvidenceCommand {
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

pub async fn execute(config: &Config, command: EvidenceCommand) -> Result<Outcome, CliError> {
    match command {
        EvidenceCommand::Verify { guild, case } => verify(config, guild, case).await,
    }
}

async fn verify(
    config: &Config,
    guild: Option<u64>,
    case: Option<i32>,
) -> Result<Outcome, CliError> {
    config.evidence.require_signing_key()?;
    let app = App::build(config, Needs::OFFLINE).await.map_err(usage)?;
    let verifier = app.verifier().map_err(usage)?;
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
        .await
        .map_err(usage)?;
    bar.finish_and_clear();
    for case in &report.cases {
        let status = if case.problems.is_empty() {
            "ok"
        } else if case.problems.iter().all(|p| p.unreadable) {
            "UNREAD"
        } else {
            "CHANGED"
        };
        println!(
            "{status:7} guild {} case #{}: {} entries, {} objects",
            case.guild_id, case.case_number, case.entries, case.objects
        );
        for problem in &case.problems {
            let label = if problem.unreadable {
                "UNREADABLE"
            } else {
                "MISMATCH"
            };
            println!("  {label} {problem}");
        }
    }
    println!("{}", report.summary());
    Ok(if report.is_intact() {
        Outcome::Done
    } else {
        Outcome::Failed
    })
}
