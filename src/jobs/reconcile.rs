//! Reconciliation, run at start-up and every minute:
//! - cases left PENDING (the Discord call started, its outcome never recorded: a crash in
//!   between, or Discord did not answer) are settled APPLIED or FAILED from what Discord shows
//!   now. A case whose flow is still running holds its lease (`store::case_leases`) and is
//!   left alone, however long its Discord call takes;
//! - active tempbans, mutes and long timeouts whose job is gone or whose worker died get a
//!   fresh one (never one waiting for its time, nor rows of servers Gavel is not in).

use super::notices::post_to_mod_log;
use super::JobContext;
use crate::domain::{CaseState, CaseStatus, ModAction, MuteType};
use crate::error::GavelResult;
use crate::ports::discord::{codes, DiscordError, MemberSnapshot};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::services::mod_log;
use crate::store::case_leases;
use crate::store::cases::{self, Case};
use crate::store::mutes::{self, Mute, NewMute};
use crate::store::settings::GuildSettings;
use crate::store::tempbans::{NewTempban, Tempban};
use crate::store::timeout_renewals::{NewTimeoutRenewal, TimeoutRenewal};
use crate::store::{schedule, strikes};
use chrono::Utc;
use sqlx::PgConnection;
use std::time::Duration;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    pub cases_settled: usize,
    pub jobs_scheduled: usize,
}

#[tracing::instrument(name = "reconcile", skip_all)]
pub async fn run(ctx: &JobContext) -> GavelResult<ReconcileReport> {
    let cases_settled = settle_pending_cases(ctx, ctx.config.pending_after).await?;
    let jobs_scheduled = schedule_missing(ctx).await?;
    if cases_settled + jobs_scheduled > 0 {
        tracing::info!(cases_settled, jobs_scheduled, "reconciled");
    }
    Ok(ReconcileReport {
        cases_settled,
        jobs_scheduled,
    })
}

/// Settles cases PENDING for longer than `older_than`; returns how many.
pub async fn settle_pending_cases(ctx: &JobContext, older_than: Duration) -> GavelResult<usize> {
    let mut settled = 0;
    for case in cases::pending_older_than(&ctx.pool, older_than.as_secs() as i64).await? {
        if settle_case(ctx, case.id).await? {
            settled += 1;
        }
    }
    Ok(settled)
}

/// What Discord shows about a pending case's action.
struct Observation {
    applied: bool,
    /// What was seen, in words for the event log and the failure.
    seen: String,
    member: Option<MemberSnapshot>,
}

#[tracing::instrument(skip(ctx), fields(guild_id = tracing::field::Empty))]
async fn settle_case(ctx: &JobContext, case_id: i64) -> GavelResult<bool> {
    let mut tx = ctx.pool.begin().await?;
    let Some(case) = cases::lock_pending(&mut tx, case_id).await? else {
        return Ok(false);
    };
    if !case_leases::try_take(&mut tx, case.id).await? {
        tracing::debug!(case_id, "its flow is still running; left to it");
        return Ok(false);
    }
    tracing::Span::current().record("guild_id", case.guild_id);
    let settings = ctx.settings.get(case.guild_id).await?;
    let observation = match observe(ctx, &case, &settings).await {
        Ok(observation) => observation,
        Err(error) => {
            // Try again on the next run; Discord's answer is what decides.
            tracing::warn!(case_id, %error, "could not read Discord's state for a pending case");
            return Ok(false);
        }
    };
    let bot = ctx.bot_user_id();
    let settled = if observation.applied {
        let settled = cases::settle(
            &mut tx,
            case.id,
            CaseState::Applied,
            None,
            case.user_notified,
        )
        .await?;
        record_aftermath(&mut tx, &settled, &settings, &observation, bot).await?;
        settled
    } else {
        let failure = format!(
            "Gavel could not record the outcome when it acted (Discord did not answer, or Gavel stopped); Discord shows {}, so it did not take effect.",
            observation.seen
        );
        cases::settle(
            &mut tx,
            case.id,
            CaseState::Failed,
            Some(&failure),
            case.user_notified,
        )
        .await?
    };
    ModEventLogger::log(
        &mut *tx,
        &event(case.guild_id, kinds::CASE_RECONCILED, bot)
            .target(case.target_id)
            .case(case.id)
            .violation(&case.violation_type)
            .details(Some(&format!("Discord shows {}", observation.seen)))
            .data(serde_json::json!({
                "action": case.action.as_str(),
                "case_number": case.case_number,
                "state": settled.state.as_str(),
            })),
    )
    .await?;
    tx.commit().await?;
    let mut embed = mod_log::case_embed(&settled);
    embed.footer = Some("source: reconciliation (outcome read from Discord)".into());
    post_to_mod_log(ctx, case.guild_id, embed).await;
    Ok(true)
}

