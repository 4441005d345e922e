//! Scheduled actions: the real apalis workers on PostgreSQL against the Discord double.

use crate::support::app::*;
use crate::support::bot::start_bot;
use gavel::config::JobsConfig;
use gavel::discord::serenity_port::{build_http, SerenityPort};
use gavel::domain::{CaseState, CaseStatus, ModAction, MuteType};
use gavel::jobs::{reconcile, worker, JobContext};
use gavel::ports::discord::DiscordPort;
use gavel::services::ActionRequest;
use gavel::store::{cases, job_queue, mutes, tempbans, timeout_renewals};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

fn by_mod(target: u64) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target)
}

/// One process's scheduler: its own pool and Discord client, like a separate `gavel run`.
pub(crate) struct Workers {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Workers {
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("workers stop within 30 s")
            .expect("workers did not panic");
    }
}

pub(crate) async fn job_context(app: &TestApp) -> JobContext {
    job_context_with(app, JobsConfig::default()).await
}

/// A job context with its own pool and Discord client, and `config`.
pub(crate) async fn job_context_with(app: &TestApp, config: JobsConfig) -> JobContext {
    let pool = PgPool::connect(&app.db.url).await.expect("a second pool");
    let http = Arc::new(build_http(
        "test-token",
        Some(&app.discord.base_url()),
        gavel::config::DEFAULT_DISCORD_REQUEST_TIMEOUT,
    ));
    let port: Arc<dyn DiscordPort> = Arc::new(SerenityPort::connect(http).await.unwrap());
    JobContext::new(pool, port, config)
}

pub(crate) async fn start_workers(app: &TestApp) -> Workers {
    start_workers_with(app, JobsConfig::default()).await
}

pub(crate) async fn start_workers_with(app: &TestApp, config: JobsConfig) -> Workers {
    let (stop, shutdown) = watch::channel(false);
    let task = worker::spawn(job_context_with(app, config).await, shutdown);
    Workers { stop, task }
}

pub(crate) async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) fn unbans_of(app: &TestApp, user: u64) -> usize {
    app.discord
        .requests_matching("DELETE", &format!("/bans/{user}"))
        .len()
}

#[tokio::test]
async fn a_3_second_tempban_is_lifted_between_3_and_4_seconds() {
    let app = spawn_app().await;
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;
    let workers = start_workers(&app).await;

    let start = Instant::now();
    let result = app
        .services
        .moderation
        .tempban(
            by_mod(MEMBER).reason(Some("cool off")),
            Duration::from_secs(3),
            None,
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert!(app.discord.is_banned(GUILD, MEMBER));
    wait_until("the ban is lifted", Duration::from_secs(10), || {
        !app.discord.is_banned(GUILD, MEMBER)
    })
    .await;
    let lifted_after = start.elapsed();
    assert!(
        lifted_after >= Duration::from_secs(3) && lifted_after <= Duration::from_secs(4),
        "lifted after {lifted_after:?}"
    );

    let unban = app
        .discord
        .requests_matching("DELETE", "/bans/")
        .pop()
        .unwrap();
    assert_eq!(unban.audit_reason.as_deref(), Some("[#1] tempban expired"));
    // The handler records the outcome right after Discord answers.
    let deadline = Instant::now() + Duration::from_secs(2);
    while app.case_row(1).await.status != CaseStatus::Closed && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let case = app.case_row(1).await;
    assert_eq!(
        case.status,
        CaseStatus::Closed,
        "an ended tempban closes its case"
    );
    let tempban = tempbans::get(&app.db.pool, 1).await.unwrap().unwrap();
    assert!(!tempban.active);
    assert_eq!(tempban.ending.end_reason.as_deref(), Some("expired"));
    assert_eq!(tempban.ending.ended_by, Some(BOT as i64));
    let expired: Vec<_> = app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "tempban.expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].actor_id, BOT);
    assert_eq!(expired[0].case_id, Some(case.id));
    wait_until("the mod log hears", Duration::from_secs(5), || {
        app.discord
            .channel_messages(LOG_CHANNEL)
            .iter()
            .any(|m| m.to_string().contains("Tempban ended · case #1"))
    })
    .await;

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(unbans_of(&app, MEMBER), 1, "lifted exactly once");
    workers.stop().await;
    app.check_requests_against_spec();
}

#[tokio::test]
async fn a_bot_stopped_before_expiry_lifts_the_ban_right_after_it_starts_again() {
    let app = spawn_app().await;
    let bot = start_bot(&app, None).await;
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(2), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    bot.stop().await.expect("clean shutdown");

    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        app.discord.is_banned(GUILD, MEMBER),
        "nobody lifts it while the bot is down"
    );

    let bot = start_bot(&app, None).await;
    let started = Instant::now();
    wait_until(
        "the ban is lifted after the restart",
        Duration::from_secs(10),
        || !app.discord.is_banned(GUILD, MEMBER),
    )
    .await;
    assert!(
        started.elapsed() <= Duration::from_millis(1000),
        "lifted {:?} after the bot was up",
        started.elapsed()
    );
    bot.stop().await.expect("clean shutdown");
    assert_eq!(unbans_of(&app, MEMBER), 1);
}

