//! CaseService: reading and amending cases, and a user's whole history.

use super::case_flow::MAX_REASON_CHARS;
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::hierarchy::record_change_refusal;
use super::settings::{taxonomy_for, GuildSettingsService};
use super::warnings::WarningService;
use crate::domain::violation::UNSPECIFIED;
use crate::domain::{CaseState, CaseStatus, ModAction, Standing, UserFlag};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::cases::{self, Case, NewCase};
use crate::store::flags::{self, FlagRecord};
use crate::store::mutes::{self, Mute};
use crate::store::notes;
use crate::store::strikes::{self, Strike};
use crate::store::tempbans::{self, Tempban};
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;

#[derive(Clone)]
pub struct CaseService {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
    settings: GuildSettingsService,
    warnings: WarningService,
}

/// How many of a user's strikes a history or panel view reads: the newest, with the total.
pub const HISTORY_STRIKES: i64 = 10;

/// Everything a moderator wants to know about a user before acting. Long records are read a
/// page at a time: the newest cases and strikes, with their totals.
#[derive(Debug, Clone)]
pub struct UserHistory {
    pub cases: Vec<Case>,
    pub total_cases: i64,
    pub active_mutes: Vec<Mute>,
    pub active_tempban: Option<Tempban>,
    /// The newest [`HISTORY_STRIKES`] strikes (active, expired or void), newest first.
    pub strikes: Vec<Strike>,
    /// Every strike on the user's record.
    pub total_strikes: i64,
    pub standing: Standing,
    pub flags: Vec<FlagRecord>,
    pub notes_count: i64,
}

/// A case recorded from outside Gavel's own commands (for example Discord's audit log).
pub struct ExternalCase<'a> {
    pub guild_id: u64,
    pub action: ModAction,
    pub moderator_id: u64,
    pub target_id: u64,
    pub reason: Option<&'a str>,
    pub duration_secs: Option<i64>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub source: &'a str,
}

impl CaseService {
    pub fn new(
        pool: PgPool,
        port: Arc<dyn DiscordPort>,
        settings: GuildSettingsService,
        warnings: WarningService,
    ) -> Self {
        CaseService {
            pool,
            port,
            settings,
            warnings,
        }
    }

    /// Refuses changing a case about yourself, or one about (or by) someone ranked at or above
    /// you. Checked when the change is made, against Discord's roles now.
    async fn refuse_unless_may_change(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
    ) -> GavelResult<()> {
        let case = self.get(guild_id, case_number).await?;
        match record_change_refusal(
            self.port.as_ref(),
            guild_id,
            actor_id,
            case.target_id,
            case.moderator_id,
        )
        .await?
        {
            Some(refusal) => Err(GavelError::Invalid(refusal)),
            None => Ok(()),
        }
    }

