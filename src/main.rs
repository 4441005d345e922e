use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    gavel::cli::execute(gavel::cli::Cli::parse()).await
}
