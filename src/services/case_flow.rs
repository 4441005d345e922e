//! The one path every Discord-backed action takes, so nothing a moderator does is lost or
//! recorded as applied when it failed:
//! refuse early (no case, no Discord call) → open the case as PENDING → DM (before bans and
//! kicks, while Discord still delivers) → call Discord with `[#n] reason` → settle the case as
//! APPLIED or FAILED together with its strikes, tempban or mute rows → DM (other actions) → post
//! to the mod log. A crash between the Discord call and the settle leaves a PENDING case for
//! reconciliation to settle from Discord's state.
//!
//! From the case's insert to its settle the flow holds the case (`store::case_leases`: an
//! advisory lock on its own connection), so reconciliation never settles a case whose Discord
//! call is merely slow. When Discord did not answer (a 5xx, a network error, a timeout) the
//! call may or may not have taken effect: the case stays PENDING, the moderator is told Gavel
//! will check, and reconciliation settles it from Discord's state.

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::hierarchy::{self, Verdict};
use super::mod_log;
use super::settings::{taxonomy_for, GuildSettingsService};
use crate::domain::duration::format_duration;
use crate::domain::timeout::DISCORD_TIMEOUT_CAP;
use crate::domain::violation::UNSPECIFIED;
use crate::domain::{
    audit_reason, CaseState, CaseStatus, ModAction, ModActionResult, MuteType, OutgoingMessage,
    PointsChange,
};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::{codes, DiscordError, DiscordPort};
use crate::store::case_leases::{self, CaseLease};
use crate::store::cases::{self, Case, NewCase};
use crate::store::event_log::NewEvent;
use crate::store::mutes::{Mute, NewMute};
use crate::store::settings::GuildSettings;
use crate::store::tempbans::NewTempban;
use crate::store::timeout_renewals::NewTimeoutRenewal;
use crate::store::{schedule, strikes};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use std::sync::Arc;
use std::time::Duration;

pub const MAX_REASON_CHARS: usize = 1000;

/// Who acts on whom, and why: what every moderation command gives.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    pub guild_id: u64,
    pub moderator_id: u64,
    pub target_id: u64,
    pub reason: Option<String>,
    /// A violation key or label as the moderator typed it.
    pub violation: Option<String>,
    pub violation_details: Option<String>,
    /// The moderator's pick within a violation type's strike range.
    pub strike_points: Option<u8>,
    /// Where the action came from: `command`, `panel`, `escalation`, ...
    pub source: &'static str,
    /// Escalations carry their warning's violation type but add no strikes of their own.
    pub adds_strikes: bool,
    /// What the action acts on besides the user (stored as the case's `data`).
    pub data: Option<serde_json::Value>,
}

impl ActionRequest {
    pub fn new(guild_id: u64, moderator_id: u64, target_id: u64) -> Self {
        ActionRequest {
            guild_id,
            moderator_id,
            target_id,
            reason: None,
            violation: None,
            violation_details: None,
            strike_points: None,
            source: "command",
            adds_strikes: true,
            data: None,
        }
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn reason(mut self, reason: Option<impl Into<String>>) -> Self {
        self.reason = reason
            .map(Into::into)
            .filter(|r: &String| !r.trim().is_empty());
        self
    }

    pub fn violation(mut self, violation: Option<impl Into<String>>) -> Self {
        self.violation = violation
            .map(Into::into)
            .filter(|v: &String| !v.trim().is_empty());
        self
    }

    pub fn details(mut self, details: Option<impl Into<String>>) -> Self {
        self.violation_details = details
            .map(Into::into)
            .filter(|d: &String| !d.trim().is_empty());
        self
    }

    pub fn strike_points(mut self, points: Option<u8>) -> Self {
        self.strike_points = points;
        self
    }

    pub fn source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }
}

