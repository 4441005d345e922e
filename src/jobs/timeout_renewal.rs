//! Timeouts longer than Discord's 28-day cap: renewed a day before the applied part lapses,
//! 27 days at a time, until their end.

use super::scheduled_action::{later, retry_after, Acted, Due, ScheduledAction};
use crate::domain::audit_reason;
use crate::domain::timeout::{renewal_due_at, TIMEOUT_STEP};
use crate::error::GavelResult;
use crate::ports::discord::{codes, DiscordError};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::schedule;
use crate::store::scheduled_row::{self, Locked};
use crate::store::timeout_renewals::{self, TimeoutRenewal};
use chrono::Utc;
use sqlx::PgConnection;
use std::time::Duration;

/// When a member with a long timeout is not in the server, look again this much later.
const ABSENT_MEMBER_RECHECK: Duration = Duration::from_secs(6 * 3600);

pub struct RenewTimeout;

impl ScheduledAction for RenewTimeout {
    type Row = TimeoutRenewal;
    /// Reads the member, then sets the timeout.
    const PACED_CALLS: u32 = 2;

    async fn act(due: Due<'_, TimeoutRenewal>) -> GavelResult<Acted> {
        let (ctx, tx, locked, retry) = (due.ctx, due.tx, due.locked, due.retry);
        let renewal = &locked.row;
        let (case_id, guild_id, user_id) = (renewal.case_id, renewal.guild_id, renewal.user_id);
        let now = Utc::now();
        if renewal.ends_at <= now {
            end(tx, case_id, "ended").await?;
            return Ok(Acted::Recorded(None));
        }
        let member = match ctx.port.member(guild_id, user_id).await {
            Ok(member) => member,
            // Gavel is not in the server: the handler parks its rows.
            Err(error) if error.is_not_in_guild() => return Ok(Acted::Failed(error)),
            Err(error) => {
                // Nothing was attempted, so there is no refusal to record.
                retry_after::<TimeoutRenewal>(tx, &error, retry, case_id).await?;
                return Ok(Acted::Recorded(None));
            }
        };
        let Some(member) = member else {
            // Not in the server: nothing to renew now; look again later, until the end.
            recheck_absent_member(tx, case_id).await?;
            return Ok(Acted::Recorded(None));
        };
        if member.timed_out_until.is_none_or(|until| until <= now) {
            // Someone lifted the timeout in Discord; renewing would put it back.
            end(tx, case_id, "timeout was removed in Discord").await?;
            return Ok(Acted::Recorded(None));
        }
        let step = chrono::Duration::from_std(TIMEOUT_STEP).expect("27 days fit");
        let new_until = renewal.ends_at.min(now + step);
        let audit = audit_reason(
            locked.case_number,
            Some("timeout renewed (Discord allows 28 days at a time)"),
        );
        match ctx
            .port
            .set_timeout(guild_id, user_id, new_until, &audit)
            .await
        {
            Ok(()) => {}
            Err(error) if error.is(codes::UNKNOWN_MEMBER) => {
                recheck_absent_member(tx, case_id).await?;
                return Ok(Acted::Recorded(None));
            }
            Err(error) => return Ok(Acted::Failed(error)),
        }
        timeout_renewals::record_renewal(tx, case_id, new_until).await?;
        if new_until >= renewal.ends_at {
            end(tx, case_id, "applied up to its end").await?;
        } else {
            schedule::job::<TimeoutRenewal>(tx, case_id, 0, renewal_due_at(new_until)).await?;
        }
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::TIMEOUT_RENEWED, ctx.bot_user_id())
                .target(user_id)
                .case(case_id)
                .violation(&locked.violation_type)
                .details(Some("timeout renewed in Discord"))
                .data(serde_json::json!({
                    "case_number": locked.case_number,
                    "applied_until": new_until,
                    "ends_at": renewal.ends_at,
                })),
        )
        .await?;
        Ok(Acted::Recorded(None))
    }

    fn refusal_notice(locked: &Locked<TimeoutRenewal>, error: &DiscordError) -> (String, String) {
        let text = format!(
            "Gavel could not renew <@{}>'s timeout (case #{}): {} It lapses <t:{}:R> unless fixed; Gavel will try again every hour.",
            locked.row.user_id,
            locked.case_number,
            error.moderator_message(),
            locked.row.applied_until.timestamp()
        );
        ("Timeout could not be renewed".into(), text)
    }
}

async fn end(tx: &mut PgConnection, case_id: i64, reason: &str) -> GavelResult<()> {
    scheduled_row::end::<TimeoutRenewal>(tx, case_id, None, reason).await?;
    Ok(())
}

async fn recheck_absent_member(tx: &mut PgConnection, case_id: i64) -> GavelResult<()> {
    schedule::job::<TimeoutRenewal>(tx, case_id, 0, later(ABSENT_MEMBER_RECHECK)).await?;
    Ok(())
}