#[tokio::test]
async fn a_killed_workers_claimed_job_is_requeued_after_its_heartbeat_timeout() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(1), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let tempban = tempbans::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .unwrap();
    // A worker that claimed the job and died: last seen longer ago than heartbeat (5 s) ×
    // missed heartbeats (3).
    sqlx::query(
        "INSERT INTO apalis.workers (id, worker_type, storage_name, last_seen)
         VALUES ('gavel-dead', $1, 'PgStorage', now() - interval '16 seconds')",
    )
    .bind(job_queue::QUEUE)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE apalis.jobs SET status = 'Running', lock_by = 'gavel-dead', lock_at = now()
         WHERE id = $1",
    )
    .bind(tempban.ending.job_id.as_deref().unwrap())
    .execute(&app.db.pool)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let workers = start_workers(&app).await;
    wait_until("the orphaned job runs", Duration::from_secs(10), || {
        !app.discord.is_banned(GUILD, MEMBER)
    })
    .await;
    assert_eq!(unbans_of(&app, MEMBER), 1);

    // A worker seen recently keeps its claim.
    let result = app
        .services
        .moderation
        .tempban(by_mod(OTHER_MEMBER), Duration::from_secs(1), None)
        .await
        .unwrap();
    assert!(result.success);
    let tempban = tempbans::active_for_user(&app.db.pool, GUILD, OTHER_MEMBER)
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "INSERT INTO apalis.workers (id, worker_type, storage_name, last_seen)
         VALUES ('gavel-busy', $1, 'PgStorage', now())",
    )
    .bind(job_queue::QUEUE)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE apalis.jobs SET status = 'Running', lock_by = 'gavel-busy' WHERE id = $1")
        .bind(tempban.ending.job_id.as_deref().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(app.discord.is_banned(GUILD, OTHER_MEMBER));
    workers.stop().await;
}

