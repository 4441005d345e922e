//! Rows that end (or renew) an action at a scheduled time: tempbans, timed mutes and long
//! timeouts. Each active row names the job that will act on it (`job_id`). The queries jobs
//! and reconciliation need are the same for all three tables, written once here against a
//! [`ScheduledTable`] that says where the tables differ.

use crate::domain::ids::{from_db, to_db};
use crate::domain::ScheduledJob;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgExecutor, Postgres, QueryBuilder, Row};
use std::time::Duration;

/// Where one kind of scheduled row is kept. Only constants make these, so the SQL built from
/// their names never carries input.
#[derive(Debug)]
pub struct ScheduledTable {
    pub(super) name: &'static str,
    /// The column a job names its row by.
    pub(super) key_column: &'static str,
    /// The time the job works towards...
    pub(super) due_column: &'static str,
    /// ...and how long before it the job runs.
    pub(super) lead: Duration,
    /// Why Discord last refused.
    pub(super) failure_column: &'static str,
    /// Tempbans and mutes are punishments someone ends (the expiry, or a moderator): who is
    /// recorded, and ending one by its key clears its last refusal. A renewal ends with its
    /// timeout and keeps its last failure on record.
    pub(super) is_punishment: bool,
    pub(super) job: fn(i64, u32) -> ScheduledJob,
}

impl ScheduledTable {
    /// `template` with `{table}`, `{key}`, `{due}` and `{failure}` replaced by this table's
    /// names.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{table}", self.name)
            .replace("{key}", self.key_column)
            .replace("{due}", self.due_column)
            .replace("{failure}", self.failure_column)
    }

    fn sql(&self, template: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(self.fill(template))
    }

    /// A tempban or mute table: rows keyed by `id`, due at `expires_at`, ending as [`Ending`]
    /// records.
    pub(super) const fn punishment(name: &'static str, job: fn(i64, u32) -> ScheduledJob) -> Self {
        ScheduledTable {
            name,
            key_column: "id",
            due_column: "expires_at",
            lead: Duration::ZERO,
            failure_column: "expiry_failure",
            is_punishment: true,
            job,
        }
    }
}

/// A row type kept in a [`ScheduledTable`].
pub trait ScheduledRow: for<'r> FromRow<'r, PgRow> + Send + Sync + Unpin + 'static {
    const TABLE: ScheduledTable;

    /// The job that acts on the row with this key.
    fn job(key: i64, retry: u32) -> ScheduledJob {
        (Self::TABLE.job)(key, retry)
    }
}

/// How a tempban or mute ends: the job that ends it when it runs out, why Discord last refused
/// that, and once it is over, when, by whom and why.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Ending {
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<i64>,
    pub end_reason: Option<String>,
    /// An apalis task id.
    pub job_id: Option<String>,
    pub expiry_failure: Option<String>,
}

/// What the scheduler needs of any scheduled row: the columns every scheduled table has, the
/// row's key, and when its job should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowState {
    pub key: i64,
    pub guild_id: u64,
    pub user_id: u64,
    pub case_id: i64,
    pub active: bool,
    pub job_id: Option<String>,
    /// `None` when nothing is scheduled (a mute without an end).
    pub due_at: Option<DateTime<Utc>>,
}

impl RowState {
    fn read(table: &ScheduledTable, row: &PgRow) -> Result<Self, sqlx::Error> {
        let lead = chrono::Duration::from_std(table.lead).expect("a lead of days fits");
        let due: Option<DateTime<Utc>> = row.try_get(table.due_column)?;
        Ok(RowState {
            key: row.try_get(table.key_column)?,
            guild_id: from_db(row.try_get("guild_id")?),
            user_id: from_db(row.try_get("user_id")?),
            case_id: row.try_get("case_id")?,
            active: row.try_get("active")?,
            job_id: row.try_get("job_id")?,
            due_at: due.map(|at| at - lead),
        })
    }
}

/// A scheduled row locked for its job, with what the job needs from the case.
#[derive(Debug, Clone)]
pub struct Locked<R> {
    pub row: R,
    pub state: RowState,
    pub case_number: i32,
    pub violation_type: String,
}

impl<'r, R: ScheduledRow> FromRow<'r, PgRow> for Locked<R> {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Locked {
            row: R::from_row(row)?,
            state: RowState::read(&R::TABLE, row)?,
            case_number: row.try_get("case_number")?,
            violation_type: row.try_get("violation_type")?,
        })
    }
}

pub async fn get<R: ScheduledRow>(
    db: impl PgExecutor<'_>,
    key: i64,
) -> Result<Option<R>, sqlx::Error> {
    sqlx::query_as(R::TABLE.sql("SELECT * FROM {table} WHERE {key} = $1"))
        .bind(key)
        .fetch_optional(db)
        .await
}

/// Locks the row for its job; the lock is held until the caller's commit.
pub async fn lock<R: ScheduledRow>(
    conn: &mut PgConnection,
    key: i64,
) -> Result<Option<Locked<R>>, sqlx::Error> {
    let sql = R::TABLE.sql(
        "SELECT t.*, c.case_number, c.violation_type
         FROM {table} t JOIN mod_cases c ON c.id = t.case_id
         WHERE t.{key} = $1 FOR UPDATE OF t",
    );
    sqlx::query_as(sql).bind(key).fetch_optional(conn).await
}

