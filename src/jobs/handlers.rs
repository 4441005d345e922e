//! One handler per job. Each expiry handler locks its row (`FOR UPDATE`), re-checks that it
//! is still active, due and still this job's, acts through the Discord port and records the
//! outcome before committing, so two workers can never both act on one row.

use super::{maintenance, queue, reconcile, schedule, Job, JobContext};
use crate::domain::{audit_reason, Embed, OutgoingMessage};
use crate::error::GavelResult;
use crate::ports::discord::{codes, DiscordError};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::{mutes, tempbans, timeout_renewals};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::time::Duration;

/// How long to wait before trying again after Discord refused for good (missing
/// permissions): a moderator may fix it meanwhile.
const AFTER_REFUSAL: Duration = Duration::from_secs(3600);
/// Longest wait between retries after transient errors.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// When a member with a long timeout is not in the server, look again this much later.
const ABSENT_MEMBER_RECHECK: Duration = Duration::from_secs(6 * 3600);

const GREEN: u32 = 0x2E_CC_71;
const GREY: u32 = 0x95_A5_A6;

/// Runs one job. Errors are database errors (apalis retries the job); Discord's errors are
/// handled here.
pub async fn run(ctx: &JobContext, job: Job, job_id: &str) -> GavelResult<()> {
    match job {
        Job::EndTempban { tempban_id, retry } => end_tempban(ctx, tempban_id, job_id, retry).await,
        Job::EndMute { mute_id, retry } => end_mute(ctx, mute_id, job_id, retry).await,
        Job::RenewTimeout { case_id, retry } => renew_timeout(ctx, case_id, job_id, retry).await,
        Job::Reconcile => reconcile::run(ctx).await.map(|_| ()),
        Job::DecayStrikes => maintenance::decay_strikes(ctx).await.map(|_| ()),
        Job::Retention => maintenance::retention(ctx).await.map(|_| ()),
    }
}

/// 1 s, 2 s, 4 s … up to five minutes.
pub fn backoff(retry: u32) -> Duration {
    Duration::from_secs(1u64 << retry.min(16)).min(MAX_BACKOFF)
}

