//! Putting jobs into apalis' table and taking them out, inside the caller's transaction.
//!
//! We insert `apalis.jobs` rows ourselves instead of through apalis' `TaskSink` so that a job
//! commits or rolls back with the row it points at, carries our own ULID id (apalis has no
//! cancel call: cancelling is deleting the pending row by that id), and keeps `run_at` to the
//! microsecond (apalis' own push goes through `to_timestamp(bigint)`, whole seconds). apalis
//! takes a job only once `run_at < now()`, so a job never starts before its time.

use crate::domain::ScheduledJob;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use std::time::Duration;
use ulid::Ulid;

/// The apalis queue (`job_type`) all of Gavel's jobs share.
pub const QUEUE: &str = "gavel";
/// Attempts apalis makes when a handler returns an error (a database failure); Discord's
/// transient errors are retried by re-scheduling instead, with a growing delay.
pub const MAX_ATTEMPTS: i32 = 5;

/// Schedules `job` to run at `run_at` (or right away when that has passed); returns its id.
pub async fn push(
    conn: &mut PgConnection,
    job: &ScheduledJob,
    run_at: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let id = Ulid::generate().to_string();
    sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at,
             priority)
         VALUES ($1, $2, $3, 'Pending', 0, $4, $5, 0)",
    )
    .bind(&id)
    .bind(QUEUE)
    .bind(encode(job))
    .bind(MAX_ATTEMPTS)
    .bind(run_at)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Schedules `job` unless a job with the same `key` was ever scheduled: several processes
/// can all ask for "the reconcile of 12:05" and one job results. Returns whether it was new.
pub async fn push_once(
    conn: &mut PgConnection,
    job: &ScheduledJob,
    run_at: DateTime<Utc>,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at,
             priority, idempotency_key)
         VALUES ($1, $2, $3, 'Pending', 0, $4, $5, 0, $6)
         ON CONFLICT (job_type, idempotency_key) DO NOTHING",
    )
    .bind(Ulid::generate().to_string())
    .bind(QUEUE)
    .bind(encode(job))
    .bind(MAX_ATTEMPTS)
    .bind(run_at)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Cancels a job that has not started. A job already taken by a worker is left alone: its
/// handler finds the row changed and does nothing.
pub async fn cancel(conn: &mut PgConnection, job_id: &str) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM apalis.jobs WHERE id = $1 AND job_type = $2
           AND (status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts))",
    )
    .bind(job_id)
    .bind(QUEUE)
    .execute(conn)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

pub async fn cancel_all(
    conn: &mut PgConnection,
    job_ids: impl IntoIterator<Item = impl AsRef<str>>,
) -> Result<(), sqlx::Error> {
    for id in job_ids {
        cancel(conn, id.as_ref()).await?;
    }
    Ok(())
}

/// A job's `run_at` and status, for tests and diagnostics.
pub async fn status(
    conn: &mut PgConnection,
    job_id: &str,
) -> Result<Option<(String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT status, run_at FROM apalis.jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(conn)
        .await
}

/// Deletes Gavel's finished jobs (done, killed, or failed for good) older than `keep`;
/// returns how many.
pub async fn delete_finished_older_than(
    db: impl PgExecutor<'_>,
    keep: Duration,
) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM apalis.jobs WHERE job_type = $1 AND status IN ('Done', 'Killed', 'Failed')
           AND attempts >= CASE WHEN status = 'Failed' THEN max_attempts ELSE 0 END
           AND done_at < now() - make_interval(secs => $2)",
    )
    .bind(QUEUE)
    .bind(keep.as_secs_f64())
    .execute(db)
    .await?;
    Ok(deleted.rows_affected())
}

fn encode(job: &ScheduledJob) -> Vec<u8> {
    serde_json::to_vec(job).expect("a ScheduledJob always serializes")
}
