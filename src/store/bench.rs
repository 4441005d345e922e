//! The SQL behind `gavel bench jobs`: a throwaway database, many tempbans with pending
//! expiry jobs written in bulk, and what the run left behind.

use super::job_queue;
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Executor, PgConnection, PgPool};
use std::collections::HashMap;

/// The guild every seeded tempban belongs to.
const GUILD: i64 = 1;

/// Creates a database named `name` (a name the benchmark made, not input).
pub async fn create_database(admin: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    admin
        .execute(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .await?;
    Ok(())
}

pub async fn drop_database(admin: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    admin
        .execute(AssertSqlSafe(format!(
            r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
        )))
        .await?;
    Ok(())
}

/// Cases, tempbans and their apalis jobs, written in bulk: `due` of them ending within the
/// second after `burst_at`, the rest spread over the following days.
pub async fn seed_tempban_expiries(
    pool: &PgPool,
    total: u32,
    due: u32,
    burst_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO guild_case_counters (guild_id, last_number) VALUES ($1, $2)")
        .bind(GUILD)
        .bind(total as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO mod_cases (guild_id, case_number, action, state, moderator_id, target_id,
             reason, duration_secs, expires_at, settled_at)
         SELECT $1, n, 'TEMPBAN', 'APPLIED', 2, 1000 + n, 'bench', 60,
             CASE WHEN n <= $3 THEN $2 + (n - 1) * (interval '1 second' / $3)
                  ELSE $2 + interval '1 day' + n * interval '1 second' END,
             now()
         FROM generate_series(1, $4) AS n",
    )
    .bind(GUILD)
    .bind(burst_at)
    .bind(due as i32)
    .bind(total as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO tempbans (guild_id, user_id, case_id, expires_at, job_id)
         SELECT guild_id, target_id, id, expires_at, apalis.generate_ulid() FROM mod_cases",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at,
             priority)
         SELECT job_id, $1,
             convert_to(json_build_object('kind', 'end_tempban', 'tempban_id', id)::text, 'UTF8'),
             'Pending', 0, $2, expires_at, 0
         FROM tempbans",
    )
    .bind(job_queue::QUEUE)
    .bind(job_queue::MAX_ATTEMPTS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// When each ended tempban was due, by user.
pub async fn ended_tempban_expiries(
    pool: &PgPool,
) -> Result<HashMap<i64, DateTime<Utc>>, sqlx::Error> {
    let expiries: Vec<(i64, DateTime<Utc>)> =
        sqlx::query_as("SELECT user_id, expires_at FROM tempbans WHERE NOT active")
            .fetch_all(pool)
            .await?;
    Ok(expiries.into_iter().collect())
}

/// How late (ms) each finished tempban expiry started: apalis sets `lock_at` when a worker
/// takes the job.
pub async fn expiry_start_delays_ms(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (extract(epoch FROM lock_at - run_at) * 1000)::BIGINT FROM apalis.jobs
         WHERE job_type = $1 AND status = 'Done'
           AND convert_from(job, 'UTF8')::jsonb->>'kind' = 'end_tempban'",
    )
    .bind(job_queue::QUEUE)
    .fetch_all(pool)
    .await
}
