use crate::domain::ids::to_db;
use crate::domain::{CaseState, CaseStatus, ModAction};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, PartialEq, FromRow, Serialize)]
pub struct Case {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    pub case_number: i32,
    #[sqlx(try_from = "String")]
    pub action: ModAction,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    #[sqlx(try_from = "String")]
    pub state: CaseState,
    #[sqlx(try_from = "i64")]
    pub moderator_id: u64,
    #[sqlx(try_from = "i64")]
    pub target_id: u64,
    pub reason: Option<String>,
    pub violation_type: String,
    pub violation_details: Option<String>,
    pub strike_points: i32,
    pub duration_secs: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub source: String,
    pub failure: Option<String>,
    pub user_notified: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<i64>,
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
    /// The mass ban that opened this case (`/mod massban`), shared by all its cases.
    #[sqlx(default)]
    pub batch_id: Option<uuid::Uuid>,
    /// What the action acted on besides its user (a purge's channel, filter and counts; a
    /// removed message's channel and id).
    #[sqlx(default)]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub guild_id: u64,
    pub action: ModAction,
    pub state: CaseState,
    pub moderator_id: u64,
    pub target_id: u64,
    pub reason: Option<&'a str>,
    pub violation_type: &'a str,
    pub violation_details: Option<&'a str>,
    pub strike_points: i32,
    pub duration_secs: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub source: &'a str,
}

/// Takes the guild's next case number and inserts the case. Must run inside the caller's
/// transaction: the counter row stays locked until commit, so concurrent writers (in any
/// process) queue on it and a rolled-back insert gives its number back.
pub async fn insert(conn: &mut PgConnection, case: &NewCase<'_>) -> Result<Case, sqlx::Error> {
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO guild_case_counters (guild_id, last_number) VALUES ($1, 1)
         ON CONFLICT (guild_id) DO UPDATE SET last_number = guild_case_counters.last_number + 1
         RETURNING last_number",
    )
    .bind(to_db(case.guild_id))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query_as(
        "INSERT INTO mod_cases (guild_id, case_number, action, state, moderator_id, target_id,
             reason, violation_type, violation_details, strike_points, duration_secs, expires_at,
             source, settled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
             CASE WHEN $4 = 'PENDING' THEN NULL ELSE now() END)
         RETURNING *",
    )
    .bind(to_db(case.guild_id))
    .bind(number)
    .bind(case.action.as_str())
    .bind(case.state.as_str())
    .bind(to_db(case.moderator_id))
    .bind(to_db(case.target_id))
    .bind(case.reason)
    .bind(case.violation_type)
    .bind(case.violation_details)
    .bind(case.strike_points)
    .bind(case.duration_secs)
    .bind(case.expires_at)
    .bind(case.source)
    .fetch_one(&mut *conn)
    .await
}

/// Sets what the action acted on besides its user (see [`Case::data`]).
pub async fn set_data(
    db: impl PgExecutor<'_>,
    case_id: i64,
    data: &serde_json::Value,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as("UPDATE mod_cases SET data = $2, updated_at = now() WHERE id = $1 RETURNING *")
        .bind(case_id)
        .bind(data)
        .fetch_one(db)
        .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    case_number: i32,
) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mod_cases WHERE guild_id = $1 AND case_number = $2")
        .bind(to_db(guild_id))
        .bind(case_number)
        .fetch_optional(db)
        .await
}

pub async fn get_for_update(
    conn: &mut PgConnection,
    guild_id: u64,
    case_number: i32,
) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM mod_cases WHERE guild_id = $1 AND case_number = $2 FOR UPDATE")
        .bind(to_db(guild_id))
        .bind(case_number)
        .fetch_optional(conn)
        .await
}

/// Records the Discord outcome of a pending case. Only a PENDING case can be settled, so a
/// settled outcome is never overwritten. The update locks the case row until the caller's
/// transaction ends and returns it as it is at that moment: a case voided while its Discord
/// call was in flight comes back VOID (and stays VOID when the call failed), so the caller can
/// leave out what a void withdraws (strikes, escalation).
pub async fn settle(
    conn: &mut PgConnection,
    case_id: i64,
    state: CaseState,
    failure: Option<&str>,
    user_notified: bool,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases
         SET state = $2, failure = $3, user_notified = $4, settled_at = now(), updated_at = now(),
             status = CASE WHEN $2 = 'FAILED' AND status = 'OPEN' THEN 'CLOSED' ELSE status END,
             closed_at = CASE WHEN $2 = 'FAILED' THEN COALESCE(closed_at, now())
                 ELSE closed_at END
         WHERE id = $1 AND state = 'PENDING'
         RETURNING *",
    )
    .bind(case_id)
    .bind(state.as_str())
    .bind(failure)
    .bind(user_notified)
    .fetch_one(conn)
    .await
}