/// The Discord side of an action.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Warnings change nothing in Discord.
    None,
    Ban {
        delete_message_seconds: u32,
    },
    Softban {
        delete_message_seconds: u32,
    },
    Unban,
    Kick,
    Timeout {
        until: DateTime<Utc>,
    },
    /// Lifts a timeout (and stops renewing a long one).
    ClearTimeout,
    AddMuteRole {
        role_id: u64,
        mute_type: MuteType,
    },
    RemoveMuteRoles {
        mutes: Vec<Mute>,
    },
    /// Remove Message: `before` runs once the case is open (it snapshots the message into the
    /// case's evidence), then the message is deleted.
    DeleteMessage {
        channel_id: u64,
        message_id: u64,
        before: Option<BeforeCall>,
    },
}

/// Work done after a case is opened and before Discord is called, given the case number.
#[derive(Clone)]
pub struct BeforeCall(
    pub Arc<dyn Fn(i32) -> futures::future::BoxFuture<'static, ()> + Send + Sync>,
);

impl std::fmt::Debug for BeforeCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BeforeCall")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmTiming {
    /// Bans and kicks: after them Discord will not deliver a DM.
    Before,
    /// Everything else: only tell the user about what actually happened.
    After,
    Never,
}

#[derive(Debug, Clone)]
pub struct ActionPlan {
    pub action: ModAction,
    pub duration: Option<Duration>,
    pub target_must_be_member: bool,
    pub dm: DmTiming,
    pub effect: Effect,
}

/// An action's result with the case it produced, for callers that go on (escalation).
pub struct Outcome {
    pub result: ModActionResult,
    pub case: Option<Case>,
    /// The target's active strike points before and after this action's strikes, read under
    /// their strike lock when the case settled; `None` when it added no strikes (nor was a
    /// warning) or was voided before it settled.
    pub points: Option<PointsChange>,
}

#[derive(Clone)]
pub struct CaseFlow {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
    settings: GuildSettingsService,
}

struct Violation {
    key: String,
    points: i32,
    message: Option<String>,
}

