//! ModerationService: ban, unban, softban, tempban, kick, warn, timeout.

use super::case_flow::{ActionPlan, ActionRequest, CaseFlow, DmTiming, Effect, Outcome};
use super::warnings::WarningService;
use crate::domain::duration::MAX_DURATION;
use crate::domain::timeout::{DISCORD_TIMEOUT_CAP, TIMEOUT_STEP};
use crate::domain::{EscalationStep, ModAction, ModActionResult};
use crate::error::{GavelError, GavelResult};
use chrono::Utc;
use std::time::Duration;

/// The longest timeout Gavel takes: Discord caps one at 28 days, so longer ones are applied
/// 27 days at a time and renewed by the scheduler (`store::schedule::start_timeout_renewal`).
pub const MAX_TIMEOUT: Duration = MAX_DURATION;
const MAX_DELETE_MESSAGE_DAYS: u8 = 7;
const SOFTBAN_DEFAULT_DELETE_DAYS: u8 = 1;

#[derive(Clone)]
pub struct ModerationService {
    flow: CaseFlow,
    warnings: WarningService,
}

fn delete_seconds(days: Option<u8>, default_days: u8) -> GavelResult<u32> {
    let days = days.unwrap_or(default_days);
    if days > MAX_DELETE_MESSAGE_DAYS {
        return Err(GavelError::invalid(format!(
            "Discord can delete at most {MAX_DELETE_MESSAGE_DAYS} days of messages, not {days}."
        )));
    }
    Ok(u32::from(days) * 86_400)
}

impl ModerationService {
    pub fn new(flow: CaseFlow, warnings: WarningService) -> Self {
        ModerationService { flow, warnings }
    }

    /// A ban; with a duration it is a tempban that the scheduler lifts.
    pub async fn ban(
        &self,
        req: ActionRequest,
        duration: Option<Duration>,
        delete_message_days: Option<u8>,
    ) -> GavelResult<ModActionResult> {
        let delete_message_seconds = delete_seconds(delete_message_days, 0)?;
        let action = if duration.is_some() {
            ModAction::Tempban
        } else {
            ModAction::Ban
        };
        self.run(
            &req,
            ActionPlan {
                action,
                duration,
                target_must_be_member: false,
                dm: DmTiming::Before,
                effect: Effect::Ban {
                    delete_message_seconds,
                },
            },
        )
        .await
    }

    pub async fn tempban(
        &self,
        req: ActionRequest,
        duration: Duration,
        delete_message_days: Option<u8>,
    ) -> GavelResult<ModActionResult> {
        self.ban(req, Some(duration), delete_message_days).await
    }

    pub async fn unban(&self, req: ActionRequest) -> GavelResult<ModActionResult> {
        self.run(
            &req,
            ActionPlan {
                action: ModAction::Unban,
                duration: None,
                target_must_be_member: false,
                dm: DmTiming::Never,
                effect: Effect::Unban,
            },
        )
        .await
    }

    /// Ban and immediately unban: removes the member and their recent messages.
    pub async fn softban(
        &self,
        req: ActionRequest,
        delete_message_days: Option<u8>,
    ) -> GavelResult<ModActionResult> {
        let delete_message_seconds =
            delete_seconds(delete_message_days, SOFTBAN_DEFAULT_DELETE_DAYS)?;
        self.run(
            &req,
            ActionPlan {
                action: ModAction::Softban,
                duration: None,
                target_must_be_member: true,
                dm: DmTiming::Before,
                effect: Effect::Softban {
                    delete_message_seconds,
                },
            },
        )
        .await
    }

    pub async fn kick(&self, req: ActionRequest) -> GavelResult<ModActionResult> {
        self.run(
            &req,
            ActionPlan {
                action: ModAction::Kick,
                duration: None,
                target_must_be_member: true,
                dm: DmTiming::Before,
                effect: Effect::Kick,
            },
        )
        .await
    }

    pub async fn timeout(
        &self,
        req: ActionRequest,
        duration: Duration,
    ) -> GavelResult<ModActionResult> {
        if duration > MAX_TIMEOUT {
            return Err(GavelError::invalid(
                "A timeout can last at most 5 years; use a ban for longer.",
            ));
        }
        let applied = if duration > DISCORD_TIMEOUT_CAP {
            TIMEOUT_STEP
        } else {
            duration
        };
        let until = Utc::now() + chrono::Duration::seconds(applied.as_secs() as i64);
        self.run(
            &req,
            ActionPlan {
                action: ModAction::Timeout,
                duration: Some(duration),
                target_must_be_member: true,
                dm: DmTiming::After,
                effect: Effect::Timeout { until },
            },
        )
        .await
    }

    /// A warning: strike points from its violation type, the user's standing afterwards, and
    /// the escalation it triggers when it crosses a threshold.
    pub async fn warn(&self, req: ActionRequest) -> GavelResult<ModActionResult> {
        let before = self
            .warnings
            .active_points(req.guild_id, req.target_id)
            .await?;
        let Outcome { mut result, case } = self
            .flow
            .run(
                &req,
                ActionPlan {
                    action: ModAction::Warn,
                    duration: None,
                    target_must_be_member: true,
                    dm: DmTiming::After,
                    effect: Effect::None,
                },
            )
            .await?;
        let Some(case) = case.filter(|_| result.success) else {
            return Ok(result);
        };
        let after = self
            .warnings
            .active_points(req.guild_id, req.target_id)
            .await?;
        result.standing = Some(self.warnings.standing(req.guild_id, req.target_id).await?);
        if let Some(step) = self
            .warnings
            .should_escalate(req.guild_id, before, after)
            .await?
        {
            let escalation = self.escalate(&req, &step, after, case.case_number).await?;
            result.escalation = Some(Box::new(escalation));
        }
        Ok(result)
    }

    async fn escalate(
        &self,
        warning: &ActionRequest,
        step: &EscalationStep,
        points: u32,
        warning_case: i32,
    ) -> GavelResult<ModActionResult> {
        let mut req = ActionRequest::new(warning.guild_id, warning.moderator_id, warning.target_id)
            .reason(Some(format!(
                "Escalation: {points} active strike points reached the {}-point threshold (warning #{warning_case})",
                step.points
            )))
            .violation(warning.violation.clone())
            .source("escalation");
        req.adds_strikes = false;
        match step.action {
            ModAction::Timeout => {
                let duration = step.duration().unwrap_or(Duration::from_secs(3_600));
                self.timeout(req, duration.min(MAX_TIMEOUT)).await
            }
            ModAction::Tempban => self.ban(req, step.duration(), None).await,
            ModAction::Ban => self.ban(req, None, None).await,
            ModAction::Kick => self.kick(req).await,
            other => Err(GavelError::invalid(format!(
                "The escalation setting names {}, which Gavel cannot apply automatically; change it with /mod config set escalation.",
                other.as_str().to_lowercase()
            ))),
        }
    }

    async fn run(&self, req: &ActionRequest, plan: ActionPlan) -> GavelResult<ModActionResult> {
        Ok(self.flow.run(req, plan).await?.result)
    }
}
