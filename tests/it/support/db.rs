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

/// The login role the bot runs as when migrations run as another (owner) role: no superuser,
/// owns nothing. Created once per cluster (roles are cluster-wide), with a password so it also
/// logs in on clusters that want one.
pub const RUNTIME_ROLE: &str = "gavel_test_runtime";

/// `postgres://user[:password]@host/…` → the same URL for another user and password.
pub fn with_user(url: &str, user: &str, password: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let host_start = match (rest.find('@'), rest.find('/')) {
        (Some(at), Some(slash)) if at < slash => at + 1,
        (Some(at), None) => at + 1,
        _ => 0,
    };
    format!(
        "{}{user}:{password}@{}",
        &url[..scheme_end],
        &rest[host_start..]
    )
}

/// Ensures [`RUNTIME_ROLE`] exists and returns `db`'s URL as that role. What it may do inside
/// the database is granted by Gavel's start-up (or `gavel migrate`) run as the owner.
pub async fn runtime_role_url(db: &TestDb) -> String {
    let mut admin = PgConnection::connect(&db.url)
        .await
        .expect("connect as the test superuser");
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DO $$ BEGIN
                 CREATE ROLE {RUNTIME_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
                     PASSWORD '{RUNTIME_ROLE}';
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$"
        )))
        .await
        .expect("create the runtime role");
    with_user(&db.url, RUNTIME_ROLE, RUNTIME_ROLE)
}

#[test]
fn with_user_replaces_or_adds_the_user() {
    assert_eq!(
        with_user("postgres://postgres@127.0.0.1:5432/db", "r", "p"),
        "postgres://r:p@127.0.0.1:5432/db"
    );
    assert_eq!(
        with_user("postgres://a:b@h/db?sslmode=disable", "r", "p"),
        "postgres://r:p@h/db?sslmode=disable"
    );
    assert_eq!(
        with_user("postgres://h/db", "r", "p"),
        "postgres://r:p@h/db"
    );
}