#[tokio::test]
async fn two_worker_processes_never_both_run_a_job() {
    let app = spawn_app().await;
    let users: Vec<u64> = (0..20).map(|i| 100_000_000_000_001_000 + i).collect();
    for user in &users {
        app.discord.add_user(*user, "visitor", false);
    }
    let first = start_workers(&app).await;
    let second = start_workers(&app).await;
    for user in &users {
        let result = app
            .services
            .moderation
            .tempban(by_mod(*user), Duration::from_secs(2), None)
            .await
            .unwrap();
        assert!(result.success, "{result:?}");
    }
    wait_until("every ban is lifted", Duration::from_secs(15), || {
        users.iter().all(|u| !app.discord.is_banned(GUILD, *u))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for user in &users {
        assert_eq!(unbans_of(&app, *user), 1, "user {user} unbanned once");
    }
    let events = app.events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "tempban.expired")
            .count(),
        users.len()
    );
    let workers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT lock_by FROM apalis.jobs WHERE status = 'Done'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(!workers.is_empty());
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn a_manual_unban_or_a_new_tempban_cancels_the_job() {
    let app = spawn_app().await;
    let workers = start_workers(&app).await;
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(2), None)
        .await
        .unwrap();
    assert!(result.success);
    let job = tempbans::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .unwrap()
        .ending
        .job_id
        .unwrap();
    let unban = app
        .services
        .moderation
        .unban(by_mod(MEMBER).reason(Some("appeal accepted")))
        .await
        .unwrap();
    assert!(unban.success);
    let mut conn = app.db.pool.acquire().await.unwrap();
    assert_eq!(
        job_queue::status(&mut conn, &job).await.unwrap(),
        None,
        "job deleted"
    );

    // A longer tempban replaces a shorter one: the short one's job goes.
    let short = app
        .services
        .moderation
        .tempban(by_mod(OTHER_MEMBER), Duration::from_secs(2), None)
        .await
        .unwrap();
    assert!(short.success);
    let short_job = tempbans::active_for_user(&app.db.pool, GUILD, OTHER_MEMBER)
        .await
        .unwrap()
        .unwrap()
        .ending
        .job_id
        .unwrap();
    let longer = app
        .services
        .moderation
        .tempban(by_mod(OTHER_MEMBER), Duration::from_secs(3600), None)
        .await
        .unwrap();
    assert!(longer.success);
    assert_eq!(
        job_queue::status(&mut conn, &short_job).await.unwrap(),
        None
    );

    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(unbans_of(&app, MEMBER), 1, "only the moderator's unban");
    assert!(
        app.discord.is_banned(GUILD, OTHER_MEMBER),
        "the longer ban holds"
    );
    assert_eq!(unbans_of(&app, OTHER_MEMBER), 0);
    assert!(!app
        .events()
        .await
        .iter()
        .any(|e| e.kind == "tempban.expired"));
    workers.stop().await;
}

