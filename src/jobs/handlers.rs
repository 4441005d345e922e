//! One handler per job. The jobs that act on a scheduled row run through
//! [`scheduled_action::run`]; what they do in Discord is in `expiry` and `timeout_renewal`.

use super::expiry::Expire;
use super::scheduled_action;
use super::timeout_renewal::RenewTimeout;
use super::{maintenance, reconcile, JobContext};
use crate::domain::ScheduledJob;
use crate::error::GavelResult;
use crate::store::mutes::Mute;
use crate::store::tempbans::Tempban;

/// Runs one job. Errors are database errors (apalis retries the job); Discord's errors are
/// handled here.
#[tracing::instrument(name = "job", skip_all, fields(job_id = %job_id, job_kind = job.kind()))]
pub async fn run(ctx: &JobContext, job: ScheduledJob, job_id: &str) -> GavelResult<()> {
    match job {
        ScheduledJob::EndTempban { tempban_id, retry } => {
            scheduled_action::run::<Expire<Tempban>>(ctx, tempban_id, job_id, retry).await
        }
        ScheduledJob::EndMute { mute_id, retry } => {
            scheduled_action::run::<Expire<Mute>>(ctx, mute_id, job_id, retry).await
        }
        ScheduledJob::RenewTimeout { case_id, retry } => {
            scheduled_action::run::<RenewTimeout>(ctx, case_id, job_id, retry).await
        }
        ScheduledJob::Reconcile => reconcile::run(ctx).await.map(|_| ()),
        ScheduledJob::DecayStrikes => maintenance::decay_strikes(ctx).await.map(|_| ()),
        ScheduledJob::Retention => maintenance::retention(ctx).await.map(|_| ()),
    }
}
