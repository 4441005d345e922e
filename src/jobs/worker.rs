//! The scheduler as `gavel run` runs it: an apalis worker on the shared queue, a start-up
//! reconcile, and a ticker that enqueues the periodic jobs. Any number of processes can run
//! it against one database: a job is claimed by one worker (`FOR UPDATE SKIP LOCKED`), and
//! each handler locks its row besides.

use super::poll::TickStrategy;
use super::{handlers, reconcile, JobContext};
use crate::domain::ScheduledJob;
use crate::store::job_queue;
use apalis::prelude::{BackendExt, BoxDynError, Data, TaskId, WorkerBuilder, WorkerBuilderExt};
use apalis_postgres::PostgresStorage;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ulid::Ulid;

/// How often the retention job is enqueued (once per day is kept by its key).
const RETENTION_CHECK: Duration = Duration::from_secs(3600);

/// Starts the scheduler; it stops (finishing the jobs it is running) once `shutdown` turns
/// true or its sender is dropped.
pub fn spawn(ctx: JobContext, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let startup = tokio::spawn({
            let ctx = ctx.clone();
            async move {
                if let Err(error) = reconcile::run(&ctx).await {
                    tracing::error!(%error, "start-up reconciliation failed");
                }
            }
        });
        let ticker = tokio::spawn(enqueue_periodic(ctx.clone(), shutdown.clone()));
        supervise(&ctx, shutdown).await;
        ticker.abort();
        let _ = startup.await;
    })
}

/// Runs workers until shutdown; a worker that dies (say the database went away) is replaced.
async fn supervise(ctx: &JobContext, shutdown: watch::Receiver<bool>) {
    loop {
        let name = format!("gavel-{}", Ulid::generate());
        let outcome = run_worker(ctx, &name, shutdown.clone()).await;
        if is_shut_down(&shutdown) {
            return;
        }
        match outcome {
            Ok(()) => tracing::warn!(worker = %name, "job worker stopped; starting another"),
            Err(error) => {
                tracing::error!(worker = %name, %error, "job worker failed; starting another")
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One apalis worker, named `name` (names must be unique: apalis registers each in
/// `apalis.workers` and re-queues a dead one's jobs after heartbeat × missed heartbeats).
pub async fn run_worker(
    ctx: &JobContext,
    name: &str,
    shutdown: watch::Receiver<bool>,
) -> Result<(), apalis::prelude::WorkerError> {
    let config = apalis_postgres::Config::default()
        .queue(job_queue::QUEUE)
        .batch_size(ctx.config.batch_size)
        .heartbeat_interval(ctx.config.heartbeat)
        .missed_heartbeats(ctx.config.missed_heartbeats);
    let backend = PostgresStorage::<ScheduledJob>::new(&ctx.pool)
        .with_config(config)
        .poll_with_strategy(TickStrategy::every(ctx.config.poll_interval));
    let worker = WorkerBuilder::new(name)
        .backend(backend)
        .concurrency(ctx.config.concurrency)
        .data(ctx.clone())
        .build(handle);
    worker
        .run_until(async move {
            wait_for_shutdown(shutdown).await;
            Ok::<(), std::io::Error>(())
        })
        .await
}

async fn handle(
    job: ScheduledJob,
    task_id: TaskId,
    ctx: Data<JobContext>,
) -> Result<(), BoxDynError> {
    let job_id = task_id.to_string();
    handlers::run(&ctx, job.clone(), &job_id)
        .await
        .map_err(|error| {
            tracing::error!(%error, ?job, job_id, "job failed; apalis will retry it");
            error.into()
        })
}

/// Enqueues Reconcile, DecayStrikes and Retention. Every process does it; the key (the time
/// slot) makes one job per slot however many processes ask.
async fn enqueue_periodic(ctx: JobContext, mut shutdown: watch::Receiver<bool>) {
    let mut reconcile = tokio::time::interval(ctx.config.reconcile_every);
    let mut decay = tokio::time::interval(ctx.config.decay_every);
    let mut retention = tokio::time::interval(RETENTION_CHECK);
    loop {
        let now = Utc::now();
        let (job, key) = tokio::select! {
            _ = reconcile.tick() => (ScheduledJob::Reconcile, slot_key("reconcile", now, ctx.config.reconcile_every)),
            _ = decay.tick() => (ScheduledJob::DecayStrikes, slot_key("decay", now, ctx.config.decay_every)),
            _ = retention.tick() => (ScheduledJob::Retention, format!("retention:{}", now.format("%Y-%m-%d"))),
            _ = shutdown.changed() => return,
        };
        let pushed = async {
            let mut conn = ctx.pool.acquire().await?;
            job_queue::push_once(&mut conn, &job, now, &key).await
        };
        if let Err(error) = pushed.await {
            tracing::warn!(%error, key, "could not enqueue a periodic job");
        }
    }
}

fn slot_key(name: &str, now: DateTime<Utc>, every: Duration) -> String {
    let slot = now.timestamp() / every.as_secs().max(1) as i64;
    format!("{name}:{slot}")
}

fn is_shut_down(shutdown: &watch::Receiver<bool>) -> bool {
    *shutdown.borrow() || shutdown.has_changed().is_err()
}

pub async fn wait_for_shutdown(mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}
