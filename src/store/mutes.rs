use super::scheduled_row::Ending;
use crate::domain::ids::to_db;
use crate::domain::MuteType;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Mute {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub guild_id: u64,
    #[sqlx(try_from = "i64")]
    pub user_id: u64,
    #[sqlx(try_from = "String")]
    pub mute_type: MuteType,
    #[sqlx(try_from = "i64")]
    pub role_id: u64,
    pub case_id: i64,
    pub active: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Removing the role when it runs out, or its end.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub ending: Ending,
}

#[derive(Debug, Clone, Copy)]
pub struct NewMute {
    pub guild_id: u64,
    pub user_id: u64,
    pub mute_type: MuteType,
    pub role_id: u64,
    pub case_id: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Who muted: recorded as ending an earlier mute this one replaces.
    pub actor_id: u64,
}

/// Records an active mute, replacing (ending) an earlier active mute of the same type. Returns
/// the new mute and the expiry jobs of the replaced one, to cancel.
pub async fn start(
    conn: &mut PgConnection,
    mute: &NewMute,
) -> Result<(Mute, Vec<String>), sqlx::Error> {
    let NewMute {
        guild_id,
        user_id,
        mute_type,
        role_id,
        case_id,
        expires_at,
        actor_id,
    } = *mute;
    let replaced_jobs: Vec<Option<String>> = sqlx::query_scalar(
        "UPDATE mutes SET active = FALSE, ended_at = now(), ended_by = $4,
             end_reason = 'replaced by a new mute'
         WHERE guild_id = $1 AND user_id = $2 AND mute_type = $3 AND active
         RETURNING job_id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(mute_type.as_str())
    .bind(to_db(actor_id))
    .fetch_all(&mut *conn)
    .await?;
    let mute = sqlx::query_as(
        "INSERT INTO mutes (guild_id, user_id, mute_type, role_id, case_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .bind(mute_type.as_str())
    .bind(to_db(role_id))
    .bind(case_id)
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok((mute, replaced_jobs.into_iter().flatten().collect()))
}

pub async fn active_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<Mute>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM mutes WHERE guild_id = $1 AND user_id = $2 AND active ORDER BY id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct MuteInForce {
    #[sqlx(flatten)]
    pub mute: Mute,
    pub case_number: i32,
}

/// Active mutes that have not yet run out, with their case numbers (for audit reasons).
pub async fn in_force_for_user(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    user_id: u64,
) -> Result<Vec<MuteInForce>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.*, c.case_number FROM mutes m JOIN mod_cases c ON c.id = m.case_id
         WHERE m.guild_id = $1 AND m.user_id = $2 AND m.active
           AND (m.expires_at IS NULL OR m.expires_at > now())
         ORDER BY m.id",
    )
    .bind(to_db(guild_id))
    .bind(to_db(user_id))
    .fetch_all(db)
    .await
}
