//! Actions moderators take in Discord's own UI (ban, unban, kick, timeout), learned from the
//! audit log, become cases attributed to the real moderator. Entries whose actor is Gavel are
//! its own actions and are skipped, so nothing is recorded twice.

use super::cases::{CaseService, ExternalCase};
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::domain::ModAction;
use crate::error::GavelResult;
use crate::store::cases::Case;
use crate::store::schedule;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What an audit-log entry says happened, in Gavel's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditAction {
    Ban,
    Unban,
    Kick,
    Timeout { until: DateTime<Utc> },
    TimeoutRemoved,
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub guild_id: u64,
    pub action: AuditAction,
    pub actor_id: u64,
    pub target_id: u64,
    pub reason: Option<String>,
}

#[derive(Clone)]
pub struct AuditLogCaseService {
    pool: PgPool,
    bot_user_id: u64,
}

impl AuditLogCaseService {
    pub fn new(pool: PgPool, bot_user_id: u64) -> Self {
        AuditLogCaseService { pool, bot_user_id }
    }

    /// Records the entry as a case; `None` when it was Gavel's own action.
    pub async fn record(&self, entry: AuditEntry) -> GavelResult<Option<Case>> {
        // Only the actor says whose entry it is: anyone can type a reason that looks like ours.
        if entry.actor_id == self.bot_user_id {
            return Ok(None);
        }
        let now = Utc::now();
        let (action, duration_secs, expires_at) = match &entry.action {
            AuditAction::Ban => (ModAction::Ban, None, None),
            AuditAction::Unban => (ModAction::Unban, None, None),
            AuditAction::Kick => (ModAction::Kick, None, None),
            AuditAction::Timeout { until } => (
                ModAction::Timeout,
                Some((*until - now).num_seconds().max(1)),
                Some(*until),
            ),
            AuditAction::TimeoutRemoved => (ModAction::Untimeout, None, None),
        };
        // The case and the end of a running tempban land together: a ban or unban by hand
        // overrides the tempban, which must not lift (or outlive) it.
        let mut tx = self.pool.begin().await?;
        let case = CaseService::record_in(
            &mut tx,
            &ExternalCase {
                guild_id: entry.guild_id,
                action,
                moderator_id: entry.actor_id,
                target_id: entry.target_id,
                reason: entry.reason.as_deref(),
                duration_secs,
                expires_at,
                source: "discord",
            },
        )
        .await?;
        if matches!(entry.action, AuditAction::Ban | AuditAction::Unban) {
            let why = format!(
                "{} in Discord by <@{}> (case #{})",
                if entry.action == AuditAction::Ban {
                    "banned permanently"
                } else {
                    "unbanned"
                },
                entry.actor_id,
                case.case_number
            );
            let ended = schedule::end_tempban(
                &mut tx,
                entry.guild_id,
                entry.target_id,
                entry.actor_id,
                &why,
            )
            .await?;
            if ended.is_some() {
                ModEventLogger::log(
                    &mut *tx,
                    &event(entry.guild_id, kinds::TEMPBAN_ENDED, entry.actor_id)
                        .target(entry.target_id)
                        .case(case.id)
                        .details(Some(&why)),
                )
                .await?;
            }
        }
        // A timeout set or removed by hand replaces Gavel's long-timeout renewal.
        if matches!(
            entry.action,
            AuditAction::Timeout { .. } | AuditAction::TimeoutRemoved
        ) {
            schedule::end_timeout_renewal(
                &mut tx,
                entry.guild_id,
                entry.target_id,
                &format!("timeout changed in Discord (case #{})", case.case_number),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(case))
    }
}
