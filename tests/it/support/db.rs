//! A fresh, migrated PostgreSQL database per test (zero-to-production style), so tests never
//! share state. `scripts/test` drops the databases of earlier runs.

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};

pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// `postgres://…/anything` → `postgres://…/name`, keeping any query string.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

pub struct TestDb {
    pub pool: PgPool,
    pub url: String,
}

pub async fn fresh_database() -> TestDb {
    let server = server_url();
    let name = format!("gavel_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&with_database(&server, "postgres"))
        .await
        .expect("connect to PostgreSQL (set DATABASE_URL or run scripts/test)");
    admin
        .execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .await
        .expect("create the test database");
    let url = with_database(&server, &name);
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(&url)
        .await
        .expect("connect to the test database");
    gavel::store::migrate(&pool)
        .await
        .expect("migrations apply");
    TestDb { pool, url }
}
