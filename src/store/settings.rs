use crate::domain::ids::{from_db, to_db};
use crate::domain::{EscalationThresholds, MuteType, ViolationType};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};

#[derive(Debug, FromRow)]
struct SettingsRow {
    guild_id: i64,
    mod_role_ids: Vec<i64>,
    log_channel_id: Option<i64>,
    mute_role_text: Option<i64>,
    mute_role_voice: Option<i64>,
    mute_role_both: Option<i64>,
    dm_on_action: bool,
    strike_expiry_days: i32,
    escalation: Option<Json<EscalationThresholds>>,
    violation_overrides: Json<Vec<ViolationType>>,
    log_channel_problem: Option<String>,
    log_channel_problem_at: Option<DateTime<Utc>>,
}

/// Why Gavel stopped posting to the mod-log channel, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogChannelProblem {
    pub what: String,
    pub since: DateTime<Utc>,
}

/// A guild's configuration; a guild that never changed anything has the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuildSettings {
    pub guild_id: u64,
    pub mod_role_ids: Vec<u64>,
    pub log_channel_id: Option<u64>,
    pub mute_role_text: Option<u64>,
    pub mute_role_voice: Option<u64>,
    pub mute_role_both: Option<u64>,
    pub dm_on_action: bool,
    pub strike_expiry_days: i32,
    pub escalation: EscalationThresholds,
    pub violation_overrides: Vec<ViolationType>,
    /// Set when the log channel turned out gone or elsewhere; nothing is posted until
    /// `log_channel` is set again, which clears it.
    pub log_channel_problem: Option<LogChannelProblem>,
}

impl GuildSettings {
    pub fn defaults(guild_id: u64) -> Self {
        GuildSettings {
            guild_id,
            mod_role_ids: Vec::new(),
            log_channel_id: None,
            mute_role_text: None,
            mute_role_voice: None,
            mute_role_both: None,
            dm_on_action: true,
            strike_expiry_days: 90,
            escalation: EscalationThresholds::default(),
            violation_overrides: Vec::new(),
            log_channel_problem: None,
        }
    }

    pub fn mute_role(&self, mute_type: MuteType) -> Option<u64> {
        match mute_type {
            MuteType::Text => self.mute_role_text,
            MuteType::Voice => self.mute_role_voice,
            MuteType::Both => self.mute_role_both,
        }
    }
}

impl From<SettingsRow> for GuildSettings {
    fn from(row: SettingsRow) -> Self {
        GuildSettings {
            guild_id: from_db(row.guild_id),
            mod_role_ids: row.mod_role_ids.into_iter().map(from_db).collect(),
            log_channel_id: row.log_channel_id.map(from_db),
            mute_role_text: row.mute_role_text.map(from_db),
            mute_role_voice: row.mute_role_voice.map(from_db),
            mute_role_both: row.mute_role_both.map(from_db),
            dm_on_action: row.dm_on_action,
            strike_expiry_days: row.strike_expiry_days,
            escalation: row.escalation.map(|j| j.0).unwrap_or_default(),
            violation_overrides: row.violation_overrides.0,
            log_channel_problem: row
                .log_channel_problem
                .zip(row.log_channel_problem_at)
                .map(|(what, since)| LogChannelProblem { what, since }),
        }
    }
}

pub async fn get(db: impl PgExecutor<'_>, guild_id: u64) -> Result<GuildSettings, sqlx::Error> {
    let row: Option<SettingsRow> =
        sqlx::query_as("SELECT * FROM guild_settings WHERE guild_id = $1")
            .bind(to_db(guild_id))
            .fetch_optional(db)
            .await?;
    Ok(row.map_or_else(|| GuildSettings::defaults(guild_id), GuildSettings::from))
}

/// The guild's settings, locked until the transaction ends, so a read-change-write cannot lose
/// another writer's change. Creates the guild's row (with the defaults) when it has none.
pub async fn lock(conn: &mut PgConnection, guild_id: u64) -> Result<GuildSettings, sqlx::Error> {
    sqlx::query("INSERT INTO guild_settings (guild_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(to_db(guild_id))
        .execute(&mut *conn)
        .await?;
    let row: SettingsRow =
        sqlx::query_as("SELECT * FROM guild_settings WHERE guild_id = $1 FOR UPDATE")
            .bind(to_db(guild_id))
            .fetch_one(&mut *conn)
            .await?;
    Ok(GuildSettings::from(row))
}

pub async fn save(db: impl PgExecutor<'_>, settings: &GuildSettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, mod_role_ids, log_channel_id, mute_role_text,
             mute_role_voice, mute_role_both, dm_on_action, strike_expiry_days, escalation,
             violation_overrides, log_channel_problem, log_channel_problem_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
         ON CONFLICT (guild_id) DO UPDATE SET
             mod_role_ids = EXCLUDED.mod_role_ids, log_channel_id = EXCLUDED.log_channel_id,
             mute_role_text = EXCLUDED.mute_role_text, mute_role_voice = EXCLUDED.mute_role_voice,
             mute_role_both = EXCLUDED.mute_role_both, dm_on_action = EXCLUDED.dm_on_action,
             strike_expiry_days = EXCLUDED.strike_expiry_days, escalation = EXCLUDED.escalation,
             violation_overrides = EXCLUDED.violation_overrides,
             log_channel_problem = EXCLUDED.log_channel_problem,
             log_channel_problem_at = EXCLUDED.log_channel_problem_at, updated_at = now()",
    )
    .bind(to_db(settings.guild_id))
    .bind(
        settings
            .mod_role_ids
            .iter()
            .copied()
            .map(to_db)
            .collect::<Vec<_>>(),
    )
    .bind(settings.log_channel_id.map(to_db))
    .bind(settings.mute_role_text.map(to_db))
    .bind(settings.mute_role_voice.map(to_db))
    .bind(settings.mute_role_both.map(to_db))
    .bind(settings.dm_on_action)
    .bind(settings.strike_expiry_days)
    .bind(Json(&settings.escalation))
    .bind(Json(&settings.violation_overrides))
    .bind(
        settings
            .log_channel_problem
            .as_ref()
            .map(|p| p.what.as_str()),
    )
    .bind(settings.log_channel_problem.as_ref().map(|p| p.since))
    .execute(db)
    .await?;
    Ok(())
}

/// Records why posting to `channel_id` stopped, if it is still the guild's log channel and no
/// problem is recorded yet. Whether this call recorded it.
pub async fn record_log_channel_problem(
    db: impl PgExecutor<'_>,
    guild_id: u64,
    channel_id: u64,
    what: &str,
) -> Result<bool, sqlx::Error> {
    let recorded = sqlx::query(
        "UPDATE guild_settings SET log_channel_problem = $3, log_channel_problem_at = now()
         WHERE guild_id = $1 AND log_channel_id = $2 AND log_channel_problem IS NULL",
    )
    .bind(to_db(guild_id))
    .bind(to_db(channel_id))
    .bind(what)
    .execute(db)
    .await?;
    Ok(recorded.rows_affected() == 1)
}