async fn observe(
    ctx: &JobContext,
    case: &Case,
    settings: &GuildSettings,
) -> Result<Observation, DiscordError> {
    let (guild, user) = (case.guild_id, case.target_id);
    let port = ctx.port.as_ref();
    let observation = |applied: bool, seen: &str, member: Option<MemberSnapshot>| Observation {
        applied,
        seen: seen.to_string(),
        member,
    };
    Ok(match case.action {
        ModAction::Ban | ModAction::Tempban => match port.ban_of(guild, user).await? {
            Some(_) => observation(true, "the user banned", None),
            None => observation(false, "no ban", None),
        },
        ModAction::Unban => match port.ban_of(guild, user).await? {
            Some(_) => observation(false, "the user still banned", None),
            None => observation(true, "no ban", None),
        },
        ModAction::Kick | ModAction::Softban => match port.member(guild, user).await? {
            Some(member) => observation(false, "the user still in the server", Some(member)),
            None => observation(true, "the user gone from the server", None),
        },
        ModAction::Timeout => match port.member(guild, user).await? {
            Some(member) if member.timed_out_until.is_some_and(|t| t > Utc::now()) => {
                observation(true, "the member timed out", Some(member))
            }
            Some(member) => observation(false, "the member not timed out", Some(member)),
            None => observation(false, "the user not in the server", None),
        },
        ModAction::Mute => match port.member(guild, user).await? {
            Some(member) if mute_role_held(settings, &member).is_some() => {
                observation(true, "the member holding a mute role", Some(member))
            }
            Some(member) => observation(false, "no mute role on the member", Some(member)),
            None => observation(false, "the user not in the server", None),
        },
        ModAction::Unmute => {
            let member = port.member(guild, user).await?;
            let active = mutes::active_for_user(&ctx.pool, guild, user)
                .await
                .map_err(|e| DiscordError {
                    status: 0,
                    code: None,
                    message: e.to_string(),
                })?;
            let still_held = member
                .as_ref()
                .is_some_and(|m| active.iter().any(|mute| m.role_ids.contains(&mute.role_id)));
            if still_held {
                observation(false, "the mute role still on the member", member)
            } else {
                observation(true, "no mute role on the member", member)
            }
        }
        ModAction::Untimeout => match port.member(guild, user).await? {
            Some(member) if member.timed_out_until.is_some_and(|t| t > Utc::now()) => {
                observation(false, "the member still timed out", Some(member))
            }
            Some(member) => observation(true, "no timeout on the member", Some(member)),
            // Gavel could not have lifted it: Discord refuses to edit someone who left.
            None => observation(false, "the user not in the server", None),
        },
        // Warnings settle in the transaction that opens them, so are never left pending.
        ModAction::Warn => observation(true, "nothing to apply for a warning", None),
        // Reports are recorded APPLIED (nothing is done in Discord), so never reconciled.
        ModAction::Report => observation(true, "nothing to apply for a report", None),
        // A purge interrupted part-way deleted some messages; which is not recorded.
        ModAction::Purge => observation(
            true,
            "an interrupted purge (how many messages it deleted is not known)",
            None,
        ),
        ModAction::DeleteMessage => {
            let data = case.data.clone().unwrap_or_default();
            let id = |key: &str| data[key].as_str().and_then(|v| v.parse::<u64>().ok());
            match (id("channel_id"), id("message_id")) {
                (Some(channel), Some(message)) => match port.message(channel, message).await {
                    Ok(_) => observation(false, "the message still there", None),
                    Err(e) if e.is(codes::UNKNOWN_MESSAGE) || e.is(codes::UNKNOWN_CHANNEL) => {
                        observation(true, "the message gone", None)
                    }
                    Err(e) => return Err(e),
                },
                _ => observation(false, "no record of which message it was", None),
            }
        }
    })
}