#[tokio::test]
async fn a_60_day_timeout_is_renewed_before_it_lapses() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .timeout(
            by_mod(MEMBER).reason(Some("raid")),
            Duration::from_secs(60 * 86_400),
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let case = app.case_row(1).await;
    let renewal = timeout_renewals::get(&app.db.pool, case.id)
        .await
        .unwrap()
        .unwrap();
    let job = renewal.job_id.clone().unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    let (_, run_at) = job_queue::status(&mut conn, &job).await.unwrap().unwrap();
    assert_eq!(run_at, renewal.applied_until - chrono::Duration::days(1));

    // 26 days later: the applied part ends in an hour, and the renewal job is due.
    sqlx::query(
        "UPDATE timeout_renewals SET applied_until = now() + interval '1 hour' WHERE case_id = $1",
    )
    .bind(case.id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE apalis.jobs SET run_at = now() WHERE id = $1")
        .bind(&job)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.discord.clear_requests();
    let workers = start_workers(&app).await;
    wait_until("the timeout is renewed", Duration::from_secs(10), || {
        !app.discord
            .requests_matching("PATCH", "/members/")
            .is_empty()
    })
    .await;
    let patch = app
        .discord
        .requests_matching("PATCH", "/members/")
        .remove(0);
    assert_eq!(
        patch.audit_reason.as_deref(),
        Some("[#1] timeout renewed (Discord allows 28 days at a time)")
    );
    let until = app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(&until)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let lead = until - chrono::Utc::now();
    assert!(lead > chrono::Duration::days(27) - chrono::Duration::minutes(1));
    assert!(until < case.expires_at.unwrap());

    tokio::time::sleep(Duration::from_millis(300)).await;
    let renewed = timeout_renewals::get(&app.db.pool, case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renewed.renewals, 1);
    assert!(renewed.active, "30-odd days remain");
    let next = renewed.job_id.clone().unwrap();
    assert_ne!(next, job);
    let (status, run_at) = job_queue::status(&mut conn, &next).await.unwrap().unwrap();
    assert_eq!(status, "Pending");
    assert_eq!(run_at, renewed.applied_until - chrono::Duration::days(1));
    assert!(app
        .events()
        .await
        .iter()
        .any(|e| e.kind == "timeout.renewed"));
    workers.stop().await;
    app.check_requests_against_spec();
}

#[tokio::test]
async fn a_crash_between_the_discord_call_and_the_database_write_is_settled_by_reconciliation() {
    let app = spawn_app().await;
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;
    // What a crash right after Discord's answer leaves: the case opened as PENDING and
    // committed, the ban applied in Discord, and nothing more.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let now = chrono::Utc::now();
    cases::insert(
        &mut conn,
        &cases::NewCase {
            guild_id: GUILD,
            action: ModAction::Tempban,
            state: CaseState::Pending,
            moderator_id: MODERATOR,
            target_id: MEMBER,
            reason: Some("raid"),
            violation_type: "unspecified",
            violation_details: None,
            strike_points: 0,
            duration_secs: Some(3600),
            expires_at: Some(now + chrono::Duration::hours(1)),
            source: "command",
        },
    )
    .await
    .unwrap();
    app.discord.ban_directly(GUILD, MEMBER, Some("[#1] raid"));
    assert_eq!(app.case_row(1).await.state, CaseState::Pending);

    // And a case whose Discord call never happened.
    cases::insert(
        &mut conn,
        &cases::NewCase {
            guild_id: GUILD,
            action: ModAction::Kick,
            state: CaseState::Pending,
            moderator_id: MODERATOR,
            target_id: OTHER_MEMBER,
            reason: None,
            violation_type: "unspecified",
            violation_details: None,
            strike_points: 0,
            duration_secs: None,
            expires_at: None,
            source: "command",
        },
    )
    .await
    .unwrap();
    sqlx::query("UPDATE mod_cases SET created_at = now() - interval '1 minute'")
        .execute(&app.db.pool)
        .await
        .unwrap();

    // Start-up reconciliation settles both from Discord's state.
    let workers = start_workers(&app).await;
    let pool = app.db.pool.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cases::pending_older_than(&pool, 0)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "cases still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let banned = app.case_row(1).await;
    assert_eq!(banned.state, CaseState::Applied);
    let tempban = tempbans::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .expect("the tempban the crash left unrecorded");
    assert_eq!(tempban.case_id, banned.id);
    let (status, _) = job_queue::status(&mut conn, tempban.ending.job_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, "Pending", "its expiry is scheduled");
    let kicked = app.case_row(2).await;
    assert_eq!(kicked.state, CaseState::Failed);
    assert!(
        kicked
            .failure
            .as_deref()
            .unwrap()
            .contains("still in the server"),
        "{:?}",
        kicked.failure
    );
    let reconciled: Vec<_> = app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "case.reconciled")
        .collect();
    assert_eq!(reconciled.len(), 2);
    assert!(reconciled.iter().all(|e| e.actor_id == BOT));
    workers.stop().await;

    // Nothing left to do: a second run settles nothing.
    let ctx = job_context(&app).await;
    let report = reconcile::run(&ctx).await.unwrap();
    assert_eq!(report.cases_settled, 0);
}

