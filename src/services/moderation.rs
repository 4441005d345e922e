//! ModerationService: ban, unban, softban, tempban, kick, warn, timeout, and the escalation
//! that any of them (and mutes) sets off when its strikes cross a threshold.

use super::case_flow::{ActionPlan, ActionRequest, CaseFlow, DmTiming, Effect, Outcome};
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::mute_plan;
use super::settings::GuildSettingsService;
use super::warnings::WarningService;
use crate::domain::duration::MAX_DURATION;
use crate::domain::timeout::{DISCORD_TIMEOUT_CAP, TIMEOUT_STEP};
use crate::domain::{EscalationStep, ModAction, ModActionResult, PointsChange};
use crate::error::{GavelError, GavelResult};
use crate::store::cases::Case;
use chrono::Utc;
use std::time::Duration;

/// The longest timeout Gavel takes: Discord caps one at 28 days, so longer ones are applied
/// 27 days at a time and renewed by the scheduler (`store::schedule::start_timeout_renewal`).
pub const MAX_TIMEOUT: Duration = MAX_DURATION;
const MAX_DELETE_MESSAGE_DAYS: u8 = 7;
const SOFTBAN_DEFAULT_DELETE_DAYS: u8 = 1;

/// A user as Discord shows them now, for offering only the reversals that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscordStatus {
    pub member: bool,
    pub timed_out: bool,
    pub banned: bool,
}

#[derive(Clone)]
pub struct ModerationService {
    flow: CaseFlow,
    warnings: WarningService,
    settings: GuildSettingsService,
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

/// A ban; with a duration it is a tempban that the scheduler lifts.
fn ban_plan(
    duration: Option<Duration>,
    delete_message_days: Option<u8>,
) -> GavelResult<ActionPlan> {
    let delete_message_seconds = delete_seconds(delete_message_days, 0)?;
    Ok(ActionPlan {
        action: if duration.is_some() {
            ModAction::Tempban
        } else {
            ModAction::Ban
        },
        duration,
        target_must_be_member: false,
        dm: DmTiming::Before,
        effect: Effect::Ban {
            delete_message_seconds,
        },
    })
}

fn kick_plan() -> ActionPlan {
    ActionPlan {
        action: ModAction::Kick,
        duration: None,
        target_must_be_member: true,
        dm: DmTiming::Before,
        effect: Effect::Kick,
    }
}

fn timeout_plan(duration: Duration) -> GavelResult<ActionPlan> {
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
    Ok(ActionPlan {
        action: ModAction::Timeout,
        duration: Some(duration),
        target_must_be_member: true,
        dm: DmTiming::After,
        effect: Effect::Timeout { until },
    })
}

impl ModerationService {
    pub fn new(flow: CaseFlow, warnings: WarningService, settings: GuildSettingsService) -> Self {
        ModerationService {
            flow,
            warnings,
            settings,
        }
    }

