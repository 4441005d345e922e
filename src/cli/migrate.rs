//! `gavel migrate`: apply the database migrations (as `DATABASE_OWNER_URL`'s role when set,
//! granting `DATABASE_URL`'s role its privileges) and exit.

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
    crate::startup::migrate_database(config, &pool).await?;
    tracing::info!("migrations applied");
    Ok(Outcome::Done)
}
