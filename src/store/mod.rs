//! Persistence. The SQL: each file owns one table (or one concern); services compose them in
//! transactions. `objects/`: where evidence objects are stored and downloaded from.

pub mod bench;
pub mod case_leases;
pub mod cases;
pub mod event_log;
pub mod evidence;
pub mod flags;
pub mod job_queue;
pub mod mutes;
pub mod notes;
pub mod objects;
pub mod schedule;
pub mod scheduled_row;
pub mod settings;
pub mod strikes;
pub mod tempbans;
pub mod templates;
pub mod timeout_renewals;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(database_url)?.application_name("gavel");
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
}

/// Applies apalis-postgres' migrations (its `apalis` schema, tracked in
/// `apalis._sqlx_migrations`), then Gavel's, which refer to `apalis.jobs`.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    apalis_postgres::PostgresStorage::migrations()
        .run(pool)
        .await?;
    MIGRATOR.run(pool).await
}