    /// Records an action that already happened (so it is APPLIED from the start).
    pub async fn record(&self, case: ExternalCase<'_>) -> GavelResult<Case> {
        let mut tx = self.pool.begin().await?;
        let created = Self::record_in(&mut tx, &case).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// [`Self::record`] inside the caller's transaction, for changes that must land with it.
    pub async fn record_in(conn: &mut PgConnection, case: &ExternalCase<'_>) -> GavelResult<Case> {
        let created = cases::insert(
            conn,
            &NewCase {
                guild_id: case.guild_id,
                action: case.action,
                state: CaseState::Applied,
                moderator_id: case.moderator_id,
                target_id: case.target_id,
                reason: case.reason,
                violation_type: UNSPECIFIED,
                violation_details: None,
                strike_points: 0,
                duration_secs: case.duration_secs,
                expires_at: case.expires_at,
                source: case.source,
            },
        )
        .await?;
        ModEventLogger::log(
            &mut *conn,
            &event(case.guild_id, kinds::CASE_RECORDED, case.moderator_id)
                .target(case.target_id)
                .case(created.id)
                .details(case.reason)
                .data(serde_json::json!({
                    "action": case.action.as_str(),
                    "case_number": created.case_number,
                    "source": case.source,
                })),
        )
        .await?;
        Ok(created)
    }

    pub async fn get(&self, guild_id: u64, case_number: i32) -> GavelResult<Case> {
        cases::get(&self.pool, guild_id, case_number)
            .await?
            .ok_or_else(|| no_such_case(case_number))
    }

    pub async fn update_reason(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        reason: &str,
    ) -> GavelResult<Case> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(GavelError::invalid("Give the new reason."));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(GavelError::invalid(format!(
                "Keep the reason to {MAX_REASON_CHARS} characters."
            )));
        }
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        refuse_if_void(&case)?;
        let updated = cases::update_reason(&mut tx, case.id, Some(reason)).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_REASON_CHANGED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(Some(reason))
                .data(serde_json::json!({ "old": case.reason, "new": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Changes a case's violation type; its strike points follow the new type.
    pub async fn update_violation(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        violation: &str,
        strike_points: Option<u8>,
    ) -> GavelResult<Case> {
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let settings = self.settings.get(guild_id).await?;
        let taxonomy = taxonomy_for(&settings);
        let kind = taxonomy.resolve(violation).map_err(GavelError::Invalid)?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        refuse_if_void(&case)?;
        let points = if case.action.carries_strikes() {
            kind.strikes
                .resolve(strike_points)
                .map_err(|e| GavelError::invalid(format!("For {}, {e}.", kind.label)))?
        } else {
            0
        };
        let updated = cases::update_violation(
            &mut tx,
            case.id,
            &kind.key,
            case.violation_details.as_deref(),
            i32::from(points),
        )
        .await?;
        if case.state == CaseState::Applied {
            let reason = format!("violation changed to {}", kind.key);
            strikes::void_for_case(&mut tx, case.id, actor_id, &reason).await?;
            if points > 0 {
                strikes::insert(
                    &mut tx,
                    guild_id,
                    case.target_id,
                    case.id,
                    i32::from(points),
                    &kind.key,
                    settings.strike_expiry_days,
                )
                .await?;
            }
        }
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_VIOLATION_CHANGED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&kind.key)
                .data(serde_json::json!({
                    "old": case.violation_type,
                    "new": kind.key,
                    "old_points": case.strike_points,
                    "new_points": points,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn close(&self, guild_id: u64, actor_id: u64, case_number: i32) -> GavelResult<Case> {
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        match case.status {
            CaseStatus::Closed => {
                return Err(GavelError::invalid(format!(
                    "Case #{case_number} is already closed."
                )))
            }
            CaseStatus::Void => refuse_if_void(&case)?,
            CaseStatus::Open => {}
        }
        // Locked and OPEN, so it closes.
        let closed = cases::close(&mut tx, case.id, actor_id)
            .await?
            .ok_or_else(|| GavelError::invalid(format!("Case #{case_number} is not open.")))?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_CLOSED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type),
        )
        .await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// Reopens a closed case, for more work on it. A void case was withdrawn and stays so.
    pub async fn reopen(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        reason: Option<&str>,
    ) -> GavelResult<Case> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        check_reason_length(reason)?;
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        match case.status {
            CaseStatus::Open => {
                return Err(GavelError::invalid(format!(
                    "Case #{case_number} is already open."
                )))
            }
            CaseStatus::Void => {
                return Err(GavelError::invalid(format!(
                    "Case #{case_number} is void: it was withdrawn, so it cannot be reopened; open a new case instead."
                )))
            }
            CaseStatus::Closed => {}
        }
        // Locked and CLOSED, so it reopens.
        let reopened = cases::reopen(&mut tx, case.id)
            .await?
            .ok_or_else(|| GavelError::invalid(format!("Case #{case_number} is not closed.")))?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_REOPENED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(reason)
                .data(serde_json::json!({
                    "case_number": case_number,
                    "closed_at": case.closed_at,
                    "closed_by": case.closed_by.map(|id| id.to_string()),
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(reopened)
    }

    /// Voids a case's strikes while the case itself stands (the action was right, the points
    /// were not): they stop counting, the rows stay with who voided them and why. Returns the
    /// strikes voided and the user's standing afterwards.
    pub async fn void_strikes(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        reason: &str,
    ) -> GavelResult<VoidedStrikes> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(GavelError::invalid("Say why the strikes are voided."));
        }
        check_reason_length(Some(reason))?;
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        // The same lock actions take before reading points, so standing is read after them.
        strikes::lock_user(&mut tx, guild_id, case.target_id).await?;
        let voided = strikes::void_for_case(
            &mut tx,
            case.id,
            actor_id,
            &format!("strikes of case #{case_number} voided: {reason}"),
        )
        .await?;
        if voided.is_empty() {
            return Err(GavelError::invalid(format!(
                "Case #{case_number} has no strikes left to void."
            )));
        }
        let points_after = strikes::active_points(&mut *tx, guild_id, case.target_id).await?;
        let points_voided: i32 = voided.iter().map(|s| s.points).sum();
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_STRIKES_VOIDED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(Some(reason))
                .data(serde_json::json!({
                    "case_number": case_number,
                    "strikes_voided": voided.iter().map(|s| s.id).collect::<Vec<_>>(),
                    "points_voided": points_voided,
                    "active_points_after": points_after,
                })),
        )
        .await?;
        tx.commit().await?;
        let standing = self
            .warnings
            .standing_at(guild_id, u32::try_from(points_after).unwrap_or(u32::MAX))
            .await?;
        Ok(VoidedStrikes {
            case,
            strikes: voided,
            standing,
        })
    }

    /// Withdraws a case: it stays on record as VOID and its strikes stop counting. It does not
    /// undo the Discord action (unban or unmute for that).
    pub async fn void(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        reason: &str,
    ) -> GavelResult<Case> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(GavelError::invalid("Say why the case is voided."));
        }
        self.refuse_unless_may_change(guild_id, actor_id, case_number)
            .await?;
        let mut tx = self.pool.begin().await?;
        let case = locked_case(&mut tx, guild_id, case_number).await?;
        refuse_if_void(&case)?;
        let voided = cases::void(&mut tx, case.id, actor_id, reason).await?;
        let voided_strikes = strikes::void_for_case(
            &mut tx,
            case.id,
            actor_id,
            &format!("case #{case_number} voided: {reason}"),
        )
        .await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::CASE_VOIDED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .details(Some(reason))
                .data(serde_json::json!({
                    "strikes_voided": voided_strikes.iter().map(|s| s.id).collect::<Vec<_>>(),
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(voided)
    }

    /// A user's cases, newest first, one page at a time.
    pub async fn cases_of_user(
        &self,
        guild_id: u64,
        user_id: u64,
        page: u32,
        page_size: u32,
    ) -> GavelResult<(Vec<Case>, i64)> {
        let offset = i64::from(page) * i64::from(page_size);
        let cases =
            cases::for_user(&self.pool, guild_id, user_id, i64::from(page_size), offset).await?;
        let total = cases::count_for_user(&self.pool, guild_id, user_id).await?;
        Ok((cases, total))
    }

    pub async fn history(
        &self,
        guild_id: u64,
        user_id: u64,
        page_size: u32,
    ) -> GavelResult<UserHistory> {
        let (cases, total_cases) = self.cases_of_user(guild_id, user_id, 0, page_size).await?;
        let strike_totals = self.warnings.totals(guild_id, user_id).await?;
        Ok(UserHistory {
            cases,
            total_cases,
            active_mutes: mutes::active_for_user(&self.pool, guild_id, user_id).await?,
            active_tempban: tempbans::active_for_user(&self.pool, guild_id, user_id).await?,
            strikes: strikes::recent_for_user(&self.pool, guild_id, user_id, HISTORY_STRIKES)
                .await?,
            total_strikes: strike_totals.on_record,
            standing: self
                .warnings
                .standing_at(
                    guild_id,
                    u32::try_from(strike_totals.active_points).unwrap_or(u32::MAX),
                )
                .await?,
            flags: flags::for_user(&self.pool, guild_id, user_id).await?,
            notes_count: notes::count_visible(&self.pool, guild_id, user_id).await?,
        })
    }

    pub async fn has_flag(&self, guild_id: u64, user_id: u64, flag: UserFlag) -> GavelResult<bool> {
        Ok(flags::for_user(&self.pool, guild_id, user_id)
            .await?
            .iter()
            .any(|f| f.flag == flag))
    }
}

/// A case's strikes voided by [`CaseService::void_strikes`], and where that leaves the user.
#[derive(Debug, Clone)]
pub struct VoidedStrikes {
    pub case: Case,
    pub strikes: Vec<Strike>,
    pub standing: Standing,
}

fn check_reason_length(reason: Option<&str>) -> GavelResult<()> {
    match reason {
        Some(text) if text.chars().count() > MAX_REASON_CHARS => Err(GavelError::invalid(format!(
            "Keep the reason to {MAX_REASON_CHARS} characters."
        ))),
        _ => Ok(()),
    }
}

fn no_such_case(case_number: i32) -> GavelError {
    GavelError::not_found(format!("There is no case #{case_number} in this server."))
}

fn refuse_if_void(case: &Case) -> GavelResult<()> {
    if case.status == CaseStatus::Void {
        return Err(GavelError::invalid(format!(
            "Case #{} is void and can no longer be changed.",
            case.case_number
        )));
    }
    Ok(())
}

async fn locked_case(
    conn: &mut PgConnection,
    guild_id: u64,
    case_number: i32,
) -> GavelResult<Case> {
    cases::get_for_update(conn, guild_id, case_number)
        .await?
        .ok_or_else(|| no_such_case(case_number))
}