    /// A ban; with a duration it is a tempban that the scheduler lifts.
    pub async fn ban(
        &self,
        req: ActionRequest,
        duration: Option<Duration>,
        delete_message_days: Option<u8>,
    ) -> GavelResult<ModActionResult> {
        self.act(&req, ban_plan(duration, delete_message_days)?)
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
        self.act(
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
        self.act(
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
        self.act(&req, kick_plan()).await
    }

    pub async fn timeout(
        &self,
        req: ActionRequest,
        duration: Duration,
    ) -> GavelResult<ModActionResult> {
        self.act(&req, timeout_plan(duration)?).await
    }

    /// Lifts a member's Discord timeout and stops renewing it if it is a long one. Refused,
    /// with no case, when the member is not timed out.
    pub async fn untimeout(&self, req: ActionRequest) -> GavelResult<ModActionResult> {
        // Someone not in the server is refused by the case flow, which says so.
        if let Some(member) = self.flow.port().member(req.guild_id, req.target_id).await? {
            if member
                .timed_out_until
                .is_none_or(|until| until <= Utc::now())
            {
                return Err(GavelError::invalid(format!(
                    "<@{}> is not timed out.",
                    req.target_id
                )));
            }
        }
        self.act(
            &req,
            ActionPlan {
                action: ModAction::Untimeout,
                duration: None,
                target_must_be_member: true,
                dm: DmTiming::Never,
                effect: Effect::ClearTimeout,
            },
        )
        .await
    }

    /// What Discord shows of the user now: whether they are timed out or banned (a member
    /// cannot be banned, so only a non-member's ban is looked up).
    pub async fn discord_status(&self, guild_id: u64, user_id: u64) -> GavelResult<DiscordStatus> {
        let port = self.flow.port();
        Ok(match port.member(guild_id, user_id).await? {
            Some(member) => DiscordStatus {
                member: true,
                timed_out: member
                    .timed_out_until
                    .is_some_and(|until| until > Utc::now()),
                banned: false,
            },
            None => DiscordStatus {
                member: false,
                timed_out: false,
                banned: port.ban_of(guild_id, user_id).await?.is_some(),
            },
        })
    }

    /// A warning: strike points from its violation type, the user's standing afterwards, and
    /// the escalation it triggers when it crosses a threshold.
    pub async fn warn(&self, req: ActionRequest) -> GavelResult<ModActionResult> {
        self.act(
            &req,
            ActionPlan {
                action: ModAction::Warn,
                duration: None,
                target_must_be_member: true,
                dm: DmTiming::After,
                effect: Effect::None,
            },
        )
        .await
    }

    /// Runs an action through the case flow. When it added strikes (or is a warning) the result
    /// carries the user's standing afterwards; when those strikes crossed an escalation
    /// threshold, the escalation is applied and its outcome, failure included, is reported
    /// inside the result: the action itself stands either way.
    pub(crate) async fn act(
        &self,
        req: &ActionRequest,
        plan: ActionPlan,
    ) -> GavelResult<ModActionResult> {
        let (action, duration) = (plan.action, plan.duration);
        let Outcome {
            mut result,
            case,
            points,
        } = self.flow.run(req, plan).await?;
        let (Some(case), Some(points)) = (case.filter(|_| result.success), points) else {
            return Ok(result);
        };
        result.standing = Some(
            self.warnings
                .standing_at(req.guild_id, points.after)
                .await?,
        );
        let step = self
            .warnings
            .should_escalate(req.guild_id, points.before, points.after)
            .await?
            .filter(|step| step.goes_beyond(action, duration));
        if let Some(step) = step {
            let escalation = self.escalate(req, &step, points, &case).await;
            result.escalation = Some(Box::new(escalation));
        }
        Ok(result)
    }

    /// Applies an escalation step on behalf of the moderator whose action crossed it. Never an
    /// error: a step that cannot be applied comes back as a failed result saying why.
    async fn escalate(
        &self,
        trigger: &ActionRequest,
        step: &EscalationStep,
        points: PointsChange,
        trigger_case: &Case,
    ) -> ModActionResult {
        let what = match trigger_case.action {
            ModAction::Warn => "warning".to_string(),
            other => other.as_str().to_lowercase(),
        };
        let mut req = ActionRequest::new(trigger.guild_id, trigger.moderator_id, trigger.target_id)
            .reason(Some(format!(
                "Escalation: {} active strike points reached the {}-point threshold ({what} #{})",
                points.after, step.points, trigger_case.case_number
            )))
            .violation(trigger.violation.clone())
            .source("escalation");
        // Escalations carry the violation type but add no strikes, so they never escalate.
        req.adds_strikes = false;
        let cannot = |why: &str| {
            format!(
                "The {}-point escalation ({}) could not be applied: {}",
                step.points,
                step.describe(),
                lower_first(why.trim_end_matches('.'))
            ) + "."
        };
        match self.apply_step(&req, step).await {
            Ok(result) if result.success => result,
            Ok(mut result) => {
                let why = result.error.as_deref().unwrap_or("Discord refused it");
                let mut message = cannot(why);
                if let Some(n) = result.case_number {
                    message = format!(
                        "{} (case #{n} records it as failed).",
                        message.trim_end_matches('.')
                    );
                }
                result.error = Some(message);
                result
            }
            Err(error) => {
                let why = match &error {
                    GavelError::Database(_) => {
                        "the database failed while applying it; check the user's history before acting again".to_string()
                    }
                    other => other.user_message(),
                };
                tracing::warn!(
                    guild_id = req.guild_id,
                    target_id = req.target_id,
                    step = %step.describe(),
                    %error,
                    "an escalation could not be applied"
                );
                let message = cannot(&why);
                let logged = ModEventLogger::log(
                    self.flow.pool(),
                    &event(req.guild_id, kinds::ACTION_REFUSED, req.moderator_id)
                        .target(req.target_id)
                        .case(trigger_case.id)
                        .violation(&trigger_case.violation_type)
                        .details(req.reason.as_deref())
                        .data(serde_json::json!({
                            "action": step.action.as_str(),
                            "refusal": message,
                            "source": req.source,
                        })),
                )
                .await;
                if let Err(error) = logged {
                    tracing::warn!(%error, "could not log the failed escalation");
                }
                let mut result = ModActionResult::refused(message);
                result.summary = format!("<@{}> {}", req.target_id, step.describe());
                result
            }
        }
    }

    /// One escalation step, built by the same plans as the moderators' commands and run through
    /// the case flow (escalations add no strikes, so they escalate no further).
    async fn apply_step(
        &self,
        req: &ActionRequest,
        step: &EscalationStep,
    ) -> GavelResult<ModActionResult> {
        let plan = match step.action {
            ModAction::Timeout => {
                let duration = step.duration().unwrap_or(Duration::from_secs(3_600));
                timeout_plan(duration.min(MAX_TIMEOUT))?
            }
            ModAction::Tempban => ban_plan(step.duration(), None)?,
            ModAction::Ban => ban_plan(None, None)?,
            ModAction::Kick => kick_plan(),
            ModAction::Mute => {
                let settings = self.settings.get(req.guild_id).await?;
                let mute_type = mute_plan::escalation_mute_type(&settings).ok_or_else(|| {
                    GavelError::invalid(
                        "No mute role is set; an admin can set one with /mod config set mute_role_both @role (or mute_role_text)",
                    )
                })?;
                mute_plan::mute_plan(
                    self.flow.port(),
                    &settings,
                    req.guild_id,
                    mute_type,
                    step.duration(),
                )
                .await?
            }
            other => {
                return Err(GavelError::invalid(format!(
                    "the escalation setting names {}, which Gavel cannot apply automatically; change it with /mod config set escalation",
                    other.as_str().to_lowercase()
                )))
            }
        };
        Ok(self.flow.run(req, plan).await?.result)
    }
}

/// "No mute role is set" → "no mute role is set", for the middle of a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Leave mentions, commands and acronyms ("<@1>", "/mod", "DM") as they are.
        Some(first)
            if first.is_uppercase() && chars.clone().next().is_some_and(char::is_lowercase) =>
        {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::lower_first;

    #[test]
    fn lower_first_keeps_mentions_and_acronyms() {
        assert_eq!(lower_first("No mute role is set"), "no mute role is set");
        assert_eq!(lower_first("<@1> is not a member"), "<@1> is not a member");
        assert_eq!(lower_first("DM failed"), "DM failed");
        assert_eq!(lower_first(""), "");
    }
}