pub async fn set_user_notified(
    db: impl PgExecutor<'_>,
    case_id: i64,
    user_notified: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mod_cases SET user_notified = $2, updated_at = now() WHERE id = $1")
        .bind(case_id)
        .bind(user_notified)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_reason(
    conn: &mut PgConnection,
    case_id: i64,
    reason: Option<&str>,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as("UPDATE mod_cases SET reason = $2, updated_at = now() WHERE id = $1 RETURNING *")
        .bind(case_id)
        .bind(reason)
        .fetch_one(conn)
        .await
}

pub async fn update_violation(
    conn: &mut PgConnection,
    case_id: i64,
    violation_type: &str,
    violation_details: Option<&str>,
    strike_points: i32,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases SET violation_type = $2, violation_details = $3, strike_points = $4,
             updated_at = now()
         WHERE id = $1 RETURNING *",
    )
    .bind(case_id)
    .bind(violation_type)
    .bind(violation_details)
    .bind(strike_points)
    .fetch_one(conn)
    .await
}

/// Closes an open case; `None` when it is not open (already closed, or void).
pub async fn close(
    conn: &mut PgConnection,
    case_id: i64,
    closed_by: u64,
) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases SET status = 'CLOSED', closed_at = now(), closed_by = $2,
             updated_at = now()
         WHERE id = $1 AND status = 'OPEN' RETURNING *",
    )
    .bind(case_id)
    .bind(to_db(closed_by))
    .fetch_optional(conn)
    .await
}

/// Reopens a closed case; `None` when it is not closed (open already, or void).
pub async fn reopen(conn: &mut PgConnection, case_id: i64) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases SET status = 'OPEN', closed_at = NULL, closed_by = NULL,
             updated_at = now()
         WHERE id = $1 AND status = 'CLOSED' RETURNING *",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await
}

pub async fn void(
    conn: &mut PgConnection,
    case_id: i64,
    voided_by: u64,
    reason: &str,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases SET status = 'VOID', voided_by = $2, void_reason = $3,
             closed_at = COALESCE(closed_at, now()), updated_at = now()
         WHERE id = $1 RETURNING *",
    )
    .bind(case_id)
    .bind(to_db(voided_by))
    .bind(reason)
    .fetch_one(conn)
    .await
}

/// A user's cases, newest first.
pub async fn for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Case>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mod_cases WHERE guild_id = $1 AND target_id = $2
         ORDER BY case_number DESC LIMIT $3 OFFSET $4",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM mod_cases WHERE guild_id = $1 AND target_id = $2")
        .bind(to_db(guild_id))
        .bind(to_db(user_id))
        .fetch_one(db)
        .await
}

/// Locks a case that is still PENDING, for reconciliation; `None` when it was settled
/// meanwhile or another process holds it.
pub async fn lock_pending(
    conn: &mut PgConnection,
    case_id: i64,
) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mod_cases WHERE id = $1 AND state = 'PENDING' FOR UPDATE SKIP LOCKED",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await
}

/// The user's warnings that took effect and still stand (not void).
pub async fn count_applied_warnings(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM mod_cases WHERE guild_id = $1 AND target_id = $2
         AND action = 'WARN' AND state = 'APPLIED' AND status <> 'VOID'",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_one(db)
    .await
}

/// Cases whose Discord call started but whose outcome was never recorded.
pub async fn pending_older_than(
    db: impl PgExecutor<'_>,
    age_secs: i64,
) -> Result<Vec<Case>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mod_cases WHERE state = 'PENDING'
         AND created_at < now() - make_interval(secs => $1) ORDER BY id",
    )
    .bind(age_secs as f64)
    .fetch_all(db)
    .await
}

/// Marks a case (inserted in the same transaction) as one of a mass ban's.
pub async fn set_batch(
    conn: &mut PgConnection,
    case_id: i64,
    batch_id: uuid::Uuid,
) -> Result<Case, sqlx::Error> {
    sqlx::query_as("UPDATE mod_cases SET batch_id = $2 WHERE id = $1 RETURNING *")
        .bind(case_id)
        .bind(batch_id)
        .fetch_one(conn)
        .await
}

/// [`settle`] for many cases with one outcome (a bulk call's banned or failed users). Cases
/// settled meanwhile (by reconciliation) are left as they are and not returned.
pub async fn settle_many(
    conn: &mut PgConnection,
    case_ids: &[i64],
    state: CaseState,
    failure: Option<&str>,
) -> Result<Vec<Case>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mod_cases
         SET state = $2, failure = $3, settled_at = now(), updated_at = now(),
             status = CASE WHEN $2 = 'FAILED' AND status = 'OPEN' THEN 'CLOSED' ELSE status END,
             closed_at = CASE WHEN $2 = 'FAILED' THEN COALESCE(closed_at, now())
                 ELSE closed_at END
         WHERE id = ANY($1) AND state = 'PENDING'
         RETURNING *",
    )
    .bind(case_ids)
    .bind(state.as_str())
    .bind(failure)
    .fetch_all(conn)
    .await
}

/// A mass ban's cases, in case-number order.
pub async fn for_batch(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    batch_id: uuid::Uuid,
) -> Result<Vec<Case>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mod_cases WHERE guild_id = $1 AND batch_id = $2 ORDER BY case_number",
    )
    .bind(to_db(guild_id))
    .bind(batch_id)
    .fetch_all(db)
    .await
}
