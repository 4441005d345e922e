//! Persistence. The SQL: each file owns one table (or one concern); services compose them in
//! transactions. `objects/`: where evidence objects are stored and downloaded from.

pub mod bench;
pub mod case_leases;
pub mod cases;
pub mod event_log;
pub mod evidence;
pub mod evidence_downloads;
pub mod flags;
pub mod job_queue;
pub mod mass_bans;
pub mod mutes;
pub mod notes;
pub mod objects;
pub mod privileges;
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

/// How many of Gavel's migrations the database has applied; an error when it has none.
pub async fn applied_migrations(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM public._sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
}

/// One plain sentence for a database failure at start-up: the server's own message without its
/// internals (source line numbers), or what a timeout most likely means.
pub fn describe_error(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::PoolTimedOut => {
            "no connection within 10 seconds; is PostgreSQL running at that address?".into()
        }
        sqlx::Error::Configuration(e) => format!("the URL is not valid ({e})"),
        other => other.to_string(),
    }
}

/// [`describe_error`] for migrations.
pub fn describe_migrate_error(error: &sqlx::migrate::MigrateError) -> String {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => describe_error(e),
        other => other.to_string(),
    }
}
