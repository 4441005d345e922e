//! Strike decay and retention.

use super::JobContext;
use crate::error::GavelResult;
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::{job_queue, strikes};

/// Strikes recorded per transaction.
const DECAY_BATCH: i64 = 500;

/// Strike decay. Points stop counting at their expiry by themselves (standing is always
/// computed from unexpired, unvoided strikes); this writes a `strike.expired` event with the
/// user's standing afterwards, once per strike. Nothing is deleted.
pub async fn decay_strikes(ctx: &JobContext) -> GavelResult<usize> {
    let bot = ctx.bot_user_id();
    let mut recorded = 0;
    loop {
        let mut tx = ctx.pool.begin().await?;
        let expired = strikes::expired_unrecorded(&mut tx, DECAY_BATCH).await?;
        if expired.is_empty() {
            return Ok(recorded);
        }
        for strike in &expired {
            let points_now =
                strikes::active_points(&mut *tx, strike.guild_id, strike.user_id).await?;
            ModEventLogger::log(
                &mut *tx,
                &event(strike.guild_id, kinds::STRIKE_EXPIRED, bot)
                    .target(strike.user_id)
                    .case(strike.case_id)
                    .violation(&strike.violation_type)
                    .details(Some("strike points expired"))
                    .data(serde_json::json!({
                        "strike_id": strike.id,
                        "points": strike.points,
                        "expired_at": strike.expires_at,
                        "active_points": points_now,
                    })),
            )
            .await?;
            strikes::mark_expiry_recorded(&mut tx, strike.id).await?;
        }
        tx.commit().await?;
        recorded += expired.len();
    }
}

/// The daily retention run. Moderation data has no retention rule yet, so none of it is
/// deleted; finished jobs (apalis' own bookkeeping) go after `finished_job_retention`.
pub async fn retention(ctx: &JobContext) -> GavelResult<u64> {
    let Some(keep) = ctx.config.finished_job_retention else {
        return Ok(0);
    };
    let deleted = job_queue::delete_finished_older_than(&ctx.pool, keep).await?;
    if deleted > 0 {
        tracing::info!(deleted, "deleted finished jobs past retention");
    }
    Ok(deleted)
}