fn mute_role_held(settings: &GuildSettings, member: &MemberSnapshot) -> Option<(MuteType, u64)> {
    [MuteType::Text, MuteType::Voice, MuteType::Both]
        .into_iter()
        .filter_map(|t| settings.mute_role(t).map(|role| (t, role)))
        .find(|(_, role)| member.role_ids.contains(role))
}

/// The rows an applied action leaves, as the case flow would have written them.
async fn record_aftermath(
    tx: &mut PgConnection,
    case: &Case,
    settings: &GuildSettings,
    observation: &Observation,
    bot: u64,
) -> GavelResult<()> {
    let (guild, user) = (case.guild_id, case.target_id);
    // A case voided while it was pending keeps what Discord did, but adds no strikes.
    if case.strike_points > 0 && case.status != CaseStatus::Void {
        strikes::lock_user(tx, guild, user).await?;
        strikes::insert(
            tx,
            guild,
            user,
            case.id,
            case.strike_points,
            &case.violation_type,
            settings.strike_expiry_days,
        )
        .await?;
    }
    let why = format!("replaced by case #{}", case.case_number);
    match case.action {
        ModAction::Tempban | ModAction::Ban | ModAction::Unban => {
            schedule::end_tempban(tx, guild, user, bot, &why).await?;
            if let (ModAction::Tempban, Some(expires_at)) = (case.action, case.expires_at) {
                let tempban = NewTempban {
                    guild_id: guild,
                    user_id: user,
                    case_id: case.id,
                    expires_at,
                };
                schedule::start_tempban(tx, &tempban).await?;
            }
        }
        ModAction::Timeout => {
            schedule::end_timeout_renewal(tx, guild, user, &why).await?;
            let applied_until = observation.member.as_ref().and_then(|m| m.timed_out_until);
            if let (Some(ends_at), Some(applied_until)) = (case.expires_at, applied_until) {
                if ends_at > applied_until + chrono::Duration::seconds(60) {
                    let renewal = NewTimeoutRenewal {
                        case_id: case.id,
                        guild_id: guild,
                        user_id: user,
                        ends_at,
                        applied_until,
                    };
                    schedule::start_timeout_renewal(tx, &renewal).await?;
                }
            }
        }
        // The timeout is gone, so its renewal (if it was a long one) must not put it back.
        ModAction::Untimeout => {
            schedule::end_timeout_renewal(
                tx,
                guild,
                user,
                &format!("lifted in case #{}", case.case_number),
            )
            .await?;
        }
        ModAction::Mute => {
            if let Some((mute_type, role_id)) = observation
                .member
                .as_ref()
                .and_then(|m| mute_role_held(settings, m))
            {
                schedule::start_mute(
                    tx,
                    &NewMute {
                        guild_id: guild,
                        user_id: user,
                        mute_type,
                        role_id,
                        case_id: case.id,
                        expires_at: case.expires_at,
                        actor_id: case.moderator_id,
                    },
                )
                .await?;
            }
        }
        ModAction::Unmute => {
            let held = observation
                .member
                .as_ref()
                .map(|m| m.role_ids.clone())
                .unwrap_or_default();
            for mute in mutes::active_for_user(&mut *tx, guild, user).await? {
                if !held.contains(&mute.role_id) {
                    schedule::end_mute(
                        tx,
                        mute.id,
                        case.moderator_id,
                        &format!("unmuted in case #{}", case.case_number),
                    )
                    .await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Gives a fresh job to every active row whose job is gone or whose worker died (silent for
/// heartbeat × missed heartbeats). A job waiting for its time, however far off (the hourly
/// retry after a refusal), is left alone; so are rows of servers Gavel is not in (parked).
/// The old job of a dead worker, if apalis re-queues it, finds the row pointing elsewhere.
pub async fn schedule_missing(ctx: &JobContext) -> GavelResult<usize> {
    let dead = ctx.config.heartbeat * ctx.config.missed_heartbeats as u32;
    let dead = dead.as_secs().max(1) as i64;
    let mut tx = ctx.pool.begin().await?;
    let scheduled = schedule::reschedule_missing::<Tempban>(&mut tx, dead).await?
        + schedule::reschedule_missing::<Mute>(&mut tx, dead).await?
        + schedule::reschedule_missing::<TimeoutRenewal>(&mut tx, dead).await?;
    tx.commit().await?;
    Ok(scheduled)
}