pub async fn set_job<R: ScheduledRow>(
    conn: &mut PgConnection,
    key: i64,
    job_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = R::TABLE.sql("UPDATE {table} SET job_id = $2 WHERE {key} = $1");
    sqlx::query(sql)
        .bind(key)
        .bind(job_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends an active row; returns its job, to cancel. `ended_by` is recorded for punishments
/// (a renewal ends by no one).
pub async fn end<R: ScheduledRow>(
    conn: &mut PgConnection,
    key: i64,
    ended_by: Option<u64>,
    reason: &str,
) -> Result<Option<String>, sqlx::Error> {
    let table = R::TABLE;
    let mut query = ending(&table, ended_by, reason);
    if table.is_punishment {
        query.push(table.fill(", {failure} = NULL"));
    }
    query.push(table.fill(" WHERE {key} = "));
    query.push_bind(key);
    query.push(" AND active RETURNING job_id");
    let job: Option<Option<String>> = query.build_query_scalar().fetch_optional(conn).await?;
    Ok(job.flatten())
}

/// Ends the user's active row (tempbans and renewals have at most one) and returns it, so its
/// job can be cancelled.
pub async fn end_active<R: ScheduledRow>(
    conn: &mut PgConnection,
    guild_id: u64,
    user_id: u64,
    ended_by: Option<u64>,
    reason: &str,
) -> Result<Option<R>, sqlx::Error> {
    let mut query = ending(&R::TABLE, ended_by, reason);
    query.push(" WHERE guild_id = ");
    query.push_bind(to_db(guild_id));
    query.push(" AND user_id = ");
    query.push_bind(to_db(user_id));
    query.push(" AND active RETURNING *");
    query.build_query_as().fetch_optional(conn).await
}

/// `UPDATE … SET` ending a row, for [`end`] and [`end_active`] to finish.
fn ending(table: &ScheduledTable, ended_by: Option<u64>, reason: &str) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new(
        table.fill("UPDATE {table} SET active = FALSE, ended_at = now(), end_reason = "),
    );
    query.push_bind(reason);
    if table.is_punishment {
        query.push(", ended_by = ");
        query.push_bind(ended_by.map(to_db));
    } else {
        debug_assert!(ended_by.is_none(), "{} records no ender", table.name);
    }
    query
}

/// Records why Discord refused; returns whether this is the first refusal in a row (so the
/// mod log hears about it once).
pub async fn record_failure<R: ScheduledRow>(
    conn: &mut PgConnection,
    key: i64,
    message: &str,
) -> Result<bool, sqlx::Error> {
    let sql = R::TABLE.sql(
        "UPDATE {table} t SET {failure} = $2 FROM {table} old
         WHERE t.{key} = $1 AND old.{key} = t.{key}
         RETURNING old.{failure}",
    );
    let before: Option<String> = sqlx::query_scalar(sql)
        .bind(key)
        .bind(message)
        .fetch_one(conn)
        .await?;
    Ok(before.is_none())
}

/// Active rows that need a job: theirs is missing (never scheduled, deleted, finished or given
/// up), or was claimed by a worker not seen for `worker_dead_secs` (dead: apalis re-queues its
/// jobs too, and whichever runs second finds the row pointing elsewhere). A row whose job is
/// pending, however far off (an hourly retry after a refusal), is left alone, and so are
/// parked rows. Locked, skipping rows a job holds right now.
pub async fn needing_schedule<R: ScheduledRow>(
    conn: &mut PgConnection,
    worker_dead_secs: i64,
) -> Result<Vec<RowState>, sqlx::Error> {
    let table = R::TABLE;
    let sql = table.sql(
        "SELECT t.* FROM {table} t
         WHERE t.active AND t.{due} IS NOT NULL AND t.parked_at IS NULL AND (
             t.job_id IS NULL
             OR NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.id = t.job_id AND (
                 j.status = 'Pending'
                 OR (j.status = 'Failed' AND j.attempts < j.max_attempts)
                 OR (j.status IN ('Queued', 'Running') AND EXISTS (
                     SELECT 1 FROM apalis.workers w WHERE w.id = j.lock_by
                     AND w.last_seen > now() - make_interval(secs => $1))))))
         ORDER BY t.{due} LIMIT 1000
         FOR UPDATE OF t SKIP LOCKED",
    );
    let rows = sqlx::query(sql)
        .bind(worker_dead_secs as f64)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| RowState::read(&table, row)).collect()
}

/// Parks the guild's active rows (Gavel is not in the server): no job, not rescheduled, with
/// `reason`, until [`unpark_guild`]. Returns the jobs they pointed at, to cancel.
pub async fn park_guild<R: ScheduledRow>(
    conn: &mut PgConnection,
    guild_id: u64,
    reason: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = R::TABLE.sql(
        "UPDATE {table} t SET parked_at = now(), parked_reason = $2, job_id = NULL
         FROM (SELECT {key}, job_id FROM {table}
               WHERE guild_id = $1 AND active AND parked_at IS NULL FOR UPDATE) old
         WHERE t.{key} = old.{key}
         RETURNING old.job_id",
    );
    let jobs: Vec<Option<String>> = sqlx::query_scalar(sql)
        .bind(to_db(guild_id))
        .bind(reason)
        .fetch_all(conn)
        .await?;
    Ok(jobs.into_iter().flatten().collect())
}

/// Unparks the guild's rows (Gavel is in the server again); returns the active ones, to
/// schedule.
pub async fn unpark_guild<R: ScheduledRow>(
    conn: &mut PgConnection,
    guild_id: u64,
) -> Result<Vec<RowState>, sqlx::Error> {
    let table = R::TABLE;
    let sql = table.sql(
        "UPDATE {table} SET parked_at = NULL, parked_reason = NULL
         WHERE guild_id = $1 AND parked_at IS NOT NULL
         RETURNING *",
    );
    let rows = sqlx::query(sql)
        .bind(to_db(guild_id))
        .fetch_all(conn)
        .await?;
    let rows: Vec<RowState> = rows
        .iter()
        .map(|row| RowState::read(&table, row))
        .collect::<Result<_, _>>()?;
    Ok(rows.into_iter().filter(|row| row.active).collect())
}
