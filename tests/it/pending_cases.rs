//! A case is PENDING while its Discord call runs, and stays PENDING when Discord did not
//! answer: reconciliation settles only cases no live flow holds, from what Discord shows.

use crate::jobs::{job_context, job_context_with};
use crate::support::app::*;
use crate::support::bot::*;
use gavel::config::JobsConfig;
use gavel::domain::CaseState;
use gavel::jobs::reconcile;
use gavel::store::{job_queue, tempbans};
use serde_json::json;
use sqlx::Connection;
use std::time::Duration;
use tokio::sync::watch;

fn id(user: u64) -> serde_json::Value {
    json!(user.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_slower_than_pending_after_is_left_to_its_flow_and_ends_applied() {
    let t = spawn_bot().await;
    let ctx = job_context_with(
        &t.app,
        JobsConfig {
            pending_after: Duration::from_secs(1),
            ..JobsConfig::default()
        },
    )
    .await;
    // Discord answers the ban after 4 s (it sat behind a rate-limited DM, say), while
    // reconciliation runs every 200 ms and takes PENDING cases older than 1 s as crashed.
    t.app
        .discord
        .set_response_delay("PUT", "/bans/", Duration::from_secs(4));
    let (stop, stopped) = watch::channel(false);
    let reconciler = tokio::spawn(async move {
        let mut passes = 0;
        while !*stopped.borrow() {
            reconcile::run(&ctx).await.unwrap();
            passes += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        passes
    });
    let reply = t
        .command(
            MODERATOR,
            "mod ban",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("raid")),
                ("duration", json!("1h")),
            ],
        )
        .await;
    stop.send_replace(true);
    let passes = reconciler.await.unwrap();
    assert!(passes >= 5, "reconciliation ran {passes} times meanwhile");

    let shown = text(&reply);
    let case = t.app.case_row(1).await;
    assert_eq!(
        case.state,
        CaseState::Applied,
        "{:?} / {shown}",
        case.failure
    );
    assert!(shown.contains("Case #1"), "{shown}");
    assert!(shown.contains("banned for 1h"), "{shown}");
    assert!(!shown.contains("nothing was"), "{shown}");
    assert!(t.app.discord.is_banned(GUILD, MEMBER));
    let tempban = tempbans::active_for_user(&t.app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .expect("the tempban row");
    assert_eq!(tempban.case_id, case.id);
    let mut conn = t.app.db.pool.acquire().await.unwrap();
    let (status, run_at) = job_queue::status(&mut conn, tempban.ending.job_id.as_deref().unwrap())
        .await
        .unwrap()
        .expect("its expiry job");
    assert_eq!(status, "Pending");
    assert_eq!(run_at, tempban.expires_at);
    assert!(
        !t.app
            .events()
            .await
            .iter()
            .any(|e| e.kind == "case.reconciled"),
        "reconciliation left the live case alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_discord_did_not_answer_stays_pending_until_reconciliation_reads_discord() {
    let t = spawn_bot().await;
    let ctx = job_context(&t.app).await;

    // Discord answers 503 and did not ban.
    t.app
        .discord
        .fail_next("PUT", "/bans/", 503, 0, "Service Unavailable");
    let reply = t
        .command(
            MODERATOR,
            "mod ban",
            vec![("user", id(MEMBER)), ("duration", json!("1h"))],
        )
        .await;
    let shown = text(&reply);
    assert!(shown.contains("Case #1"), "{shown}");
    assert!(shown.contains("Discord did not answer"), "{shown}");
    assert!(shown.contains("record the outcome"), "{shown}");
    assert!(!shown.contains("nothing was"), "{shown}");
    assert!(!shown.contains("failed"), "{shown}");
    assert_eq!(t.app.case_row(1).await.state, CaseState::Pending);

    // Discord answers 503, but the ban went through (the answer was lost).
    t.app
        .discord
        .fail_next("PUT", "/bans/", 503, 0, "Service Unavailable");
    let reply = t
        .command(
            MODERATOR,
            "mod ban",
            vec![("user", id(OTHER_MEMBER)), ("duration", json!("1h"))],
        )
        .await;
    assert!(
        text(&reply).contains("Discord did not answer"),
        "{}",
        text(&reply)
    );
    assert_eq!(t.app.case_row(2).await.state, CaseState::Pending);
    t.app
        .discord
        .ban_directly(GUILD, OTHER_MEMBER, Some("[#2] No reason given"));

    // Reconciliation settles both from Discord's state.
    let settled = reconcile::settle_pending_cases(&ctx, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(settled, 2);
    let not_banned = t.app.case_row(1).await;
    assert_eq!(not_banned.state, CaseState::Failed);
    assert!(
        not_banned.failure.as_deref().unwrap().contains("no ban"),
        "{:?}",
        not_banned.failure
    );
    assert!(tempbans::active_for_user(&t.app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .is_none());
    let banned = t.app.case_row(2).await;
    assert_eq!(banned.state, CaseState::Applied);
    let tempban = tempbans::active_for_user(&t.app.db.pool, GUILD, OTHER_MEMBER)
        .await
        .unwrap()
        .expect("the tempban reconciliation records");
    assert_eq!(tempban.case_id, banned.id);
    let mut conn = t.app.db.pool.acquire().await.unwrap();
    let (status, _) = job_queue::status(&mut conn, tempban.ending.job_id.as_deref().unwrap())
        .await
        .unwrap()
        .expect("its expiry job");
    assert_eq!(status, "Pending");
}

/// A flow holds its case with a session-level advisory lock on the case id; when its process
/// dies the connection closes, the lock goes, and reconciliation settles the case.
#[tokio::test]
async fn a_case_whose_flow_died_is_settled_once_its_lease_lapses() {
    let app = spawn_app().await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let case = gavel::store::cases::insert(
        &mut conn,
        &gavel::store::cases::NewCase {
            guild_id: GUILD,
            action: gavel::domain::ModAction::Kick,
            state: CaseState::Pending,
            moderator_id: MODERATOR,
            target_id: MEMBER,
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
    // The flow's own connection (another process), holding the case.
    let mut flow = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    let _: bool = sqlx::query_scalar("SELECT pg_advisory_lock($1) IS NOT NULL")
        .bind(case.id)
        .fetch_one(&mut flow)
        .await
        .unwrap();
    let ctx = job_context(&app).await;
    assert_eq!(
        reconcile::settle_pending_cases(&ctx, Duration::ZERO)
            .await
            .unwrap(),
        0,
        "a held case is left to its flow"
    );
    assert_eq!(app.case_row(1).await.state, CaseState::Pending);

    // The process dies: its connection closes.
    drop(flow);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let settled = reconcile::settle_pending_cases(&ctx, Duration::ZERO)
            .await
            .unwrap();
        if settled == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lease never lapsed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let case = app.case_row(1).await;
    assert_eq!(case.state, CaseState::Failed, "the member is still there");
}

/// A softban's ban that got no answer is lifted anyway; when there is no ban to lift it never
/// took effect, and the case is FAILED at once (not left PENDING with the member still there).
#[tokio::test]
async fn a_softban_whose_ban_got_no_answer_and_is_not_there_fails_at_once() {
    let app = spawn_app().await;
    app.discord
        .fail_next("PUT", "/bans/", 503, 0, "Service Unavailable");
    let result = app
        .services
        .moderation
        .softban(
            gavel::services::ActionRequest::new(GUILD, MODERATOR, MEMBER),
            None,
        )
        .await
        .unwrap();
    assert!(!result.success && !result.pending, "{result:?}");
    let case = app.case_row(1).await;
    assert_eq!(case.state, CaseState::Failed);
    assert!(app.discord.member(GUILD, MEMBER).is_some());
    assert_eq!(app.discord.requests_matching("DELETE", "/bans/").len(), 1);
}
