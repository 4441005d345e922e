//! ModEventLogger: the append-only record of who did what to whom, and why.

use crate::domain::violation::UNSPECIFIED;
use crate::store::event_log::{self, ModEvent, NewEvent};
use sqlx::{PgExecutor, PgPool};

/// Event kinds, as stored in `mod_events.kind`.
pub mod kinds {
    pub const CASE_OPENED: &str = "case.opened";
    pub const CASE_APPLIED: &str = "case.applied";
    pub const CASE_FAILED: &str = "case.failed";
    /// Discord did not answer the action's call; the case stays PENDING for reconciliation.
    pub const CASE_UNCONFIRMED: &str = "case.unconfirmed";
    pub const CASE_RECORDED: &str = "case.recorded";
    pub const CASE_REASON_CHANGED: &str = "case.reason_changed";
    pub const CASE_VIOLATION_CHANGED: &str = "case.violation_changed";
    pub const CASE_CLOSED: &str = "case.closed";
    pub const CASE_REOPENED: &str = "case.reopened";
    pub const CASE_VOIDED: &str = "case.voided";
    pub const ACTION_REFUSED: &str = "action.refused";
    pub const STRIKE_VOIDED: &str = "strike.voided";
    pub const CASE_STRIKES_VOIDED: &str = "case.strikes_voided";
    pub const NOTE_ADDED: &str = "note.added";
    pub const NOTE_DELETED: &str = "note.deleted";
    pub const FLAG_SET: &str = "flag.set";
    pub const FLAG_CLEARED: &str = "flag.cleared";
    pub const TEMPLATE_SAVED: &str = "template.saved";
    pub const TEMPLATE_DELETED: &str = "template.deleted";
    pub const SETTINGS_CHANGED: &str = "settings.changed";
    pub const TEMPBAN_ENDED: &str = "tempban.ended";
    pub const MUTE_RESTORED: &str = "mute.restored";
    pub const TEMPBAN_EXPIRED: &str = "tempban.expired";
    pub const MUTE_EXPIRED: &str = "mute.expired";
    pub const TIMEOUT_RENEWED: &str = "timeout.renewed";
    pub const CASE_RECONCILED: &str = "case.reconciled";
    pub const MASSBAN_CONFIRMED: &str = "massban.confirmed";
    pub const MASSBAN_CANCELLED: &str = "massban.cancelled";
    pub const STRIKE_EXPIRED: &str = "strike.expired";
    pub const EVIDENCE_ADDED: &str = "evidence.added";
    pub const EVIDENCE_AMENDED: &str = "evidence.amended";
    pub const EVIDENCE_UPLOAD_REQUESTED: &str = "evidence.upload_requested";
    pub const EVIDENCE_VERIFIED: &str = "evidence.verified";
    pub const EVIDENCE_LINK_CREATED: &str = "evidence.link_created";
}

/// Builds events so every one carries an actor and a violation type (`unspecified` when the
/// moderator gave none).
pub fn event(guild_id: u64, kind: &'static str, actor_id: u64) -> NewEvent {
    NewEvent {
        guild_id,
        kind,
        actor_id,
        target_id: None,
        case_id: None,
        violation_type: UNSPECIFIED.to_string(),
        details: None,
        data: serde_json::json!({}),
    }
}

pub trait EventExt {
    fn target(self, user_id: u64) -> Self;
    fn case(self, case_id: i64) -> Self;
    fn violation(self, key: &str) -> Self;
    fn details(self, text: Option<&str>) -> Self;
    fn data(self, data: serde_json::Value) -> Self;
}

impl EventExt for NewEvent {
    fn target(mut self, user_id: u64) -> Self {
        self.target_id = Some(user_id);
        self
    }
    fn case(mut self, case_id: i64) -> Self {
        self.case_id = Some(case_id);
        self
    }
    fn violation(mut self, key: &str) -> Self {
        if !key.trim().is_empty() {
            self.violation_type = key.to_string();
        }
        self
    }
    fn details(mut self, text: Option<&str>) -> Self {
        self.details = text.map(str::to_string);
        self
    }
    fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

#[derive(Clone)]
pub struct ModEventLogger {
    pool: PgPool,
}

impl ModEventLogger {
    pub fn new(pool: PgPool) -> Self {
        ModEventLogger { pool }
    }

    /// Writes an event through `db`, so it commits or rolls back with the change it describes.
    pub async fn log(db: impl PgExecutor<'_>, event: &NewEvent) -> Result<i64, sqlx::Error> {
        event_log::insert(db, event).await
    }

    pub async fn recent(&self, guild_id: u64, limit: i64) -> Result<Vec<ModEvent>, sqlx::Error> {
        event_log::for_guild(&self.pool, guild_id, limit).await
    }

    pub async fn for_case(&self, case_id: i64) -> Result<Vec<ModEvent>, sqlx::Error> {
        event_log::for_case(&self.pool, case_id).await
    }
}
