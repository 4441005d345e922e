//! `gavel run`: the bot, until SIGINT or SIGTERM.

use super::{CliError, Outcome};
use crate::config::Config;
use crate::discord::bot::{parse_shards, shutdown_signal};
use crate::startup::{App, Needs};

pub async fn run(
    config: &Config,
    shards: Option<String>,
    shard_total: Option<u32>,
) -> Result<Outcome, CliError> {
    let shards = match (shards, shard_total) {
        (Some(range), Some(total)) => Some(parse_shards(&range, total).map_err(CliError::Usage)?),
        _ => None,
    };
    config.require_token()?;
    let app = App::build(config, Needs::BOT).await?;
    app.run_until(shards, shutdown_signal()).await?;
    Ok(Outcome::Done)
}
