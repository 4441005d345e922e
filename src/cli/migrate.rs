//! `gavel migrate`: apply the database migrations and exit.

use super::{CliError, Outcome};
use crate::config::Config;
use secrecy::ExposeSecret;

pub async fn migrate(config: &Config) -> Result<Outcome, CliError> {
    let pool = crate::store::connect(config.database_url.expose_secret(), 2)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "could not connect to the database (DATABASE_URL): {}",
                crate::store::describe_error(&e)
            )
        })?;
    crate::store::migrate(&pool).await.map_err(|e| {
        anyhow::anyhow!(
            "could not apply the database migrations: {}",
            crate::store::describe_migrate_error(&e)
        )
    })?;
    tracing::info!("migrations applied");
    Ok(Outcome::Done)
}