#[tokio::test]
async fn transient_errors_are_retried_and_a_refusal_is_told_to_the_mod_log() {
    let app = spawn_app().await;
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    let workers = start_workers(&app).await;

    app.discord
        .fail_next("DELETE", "/bans/", 502, 0, "Bad Gateway");
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(1), None)
        .await
        .unwrap();
    assert!(result.success);
    wait_until(
        "the ban is lifted on retry",
        Duration::from_secs(10),
        || !app.discord.is_banned(GUILD, MEMBER),
    )
    .await;
    assert_eq!(unbans_of(&app, MEMBER), 2, "one failure, one retry");

    app.discord
        .fail_always("DELETE", "/roles/", 403, 50013, "Missing Permissions");
    let result = app
        .services
        .mutes
        .mute(
            by_mod(OTHER_MEMBER),
            MuteType::Text,
            Some(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    wait_until("the mod log hears", Duration::from_secs(10), || {
        app.discord
            .channel_messages(LOG_CHANNEL)
            .iter()
            .any(|m| m.to_string().contains("Mute could not end"))
    })
    .await;
    let mute = mutes::active_for_user(&app.db.pool, GUILD, OTHER_MEMBER)
        .await
        .unwrap()
        .remove(0);
    assert!(mute.active, "still muted in Discord, so still active here");
    assert!(mute
        .ending
        .expiry_failure
        .as_deref()
        .unwrap()
        .contains("lacks the permission"));
    let mut conn = app.db.pool.acquire().await.unwrap();
    let (_, run_at) = job_queue::status(&mut conn, mute.ending.job_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        run_at > chrono::Utc::now() + chrono::Duration::minutes(59),
        "tried again in an hour"
    );
    workers.stop().await;
}

#[tokio::test]
async fn a_timed_mute_ends_on_time_and_an_unmute_cancels_its_job() {
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    app.configure("mute_role_voice", &ROLE_MUTED_VOICE.to_string())
        .await;
    let workers = start_workers(&app).await;
    let start = Instant::now();
    let result = app
        .services
        .mutes
        .mute(by_mod(MEMBER), MuteType::Text, Some(Duration::from_secs(2)))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let result = app
        .services
        .mutes
        .mute(
            by_mod(MEMBER),
            MuteType::Voice,
            Some(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let voice_job = mutes::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.mute_type == MuteType::Voice)
        .unwrap()
        .ending
        .job_id
        .unwrap();
    let result = app
        .services
        .mutes
        .unmute(by_mod(MEMBER), Some(MuteType::Voice))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let mut conn = app.db.pool.acquire().await.unwrap();
    assert_eq!(
        job_queue::status(&mut conn, &voice_job).await.unwrap(),
        None
    );

    wait_until("the text mute ends", Duration::from_secs(10), || {
        !app.discord
            .member(GUILD, MEMBER)
            .unwrap()
            .roles
            .contains(&ROLE_MUTED_TEXT)
    })
    .await;
    let ended_after = start.elapsed();
    assert!(
        ended_after >= Duration::from_secs(2) && ended_after <= Duration::from_secs(3),
        "{ended_after:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events = app.events().await;
    assert_eq!(
        events.iter().filter(|e| e.kind == "mute.expired").count(),
        1
    );
    assert!(mutes::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .is_empty());
    let removals = app.discord.requests_matching("DELETE", "/roles/");
    assert_eq!(removals.len(), 2, "the unmute and the expiry, once each");
    workers.stop().await;
}

#[tokio::test]
async fn expired_strikes_are_recorded_once_and_kept() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .warn(by_mod(MEMBER).reason(Some("spam")).violation(Some("spam")))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    sqlx::query("UPDATE strikes SET expires_at = now() - interval '1 second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let ctx = job_context(&app).await;
    assert_eq!(
        gavel::jobs::maintenance::decay_strikes(&ctx).await.unwrap(),
        1
    );
    assert_eq!(
        gavel::jobs::maintenance::decay_strikes(&ctx).await.unwrap(),
        0
    );
    let events = app.events().await;
    let expired: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "strike.expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].data["active_points"], 0);
    let strikes = gavel::store::strikes::for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(strikes.len(), 1, "nothing deleted");
    assert_eq!(
        gavel::jobs::maintenance::retention(&ctx).await.unwrap(),
        0,
        "no finished job is a week old"
    );
}

/// The current case's tempban row for `user`, read fresh.
async fn active_tempban(app: &TestApp, user: u64) -> tempbans::Tempban {
    tempbans::active_for_user(&app.db.pool, GUILD, user)
        .await
        .unwrap()
        .expect("an active tempban")
}

/// Waits until the tempban's refusal is recorded (its next try is set for an hour later).
async fn wait_for_refusal(app: &TestApp, user: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while active_tempban(app, user)
        .await
        .ending
        .expiry_failure
        .is_none()
    {
        assert!(Instant::now() < deadline, "the refusal was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_refused_expiry_is_tried_once_an_hour_however_often_reconciliation_runs() {
    let app = spawn_app().await;
    app.discord
        .fail_always("DELETE", "/bans/", 403, 50013, "Missing Permissions");
    let workers = start_workers(&app).await;
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(1), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    wait_until("the expiry is tried", Duration::from_secs(10), || {
        unbans_of(&app, MEMBER) == 1
    })
    .await;
    wait_for_refusal(&app, MEMBER).await;

    // Reconciliation runs while the hour goes by; the tempban is long past its end by now.
    sqlx::query("UPDATE tempbans SET expires_at = now() - interval '10 minutes'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let ctx = job_context(&app).await;
    for _ in 0..5 {
        reconcile::run(&ctx).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        unbans_of(&app, MEMBER),
        1,
        "a refused expiry is tried again in an hour, not on every reconciliation"
    );
    let tempban = active_tempban(&app, MEMBER).await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let (status, run_at) = job_queue::status(&mut conn, tempban.ending.job_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, "Pending");
    assert!(
        run_at > chrono::Utc::now() + chrono::Duration::minutes(55),
        "the hourly retry stands: {run_at}"
    );
    workers.stop().await;
}

#[tokio::test]
async fn reconciliation_reschedules_a_row_only_when_its_job_is_gone_or_its_worker_is_dead() {
    let app = spawn_app().await;
    let fourth = 100_000_000_000_003_000;
    app.discord.add_user(fourth, "visitor", false);
    let users = [MEMBER, OTHER_MEMBER, STRANGER, fourth];
    let mut jobs = Vec::new();
    for user in users {
        let result = app
            .services
            .moderation
            .tempban(by_mod(user), Duration::from_secs(3600), None)
            .await
            .unwrap();
        assert!(result.success, "{result:?}");
        jobs.push(active_tempban(&app, user).await.ending.job_id.unwrap());
    }
    // All four ended ten minutes ago (no worker runs in this test).
    sqlx::query("UPDATE tempbans SET expires_at = now() - interval '10 minutes'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO apalis.workers (id, worker_type, storage_name, last_seen)
         VALUES ('gavel-dead', $1, 'PgStorage', now() - interval '1 minute'),
                ('gavel-alive', $1, 'PgStorage', now())",
    )
    .bind(job_queue::QUEUE)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let set = |sql: &'static str, job: String| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query(sql).bind(job).execute(&pool).await.unwrap();
        }
    };
    // MEMBER: a deliberate retry an hour from now.
    set(
        "UPDATE apalis.jobs SET run_at = now() + interval '1 hour' WHERE id = $1",
        jobs[0].clone(),
    )
    .await;
    // OTHER_MEMBER: claimed by a worker that died.
    set(
        "UPDATE apalis.jobs SET status = 'Running', lock_by = 'gavel-dead', lock_at = now()
         WHERE id = $1",
        jobs[1].clone(),
    )
    .await;
    // STRANGER: claimed by a live worker, running now.
    set(
        "UPDATE apalis.jobs SET status = 'Running', lock_by = 'gavel-alive', lock_at = now()
         WHERE id = $1",
        jobs[2].clone(),
    )
    .await;
    // The fourth: its job is gone.
    set("DELETE FROM apalis.jobs WHERE id = $1", jobs[3].clone()).await;

    let ctx = job_context(&app).await;
    let scheduled = reconcile::schedule_missing(&ctx).await.unwrap();
    let now_jobs: Vec<String> = {
        let mut out = Vec::new();
        for user in users {
            out.push(active_tempban(&app, user).await.ending.job_id.unwrap());
        }
        out
    };
    assert_eq!(now_jobs[0], jobs[0], "the deliberate retry is kept");
    assert_ne!(now_jobs[1], jobs[1], "the dead worker's row gets a new job");
    assert_eq!(now_jobs[2], jobs[2], "a live worker's job is left alone");
    assert_ne!(now_jobs[3], jobs[3], "the row whose job is gone gets one");
    assert_eq!(scheduled, 2);
    assert_eq!(reconcile::schedule_missing(&ctx).await.unwrap(), 0);
}

/// Jobs wait for their Discord slot (the pacer) before they lock their row: a job waiting its
/// turn holds no transaction, no row lock and no connection in a transaction.
#[tokio::test]
async fn jobs_wait_for_the_pacer_without_holding_a_transaction() {
    let app = spawn_app().await;
    let users: Vec<u64> = (0..5).map(|i| 100_000_000_000_002_000 + i).collect();
    for user in &users {
        app.discord.add_user(*user, "visitor", false);
        let result = app
            .services
            .moderation
            .tempban(by_mod(*user), Duration::from_secs(1), None)
            .await
            .unwrap();
        assert!(result.success, "{result:?}");
    }
    // One Discord call a second: the five expiries, due together, take about four seconds.
    let config = JobsConfig {
        discord_rate: 1,
        ..JobsConfig::default()
    };
    let workers = start_workers_with(&app, config).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut longest: f64 = 0.0;
    while users.iter().any(|u| app.discord.is_banned(GUILD, *u)) {
        assert!(Instant::now() < deadline, "the bans were not all lifted");
        let oldest: Option<f64> = sqlx::query_scalar(
            "SELECT max(extract(epoch FROM clock_timestamp() - xact_start))::float8
             FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        longest = longest.max(oldest.unwrap_or(0.0));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        longest < 1.5,
        "a transaction sat idle for {longest:.1} s while its job waited for the pacer"
    );
    workers.stop().await;
}

/// A PENDING case voided before reconciliation settles it keeps no strikes: the void stands.
#[tokio::test]
async fn reconciliation_writes_no_strikes_for_a_case_voided_while_pending() {
    let app = spawn_app().await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    cases::insert(
        &mut conn,
        &cases::NewCase {
            guild_id: GUILD,
            action: ModAction::Ban,
            state: CaseState::Pending,
            moderator_id: MODERATOR,
            target_id: MEMBER,
            reason: Some("spam"),
            violation_type: "spam",
            violation_details: None,
            strike_points: 3,
            duration_secs: None,
            expires_at: None,
            source: "command",
        },
    )
    .await
    .unwrap();
    app.discord.ban_directly(GUILD, MEMBER, Some("[#1] spam"));
    app.services
        .cases
        .void(GUILD, SENIOR_MOD, 1, "wrong user")
        .await
        .unwrap();
    sqlx::query("UPDATE mod_cases SET created_at = now() - interval '1 minute'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let ctx = job_context(&app).await;
    let report = reconcile::run(&ctx).await.unwrap();
    assert_eq!(report.cases_settled, 1);
    let case = app.case_row(1).await;
    assert_eq!(
        case.state,
        CaseState::Applied,
        "what Discord shows is recorded"
    );
    assert_eq!(
        case.status,
        gavel::domain::CaseStatus::Void,
        "the void stands"
    );
    let strikes: i64 = sqlx::query_scalar("SELECT count(*) FROM strikes")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(strikes, 0, "a void case adds no strikes");
}
