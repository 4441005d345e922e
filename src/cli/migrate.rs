//! `gavel migrate`: apply the database migrations and exit.

use super::{CliError, Outcome};
use crate::config::Config;
use secrecy::ExposeSecret;

pub async fn migrate(config: &Config) -> Result<Outcome, CliError> {
    let pool = crate::store::connect(config.database_url.expose_secret(), 2)
        .await
        .map_err(anyhow::Error::from)?;
    crate::store::migrate(&pool)
        .await
        .map_err(anyhow::Error::from)?;
    tracing::info!("migrations applied");
    Ok(Outcome::Done)
}