impl CaseFlow {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>, settings: GuildSettingsService) -> Self {
        CaseFlow {
            pool,
            port,
            settings,
        }
    }

    /// Refuses, before anything is done, a violation type or strike points the case flow would
    /// refuse for this action.
    pub async fn validate(&self, req: &ActionRequest, action: ModAction) -> GavelResult<()> {
        let settings = self.settings.get(req.guild_id).await?;
        resolve_violation(&settings, req, action).map(|_| ())
    }

    pub fn port(&self) -> &dyn DiscordPort {
        self.port.as_ref()
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    #[tracing::instrument(
        name = "case_flow",
        skip_all,
        fields(
            guild_id = req.guild_id,
            case_id = tracing::field::Empty,
            case_number = tracing::field::Empty,
            target_id = req.target_id,
            action = plan.action.as_str(),
            moderator_id = req.moderator_id,
            source = req.source,
        )
    )]
    pub async fn run(&self, req: &ActionRequest, plan: ActionPlan) -> GavelResult<Outcome> {
        if let Some(reason) = &req.reason {
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(GavelError::invalid(format!(
                    "The reason is {} characters long; keep it to {MAX_REASON_CHARS}.",
                    reason.chars().count()
                )));
            }
        }
        if let Some(details) = &req.violation_details {
            if details.chars().count() > MAX_REASON_CHARS {
                return Err(GavelError::invalid(format!(
                    "The violation details are {} characters long; keep them to {MAX_REASON_CHARS}.",
                    details.chars().count()
                )));
            }
        }
        let settings = self.settings.get(req.guild_id).await?;
        let violation = resolve_violation(&settings, req, plan.action)?;

        let verdict = hierarchy::check(
            self.port.as_ref(),
            req.guild_id,
            req.moderator_id,
            req.target_id,
            plan.target_must_be_member,
        )
        .await?;
        let cleared = match verdict {
            Verdict::Cleared(cleared) => cleared,
            Verdict::Refused(message) => {
                ModEventLogger::log(
                    &self.pool,
                    &event(req.guild_id, kinds::ACTION_REFUSED, req.moderator_id)
                        .target(req.target_id)
                        .violation(&violation.key)
                        .details(req.reason.as_deref())
                        .data(serde_json::json!({
                            "action": plan.action.as_str(),
                            "refusal": message,
                            "source": req.source,
                        })),
                )
                .await?;
                return Ok(Outcome {
                    result: ModActionResult::refused(message),
                    case: None,
                    points: None,
                });
            }
        };

        let now = Utc::now();
        let expires_at = plan
            .duration
            .map(|d| now + chrono::Duration::seconds(d.as_secs() as i64));
        let has_discord_call = !matches!(plan.effect, Effect::None);

        // A Discord-backed case is opened, settled and held on one connection of its own.
        let mut lease = match has_discord_call {
            true => Some(CaseLease::acquire(&self.pool).await?),
            false => None,
        };
        // A warning's transaction stays open to settle the case too.
        let mut lease_tx: Option<Transaction<'_, Postgres>> = None;
        let mut warning_tx: Option<Transaction<'static, Postgres>> = None;
        let tx: &mut PgConnection = match lease.as_mut() {
            Some(lease) => lease_tx.insert(lease.begin().await?),
            None => warning_tx.insert(self.pool.begin().await?),
        };
        let case = cases::insert(
            tx,
            &NewCase {
                guild_id: req.guild_id,
                action: plan.action,
                state: CaseState::Pending,
                moderator_id: req.moderator_id,
                target_id: req.target_id,
                reason: req.reason.as_deref(),
                violation_type: &violation.key,
                violation_details: req.violation_details.as_deref(),
                strike_points: violation.points,
                duration_secs: plan.duration.map(|d| d.as_secs() as i64),
                expires_at,
                source: req.source,
            },
        )
        .await?;
        let case = match &req.data {
            Some(data) => cases::set_data(&mut *tx, case.id, data).await?,
            None => case,
        };
        let span = tracing::Span::current();
        span.record("case_id", case.id);
        span.record("case_number", case.case_number);
        ModEventLogger::log(
            &mut *tx,
            &event(req.guild_id, kinds::CASE_OPENED, req.moderator_id)
                .target(req.target_id)
                .case(case.id)
                .violation(&violation.key)
                .details(req.reason.as_deref())
                .data(serde_json::json!({
                    "action": plan.action.as_str(),
                    "case_number": case.case_number,
                    "source": req.source,
                    "duration_secs": plan.duration.map(|d| d.as_secs()),
                })),
        )
        .await?;
        // Committed before Discord is called, held by this flow until it is settled: a crash
        // from here on leaves a PENDING case whose hold goes with the connection.
        // A warning has no Discord call, so its case is settled in the same transaction.
        let open_tx = match lease_tx.take() {
            Some(mut tx) => {
                case_leases::hold(&mut tx, case.id).await?;
                tx.commit().await?;
                None
            }
            None => warning_tx,
        };
        drop(lease_tx);

        let is_member = cleared.target.is_some();
        let dm = dm_message(&cleared.guild.name, &case, &violation, plan.action);
        let mut user_notified = false;
        if plan.dm == DmTiming::Before && settings.dm_on_action && is_member {
            user_notified = self.try_dm(req.target_id, &dm).await;
        }

        let audit = audit_reason(case.case_number, req.reason.as_deref());
        if let Effect::DeleteMessage {
            before: Some(before),
            ..
        } = &plan.effect
        {
            (before.0)(case.case_number).await;
        }
        let discord_outcome = match self.perform(req, &plan.effect, &audit).await {
            Ok(()) => Ok(()),
            Err(CallFailure::Refused(error)) => Err(error),
            Err(CallFailure::NoAnswer(error)) => {
                drop(open_tx);
                let lease = lease.expect("a Discord call holds its case");
                return self
                    .leave_pending(req, &plan, case, lease, user_notified, &error, &violation)
                    .await;
            }
        };

        let mut tx = match open_tx {
            Some(tx) => tx,
            None => {
                let lease = lease.as_mut().expect("a Discord call holds its case");
                lease.begin().await?
            }
        };
        let mut points = None;
        let settled = match &discord_outcome {
            Ok(()) => {
                let settled =
                    cases::settle(&mut tx, case.id, CaseState::Applied, None, user_notified)
                        .await?;
                points = self
                    .record_aftermath(&mut tx, req, &plan, &settled, &settings)
                    .await?;
                ModEventLogger::log(
                    &mut *tx,
                    &event(req.guild_id, kinds::CASE_APPLIED, req.moderator_id)
                        .target(req.target_id)
                        .case(case.id)
                        .violation(&violation.key)
                        .details(req.reason.as_deref())
                        .data(serde_json::json!({
                            "action": plan.action.as_str(),
                            "case_number": case.case_number,
                            "strike_points": violation.points,
                        })),
                )
                .await?;
                settled
            }
            Err(failure) => {
                let message = failure.moderator_message();
                let settled = cases::settle(
                    &mut tx,
                    case.id,
                    CaseState::Failed,
                    Some(&message),
                    user_notified,
                )
                .await?;
                ModEventLogger::log(
                    &mut *tx,
                    &discord_error_event(
                        kinds::CASE_FAILED,
                        req,
                        &plan,
                        &case,
                        &violation,
                        failure,
                    ),
                )
                .await?;
                settled
            }
        };
        tx.commit().await?;
        if let Some(lease) = lease {
            release(lease, case.id).await;
        }

        let mut settled = settled;
        if discord_outcome.is_ok()
            && plan.dm == DmTiming::After
            && settings.dm_on_action
            && is_member
        {
            user_notified = self.try_dm(req.target_id, &dm).await;
            if user_notified {
                cases::set_user_notified(&self.pool, case.id, true).await?;
                settled.user_notified = true;
            }
        }

        let post = OutgoingMessage::embed(mod_log::case_embed(&settled));
        self.settings.mod_log().post(req.guild_id, &post).await;

        let summary = summarize(plan.action, plan.duration, req.target_id);
        let result = match discord_outcome {
            Ok(()) => ModActionResult {
                success: true,
                pending: false,
                case_number: Some(settled.case_number),
                error: None,
                user_notified,
                standing: None,
                escalation: None,
                summary,
            },
            Err(_) => ModActionResult {
                success: false,
                pending: false,
                case_number: Some(settled.case_number),
                error: settled.failure.clone(),
                user_notified,
                standing: None,
                escalation: None,
                summary,
            },
        };
        Ok(Outcome {
            result,
            case: Some(settled),
            points,
        })
    }

    /// Discord did not answer, so the action may or may not have taken effect: the case stays
    /// PENDING (with whether the user was told) for reconciliation to settle from Discord's
    /// state, and the moderator is told so. Nothing is posted to the mod log until then.
    #[allow(clippy::too_many_arguments)]
    async fn leave_pending(
        &self,
        req: &ActionRequest,
        plan: &ActionPlan,
        case: Case,
        mut lease: CaseLease,
        user_notified: bool,
        error: &DiscordError,
        violation: &Violation,
    ) -> GavelResult<Outcome> {
        tracing::warn!(%error, "Discord did not answer; the case stays pending for reconciliation");
        let mut tx = lease.begin().await?;
        if user_notified {
            cases::set_user_notified(&mut *tx, case.id, true).await?;
        }
        ModEventLogger::log(
            &mut *tx,
            &discord_error_event(kinds::CASE_UNCONFIRMED, req, plan, &case, violation, error),
        )
        .await?;
        tx.commit().await?;
        release(lease, case.id).await;
        let case = Case {
            user_notified,
            ..case
        };
        Ok(Outcome {
            result: ModActionResult {
                success: false,
                pending: true,
                case_number: Some(case.case_number),
                error: Some(format!(
                    "Discord did not answer, so it is not yet known whether this took effect; Gavel will check Discord and record the outcome in case #{}.",
                    case.case_number
                )),
                user_notified,
                standing: None,
                escalation: None,
                summary: summarize(plan.action, plan.duration, req.target_id),
            },
            case: Some(case),
            // Strikes are written when reconciliation settles the case from Discord's state.
            points: None,
        })
    }

    /// An action on many things at once whose outcome is a count, not yes or no (a purge):
    /// the caller has already refused what it must (permissions, bad input); this opens the
    /// case PENDING with `req.data` and commits, runs `perform` with the audit reason
    /// `[#n] reason`, and settles the case APPLIED when anything was done (or there was nothing
    /// to do) and FAILED when all of it failed, with the counts merged into the case's data, an
    /// event and the mod-log post. No strikes, no DM.
    pub async fn run_counted<F, Fut>(
        &self,
        req: &ActionRequest,
        action: ModAction,
        perform: F,
    ) -> GavelResult<(Case, Counted)>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Counted>,
    {
        if let Some(reason) = &req.reason {
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(GavelError::invalid(format!(
                    "The reason is {} characters long; keep it to {MAX_REASON_CHARS}.",
                    reason.chars().count()
                )));
            }
        }
        let mut tx = self.pool.begin().await?;
        let case = cases::insert(
            &mut tx,
            &NewCase {
                guild_id: req.guild_id,
                action,
                state: CaseState::Pending,
                moderator_id: req.moderator_id,
                target_id: req.target_id,
                reason: req.reason.as_deref(),
                violation_type: UNSPECIFIED,
                violation_details: req.violation_details.as_deref(),
                strike_points: 0,
                duration_secs: None,
                expires_at: None,
                source: req.source,
            },
        )
        .await?;
        let data = req.data.clone().unwrap_or_else(|| serde_json::json!({}));
        let case = cases::set_data(&mut *tx, case.id, &data).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(req.guild_id, kinds::CASE_OPENED, req.moderator_id)
                .target(req.target_id)
                .case(case.id)
                .details(req.reason.as_deref())
                .data(serde_json::json!({
                    "action": action.as_str(),
                    "case_number": case.case_number,
                    "source": req.source,
                    "data": data,
                })),
        )
        .await?;
        tx.commit().await?;

        let counted = perform(audit_reason(case.case_number, req.reason.as_deref())).await;

        let mut data = data;
        if let Some(map) = data.as_object_mut() {
            map.insert("done".into(), counted.done.into());
            map.insert("failed".into(), counted.failed.into());
        }
        let failed = counted.done == 0 && counted.failed > 0;
        let failure = failed.then(|| {
            counted
                .failure
                .as_ref()
                .map(DiscordError::moderator_message)
                .unwrap_or_else(|| "Nothing could be done.".into())
        });
        let mut tx = self.pool.begin().await?;
        cases::set_data(&mut *tx, case.id, &data).await?;
        let state = if failed {
            CaseState::Failed
        } else {
            CaseState::Applied
        };
        let settled = cases::settle(&mut tx, case.id, state, failure.as_deref(), false).await?;
        let kind = if failed {
            kinds::CASE_FAILED
        } else {
            kinds::CASE_APPLIED
        };
        ModEventLogger::log(
            &mut *tx,
            &event(req.guild_id, kind, req.moderator_id)
                .target(req.target_id)
                .case(case.id)
                .details(req.reason.as_deref())
                .data(serde_json::json!({
                    "action": action.as_str(),
                    "case_number": case.case_number,
                    "data": data,
                    "discord_status": counted.failure.as_ref().map(|f| f.status),
                    "discord_code": counted.failure.as_ref().and_then(|f| f.code),
                })),
        )
        .await?;
        tx.commit().await?;

        let post = OutgoingMessage::embed(mod_log::case_embed(&settled));
        self.settings.mod_log().post(req.guild_id, &post).await;
        Ok((settled, counted))
    }

    /// Makes the action's Discord calls. A call Discord did not answer is told apart from a
    /// refusal: it may have taken effect.
    async fn perform(
        &self,
        req: &ActionRequest,
        effect: &Effect,
        audit: &str,
    ) -> Result<(), CallFailure> {
        let (guild, target) = (req.guild_id, req.target_id);
        let port = self.port.as_ref();
        let result = match effect {
            Effect::None => Ok(()),
            Effect::Ban {
                delete_message_seconds,
            } => {
                port.ban(guild, target, *delete_message_seconds, audit)
                    .await
            }
            Effect::Softban {
                delete_message_seconds,
            } => {
                let banned = port
                    .ban(guild, target, *delete_message_seconds, audit)
                    .await;
                if let Err(e) = &banned {
                    if !outcome_unknown(e) {
                        return Err(CallFailure::Refused(e.clone()));
                    }
                }
                // The ban went through, or may have (no answer): lift it either way.
                return match (port.unban(guild, target, audit).await, banned) {
                    (Ok(()), _) => Ok(()),
                    // No answer to the ban, and no ban to lift: it never took effect.
                    (Err(e), Err(unanswered)) if e.is(codes::UNKNOWN_BAN) => {
                        Err(CallFailure::Refused(unanswered))
                    }
                    (Err(e), _) if outcome_unknown(&e) => Err(CallFailure::NoAnswer(e)),
                    (Err(e), _) => Err(CallFailure::Refused(DiscordError {
                        message: format!(
                            "they were banned, but lifting the ban failed ({}); they remain banned. Use /mod unban.",
                            e.moderator_message()
                        ),
                        code: None,
                        ..e
                    })),
                };
            }
            Effect::Unban => port.unban(guild, target, audit).await,
            Effect::DeleteMessage {
                channel_id,
                message_id,
                ..
            } => port.delete_message(*channel_id, *message_id, audit).await,
            Effect::Kick => port.kick(guild, target, audit).await,
            Effect::Timeout { until } => port.set_timeout(guild, target, *until, audit).await,
            Effect::ClearTimeout => port.clear_timeout(guild, target, audit).await,
            Effect::AddMuteRole { role_id, .. } => {
                port.add_role(guild, target, *role_id, audit).await
            }
            Effect::RemoveMuteRoles { mutes } => {
                for mute in mutes {
                    match port.remove_role(guild, target, mute.role_id, audit).await {
                        Ok(()) => {}
                        // The member left or the role is gone: the mute is over either way.
                        Err(e) if e.is(codes::UNKNOWN_MEMBER) || e.is(codes::UNKNOWN_ROLE) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
        };
        result.map_err(CallFailure::from)
    }

    /// The rows that exist because the action took effect, written with the settle. `case` is
    /// the row as the settle locked it. Strikes are added under the target's strike lock, and
    /// the points before and after are returned for escalation, so two actions settling at once
    /// see each other's strikes and cross a threshold once. A case voided while its Discord
    /// call was in flight gets no strikes (and so no escalation); what Discord did (bans, mutes,
    /// timeouts and their expiries) is still recorded.
    async fn record_aftermath(
        &self,
        tx: &mut PgConnection,
        req: &ActionRequest,
        plan: &ActionPlan,
        case: &Case,
        settings: &GuildSettings,
    ) -> GavelResult<Option<PointsChange>> {
        let points = if case.status == CaseStatus::Void {
            None
        } else if case.strike_points > 0 || plan.action == ModAction::Warn {
            strikes::lock_user(tx, req.guild_id, req.target_id).await?;
            let before = strikes::active_points(&mut *tx, req.guild_id, req.target_id).await?;
            if case.strike_points > 0 {
                strikes::insert(
                    tx,
                    req.guild_id,
                    req.target_id,
                    case.id,
                    case.strike_points,
                    &case.violation_type,
                    settings.strike_expiry_days,
                )
                .await?;
            }
            let before = u32::try_from(before).unwrap_or(u32::MAX);
            Some(PointsChange {
                before,
                after: before.saturating_add(case.strike_points.unsigned_abs()),
            })
        } else {
            None
        };
        match (&plan.effect, plan.action) {
            (Effect::Ban { .. }, ModAction::Tempban) => {
                let expires_at = case.expires_at.expect("a tempban has a duration");
                end_tempban(
                    tx,
                    req,
                    &format!("replaced by tempban #{}", case.case_number),
                )
                .await?;
                let tempban = NewTempban {
                    guild_id: req.guild_id,
                    user_id: req.target_id,
                    case_id: case.id,
                    expires_at,
                };
                schedule::start_tempban(tx, &tempban).await?;
            }
            (Effect::Ban { .. }, _) => {
                end_tempban(
                    tx,
                    req,
                    &format!("replaced by permanent ban #{}", case.case_number),
                )
                .await?;
            }
            (Effect::Unban, _) => {
                end_tempban(tx, req, &format!("unbanned in case #{}", case.case_number)).await?;
            }
            (Effect::Timeout { until }, _) => {
                schedule::end_timeout_renewal(
                    tx,
                    req.guild_id,
                    req.target_id,
                    &format!("replaced by timeout #{}", case.case_number),
                )
                .await?;
                // Only a timeout longer than Discord holds is applied in steps and renewed.
                let beyond_cap = case
                    .duration_secs
                    .is_some_and(|secs| secs as u64 > DISCORD_TIMEOUT_CAP.as_secs());
                if let Some(ends_at) = case.expires_at.filter(|end| beyond_cap && *end > *until) {
                    let renewal = NewTimeoutRenewal {
                        case_id: case.id,
                        guild_id: req.guild_id,
                        user_id: req.target_id,
                        ends_at,
                        applied_until: *until,
                    };
                    schedule::start_timeout_renewal(tx, &renewal).await?;
                }
            }
            (Effect::ClearTimeout, _) => {
                schedule::end_timeout_renewal(
                    tx,
                    req.guild_id,
                    req.target_id,
                    &format!("lifted in case #{}", case.case_number),
                )
                .await?;
            }
            (Effect::AddMuteRole { role_id, mute_type }, _) => {
                schedule::start_mute(
                    tx,
                    &NewMute {
                        guild_id: req.guild_id,
                        user_id: req.target_id,
                        mute_type: *mute_type,
                        role_id: *role_id,
                        case_id: case.id,
                        expires_at: case.expires_at,
                        actor_id: req.moderator_id,
                    },
                )
                .await?;
            }
            (Effect::RemoveMuteRoles { mutes: ended }, _) => {
                for mute in ended {
                    schedule::end_mute(
                        tx,
                        mute.id,
                        req.moderator_id,
                        &format!("unmuted in case #{}", case.case_number),
                    )
                    .await?;
                }
            }
            _ => {}
        }
        Ok(points)
    }

    async fn try_dm(&self, user_id: u64, message: &OutgoingMessage) -> bool {
        match self.port.dm(user_id, message).await {
            Ok(()) => true,
            Err(error) => {
                tracing::info!(user_id, %error, "could not DM the user");
                false
            }
        }
    }
}

/// Why an action's Discord call did not go through.
enum CallFailure {
    /// Discord answered no (a 4xx, or 429): nothing was done.
    Refused(DiscordError),
    /// Discord did not answer (a 5xx, a network error, a timeout): it may have taken effect.
    NoAnswer(DiscordError),
}

impl From<DiscordError> for CallFailure {
    fn from(error: DiscordError) -> Self {
        if outcome_unknown(&error) {
            CallFailure::NoAnswer(error)
        } else {
            CallFailure::Refused(error)
        }
    }
}

fn outcome_unknown(error: &DiscordError) -> bool {
    error.status == 0 || error.status >= 500
}

/// Lets go of a settled (or pending-for-reconciliation) case. A failure only costs the
/// connection: the lease closes it, which drops the hold too.
async fn release(lease: CaseLease, case_id: i64) {
    if let Err(error) = lease.release(case_id).await {
        tracing::warn!(%error, "could not release a case lease; its connection is closed instead");
    }
}

/// Ends the target's running tempban, if any, and cancels its expiry job.
async fn end_tempban(tx: &mut PgConnection, req: &ActionRequest, why: &str) -> GavelResult<()> {
    schedule::end_tempban(tx, req.guild_id, req.target_id, req.moderator_id, why).await?;
    Ok(())
}

/// What a counted action ([`CaseFlow::run_counted`]) did.
#[derive(Debug, Clone, Default)]
pub struct Counted {
    pub done: usize,
    pub failed: usize,
    /// The first refusal Discord gave, for the case's failure text.
    pub failure: Option<DiscordError>,
}

/// What the user is told: the action, the rule, the reason and the case number.
fn dm_message(
    guild_name: &str,
    case: &Case,
    violation: &Violation,
    action: ModAction,
) -> OutgoingMessage {
    let headline = match action {
        ModAction::Warn => format!("You received a warning in **{guild_name}**."),
        ModAction::DeleteMessage => {
            format!("A message of yours was removed in **{guild_name}**.")
        }
        other => format!("You were {} in **{guild_name}**.", other.past_tense()),
    };
    let mut embed = crate::domain::Embed {
        title: Some(format!("Case #{}", case.case_number)),
        description: Some(headline),
        color: Some(mod_log::action_colour(action)),
        ..Default::default()
    };
    if let Some(message) = &violation.message {
        embed = embed.field("Rule", message, false);
    }
    embed = embed.field(
        "Reason",
        case.reason.as_deref().unwrap_or("No reason given"),
        false,
    );
    if let Some(secs) = case.duration_secs {
        embed = embed.field(
            "Duration",
            format_duration(Duration::from_secs(secs as u64)),
            true,
        );
    }
    OutgoingMessage::embed(embed)
}

fn resolve_violation(
    settings: &GuildSettings,
    req: &ActionRequest,
    action: ModAction,
) -> GavelResult<Violation> {
    let Some(input) = &req.violation else {
        if req.strike_points.is_some() {
            return Err(GavelError::invalid(
                "Strike points come from a violation type; pick one to give points.",
            ));
        }
        return Ok(Violation {
            key: UNSPECIFIED.into(),
            points: 0,
            message: None,
        });
    };
    let taxonomy = taxonomy_for(settings);
    let kind = taxonomy.resolve(input).map_err(GavelError::Invalid)?;
    let points = if action.carries_strikes() && req.adds_strikes {
        kind.strikes
            .resolve(req.strike_points)
            .map_err(|e| GavelError::invalid(format!("For {}, {e}.", kind.label)))?
    } else {
        0
    };
    Ok(Violation {
        key: kind.key.clone(),
        points: i32::from(points),
        message: Some(kind.message.clone()),
    })
}

fn summarize(action: ModAction, duration: Option<Duration>, target_id: u64) -> String {
    let mut text = format!("<@{target_id}> {}", action.past_tense());
    if let Some(d) = duration {
        text.push_str(&format!(" for {}", format_duration(d)));
    }
    text
}

/// The event for a case whose Discord call was refused or got no answer, with Discord's words.
fn discord_error_event(
    kind: &'static str,
    req: &ActionRequest,
    plan: &ActionPlan,
    case: &Case,
    violation: &Violation,
    error: &DiscordError,
) -> NewEvent {
    event(req.guild_id, kind, req.moderator_id)
        .target(req.target_id)
        .case(case.id)
        .violation(&violation.key)
        .details(req.reason.as_deref())
        .data(serde_json::json!({
            "action": plan.action.as_str(),
            "case_number": case.case_number,
            "discord_status": error.status,
            "discord_code": error.code,
            "discord_message": error.message,
        }))
}