fn later(wait: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

async fn end_tempban(
    ctx: &JobContext,
    tempban_id: i64,
    job_id: &str,
    retry: u32,
) -> GavelResult<()> {
    let mut tx = ctx.pool.begin().await?;
    let Some(row) = tempbans::lock(&mut tx, tempban_id).await? else {
        return Ok(());
    };
    let tempban = &row.tempban;
    if !tempban.active || tempban.job_id.as_deref() != Some(job_id) {
        tracing::debug!(
            tempban_id,
            job_id,
            "tempban ended or rescheduled; nothing to do"
        );
        return Ok(());
    }
    if tempban.expires_at > Utc::now() {
        // Not due (never expected: apalis takes jobs only after run_at). Put it back.
        schedule::tempban_expiry(&mut tx, tempban).await?;
        tx.commit().await?;
        return Ok(());
    }
    let bot = ctx.bot_user_id();
    let audit = audit_reason(row.case_number, Some("tempban expired"));
    ctx.pacer.wait().await;
    let outcome = match ctx
        .port
        .unban(tempban.guild_id, tempban.user_id, &audit)
        .await
    {
        Err(e) if e.is(codes::UNKNOWN_BAN) => Ok(()),
        other => other,
    };
    match outcome {
        Ok(()) => {
            tempbans::end(&mut tx, tempban.id, bot, "expired").await?;
            close_case(&mut tx, tempban.case_id, bot).await?;
            ModEventLogger::log(
                &mut *tx,
                &event(tempban.guild_id, kinds::TEMPBAN_EXPIRED, bot)
                    .target(tempban.user_id)
                    .case(tempban.case_id)
                    .violation(&row.violation_type)
                    .details(Some("tempban expired; ban lifted"))
                    .data(serde_json::json!({
                        "case_number": row.case_number,
                        "expires_at": tempban.expires_at,
                        "late_ms": (Utc::now() - tempban.expires_at).num_milliseconds(),
                    })),
            )
            .await?;
            tx.commit().await?;
            let embed = Embed {
                title: Some(format!("Tempban ended · case #{}", row.case_number)),
                description: Some(format!(
                    "<@{}>'s tempban ran out; Gavel lifted the ban.",
                    tempban.user_id
                )),
                color: Some(GREEN),
                footer: Some("source: scheduler".into()),
                timestamp: Some(Utc::now()),
                ..Default::default()
            };
            post_to_mod_log(ctx, tempban.guild_id, embed).await;
        }
        Err(error) => {
            let job = |retry| Job::EndTempban { tempban_id, retry };
            let failure = handle_failure(&mut tx, &error, retry, job).await?;
            tempbans::set_job(&mut tx, tempban.id, Some(&failure.next_job)).await?;
            let first = match &failure.refusal {
                Some(message) => {
                    tempbans::record_expiry_failure(&mut tx, tempban.id, message).await?
                }
                None => false,
            };
            tx.commit().await?;
            if first {
                let text = format!(
                    "Gavel could not lift <@{}>'s tempban (case #{}): {} Gavel will try again every hour; you can also use /mod unban.",
                    tempban.user_id,
                    row.case_number,
                    error.moderator_message()
                );
                post_failure(ctx, tempban.guild_id, "Tempban could not end", text).await;
            }
        }
    }
    Ok(())
}

async fn end_mute(ctx: &JobContext, mute_id: i64, job_id: &str, retry: u32) -> GavelResult<()> {
    let mut tx = ctx.pool.begin().await?;
    let Some(row) = mutes::lock(&mut tx, mute_id).await? else {
        return Ok(());
    };
    let mute = &row.mute;
    if !mute.active || mute.job_id.as_deref() != Some(job_id) {
        tracing::debug!(mute_id, job_id, "mute ended or rescheduled; nothing to do");
        return Ok(());
    }
    let Some(expires_at) = mute.expires_at else {
        return Ok(());
    };
    if expires_at > Utc::now() {
        schedule::mute_expiry(&mut tx, mute).await?;
        tx.commit().await?;
        return Ok(());
    }
    let bot = ctx.bot_user_id();
    let audit = audit_reason(row.case_number, Some("mute expired"));
    ctx.pacer.wait().await;
    let outcome = match ctx
        .port
        .remove_role(mute.guild_id, mute.user_id, mute.role_id, &audit)
        .await
    {
        // The member left or the role is gone: the mute is over either way.
        Err(e) if e.is(codes::UNKNOWN_MEMBER) || e.is(codes::UNKNOWN_ROLE) => Ok(()),
        other => other,
    };
    match outcome {
        Ok(()) => {
            mutes::end(&mut tx, mute.id, bot, "expired").await?;
            close_case(&mut tx, mute.case_id, bot).await?;
            ModEventLogger::log(
                &mut *tx,
                &event(mute.guild_id, kinds::MUTE_EXPIRED, bot)
                    .target(mute.user_id)
                    .case(mute.case_id)
                    .violation(&row.violation_type)
                    .details(Some("mute expired; role removed"))
                    .data(serde_json::json!({
                        "case_number": row.case_number,
                        "mute_type": mute.mute_type.as_str(),
                        "role_id": mute.role_id.to_string(),
                        "expires_at": expires_at,
                        "late_ms": (Utc::now() - expires_at).num_milliseconds(),
                    })),
            )
            .await?;
            tx.commit().await?;
            let embed = Embed {
                title: Some(format!("Mute ended · case #{}", row.case_number)),
                description: Some(format!(
                    "<@{}>'s {} mute ran out; Gavel removed <@&{}>.",
                    mute.user_id,
                    mute.mute_type.as_str().to_lowercase(),
                    mute.role_id
                )),
                color: Some(GREEN),
                footer: Some("source: scheduler".into()),
                timestamp: Some(Utc::now()),
                ..Default::default()
            };
            post_to_mod_log(ctx, mute.guild_id, embed).await;
        }
        Err(error) => {
            let job = |retry| Job::EndMute { mute_id, retry };
            let failure = handle_failure(&mut tx, &error, retry, job).await?;
            mutes::set_job(&mut tx, mute.id, Some(&failure.next_job)).await?;
            let first = match &failure.refusal {
                Some(message) => mutes::record_expiry_failure(&mut tx, mute.id, message).await?,
                None => false,
            };
            tx.commit().await?;
            if first {
                let text = format!(
                    "Gavel could not remove the mute role from <@{}> (case #{}): {} Gavel will try again every hour; you can also use /mod unmute.",
                    mute.user_id,
                    row.case_number,
                    error.moderator_message()
                );
                post_failure(ctx, mute.guild_id, "Mute could not end", text).await;
            }
        }
    }
    Ok(())
}

async fn renew_timeout(
    ctx: &JobContext,
    case_id: i64,
    job_id: &str,
    retry: u32,
) -> GavelResult<()> {
    let mut tx = ctx.pool.begin().await?;
    let Some(row) = timeout_renewals::lock(&mut tx, case_id).await? else {
        return Ok(());
    };
    let renewal = &row.renewal;
    if !renewal.active || renewal.job_id.as_deref() != Some(job_id) {
        return Ok(());
    }
    let now = Utc::now();
    if now < crate::domain::timeout::renewal_due_at(renewal.applied_until) {
        schedule::timeout_renewal(&mut tx, renewal).await?;
        tx.commit().await?;
        return Ok(());
    }
    let (guild_id, user_id) = (renewal.guild_id, renewal.user_id);
    if renewal.ends_at <= now {
        timeout_renewals::end(&mut tx, case_id, "ended").await?;
        tx.commit().await?;
        return Ok(());
    }
    let job = |retry| Job::RenewTimeout { case_id, retry };
    ctx.pacer.wait().await;
    let member = match ctx.port.member(guild_id, user_id).await {
        Ok(member) => member,
        Err(error) => {
            let failure = handle_failure(&mut tx, &error, retry, job).await?;
            timeout_renewals::set_job(&mut tx, case_id, Some(&failure.next_job)).await?;
            tx.commit().await?;
            return Ok(());
        }
    };
    let Some(member) = member else {
        // Not in the server: nothing to renew now; look again later, until the end.
        let next = queue::push(&mut tx, &job(0), later(ABSENT_MEMBER_RECHECK)).await?;
        timeout_renewals::set_job(&mut tx, case_id, Some(&next)).await?;
        tx.commit().await?;
        return Ok(());
    };
    if member.timed_out_until.is_none_or(|until| until <= now) {
        // Someone lifted the timeout in Discord; renewing would put it back.
        timeout_renewals::end(&mut tx, case_id, "timeout was removed in Discord").await?;
        tx.commit().await?;
        return Ok(());
    }
    let step =
        chrono::Duration::from_std(crate::domain::timeout::TIMEOUT_STEP).expect("27 days fit");
    let new_until = renewal.ends_at.min(now + step);
    let audit = audit_reason(
        row.case_number,
        Some("timeout renewed (Discord allows 28 days at a time)"),
    );
    ctx.pacer.wait().await;
    match ctx
        .port
        .set_timeout(guild_id, user_id, new_until, &audit)
        .await
    {
        Ok(()) => {
            timeout_renewals::record_renewal(&mut tx, case_id, new_until).await?;
            if new_until >= renewal.ends_at {
                timeout_renewals::end(&mut tx, case_id, "applied up to its end").await?;
            } else {
                let next = queue::push(
                    &mut tx,
                    &job(0),
                    crate::domain::timeout::renewal_due_at(new_until),
                )
                .await?;
                timeout_renewals::set_job(&mut tx, case_id, Some(&next)).await?;
            }
            ModEventLogger::log(
                &mut *tx,
                &event(guild_id, kinds::TIMEOUT_RENEWED, ctx.bot_user_id())
                    .target(user_id)
                    .case(case_id)
                    .violation(&row.violation_type)
                    .details(Some("timeout renewed in Discord"))
                    .data(serde_json::json!({
                        "case_number": row.case_number,
                        "applied_until": new_until,
                        "ends_at": renewal.ends_at,
                    })),
            )
            .await?;
            tx.commit().await?;
        }
        Err(error) if error.is(codes::UNKNOWN_MEMBER) => {
            let next = queue::push(&mut tx, &job(0), later(ABSENT_MEMBER_RECHECK)).await?;
            timeout_renewals::set_job(&mut tx, case_id, Some(&next)).await?;
            tx.commit().await?;
        }
        Err(error) => {
            let failure = handle_failure(&mut tx, &error, retry, job).await?;
            timeout_renewals::set_job(&mut tx, case_id, Some(&failure.next_job)).await?;
            let first = match &failure.refusal {
                Some(message) => {
                    timeout_renewals::record_failure(&mut tx, case_id, message).await?
                }
                None => false,
            };
            tx.commit().await?;
            if first {
                let text = format!(
                    "Gavel could not renew <@{user_id}>'s timeout (case #{}): {} It lapses <t:{}:R> unless fixed; Gavel will try again every hour.",
                    row.case_number,
                    error.moderator_message(),
                    renewal.applied_until.timestamp()
                );
                post_failure(ctx, guild_id, "Timeout could not be renewed", text).await;
            }
        }
    }
    Ok(())
}

struct Failure {
    next_job: String,
    /// Discord's permanent refusal in a moderator's words; None for a transient error.
    refusal: Option<String>,
}

/// Schedules the next attempt: soon with a growing delay after a transient error, in an hour
/// after a refusal.
async fn handle_failure(
    tx: &mut PgConnection,
    error: &DiscordError,
    retry: u32,
    job: impl Fn(u32) -> Job,
) -> Result<Failure, sqlx::Error> {
    if error.is_transient() {
        tracing::info!(%error, retry, "Discord error that may pass; retrying");
        let next_job = queue::push(tx, &job(retry + 1), later(backoff(retry))).await?;
        Ok(Failure {
            next_job,
            refusal: None,
        })
    } else {
        tracing::warn!(%error, "Discord refused a scheduled action");
        let next_job = queue::push(tx, &job(0), later(AFTER_REFUSAL)).await?;
        Ok(Failure {
            next_job,
            refusal: Some(error.moderator_message()),
        })
    }
}

/// An ended punishment closes its case (a moderator can still view it, and reopen nothing).
async fn close_case(tx: &mut PgConnection, case_id: i64, bot: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mod_cases SET status = 'CLOSED', closed_at = now(), closed_by = $2,
             updated_at = now()
         WHERE id = $1 AND status = 'OPEN'",
    )
    .bind(case_id)
    .bind(crate::domain::ids::to_db(bot))
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) async fn post_to_mod_log(ctx: &JobContext, guild_id: u64, embed: Embed) {
    let message = OutgoingMessage::embed(embed);
    ctx.settings.mod_log().post(guild_id, &message).await;
}

async fn post_failure(ctx: &JobContext, guild_id: u64, title: &str, text: String) {
    let embed = Embed {
        title: Some(title.to_string()),
        description: Some(text),
        color: Some(GREY),
        footer: Some("source: scheduler".into()),
        timestamp: Some(Utc::now()),
        ..Default::default()
    };
    post_to_mod_log(ctx, guild_id, embed).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), Duration::from_secs(300));
        assert_eq!(backoff(40), Duration::from_secs(300));
    }
}
