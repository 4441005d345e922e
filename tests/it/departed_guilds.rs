//! Servers Gavel is no longer in: their tempbans, mutes and renewals wait (parked, with a
//! reason) instead of being retried, and go ahead when Gavel is added back.

use crate::jobs::{job_context, start_workers, unbans_of, wait_until};
use crate::support::app::*;
use crate::support::bot::start_bot;
use gavel::domain::MuteType;
use gavel::jobs::reconcile;
use gavel::services::ActionRequest;
use gavel::store::{mutes, tempbans};
use std::time::Duration;
use tokio::time::Instant;

fn by_mod(target: u64) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target)
}

async fn tempban_of(app: &TestApp, user: u64) -> tempbans::Tempban {
    tempbans::active_for_user(&app.db.pool, GUILD, user)
        .await
        .unwrap()
        .expect("an active tempban")
}

/// Why the user's latest row in `table` is parked, if it is.
async fn parked_reason(app: &TestApp, table: &str, user: u64) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT parked_reason FROM {table} WHERE guild_id = $1 AND user_id = $2
         ORDER BY created_at DESC LIMIT 1"
    )))
    .bind(GUILD as i64)
    .bind(user as i64)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn run_reconcile_a_few_times(app: &TestApp) {
    let ctx = job_context(app).await;
    for _ in 0..3 {
        reconcile::run(&ctx).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiries_wait_while_gavel_is_out_of_a_server_and_go_ahead_when_it_is_added_back() {
    let app = spawn_app().await;
    let bot = start_bot(&app, None).await;

    // An outage (GUILD_DELETE with `unavailable`) parks nothing.
    app.discord.guild_delete(GUILD, true);
    let result = app
        .services
        .moderation
        .tempban(by_mod(MEMBER), Duration::from_secs(2), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    wait_until(
        "the ban is lifted despite the outage",
        Duration::from_secs(10),
        || !app.discord.is_banned(GUILD, MEMBER),
    )
    .await;

    // Gavel is removed from the server; Discord answers its calls there with Unknown Guild.
    let result = app
        .services
        .moderation
        .tempban(by_mod(OTHER_MEMBER), Duration::from_secs(3), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    app.discord.guild_delete(GUILD, false);
    app.discord
        .fail_always("DELETE", "/bans/", 404, 10004, "Unknown Guild");
    tokio::time::sleep(Duration::from_secs(4)).await;
    run_reconcile_a_few_times(&app).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        unbans_of(&app, OTHER_MEMBER),
        0,
        "no expiry is attempted in a server Gavel left"
    );
    let tempban = tempban_of(&app, OTHER_MEMBER).await;
    assert!(tempban.ending.job_id.is_none(), "parked: no job");
    let reason = parked_reason(&app, "tempbans", OTHER_MEMBER).await;
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("removed")),
        "{reason:?}"
    );

    // Added back: the expiry goes ahead at once.
    app.discord.clear_failures();
    app.discord.guild_create(GUILD);
    wait_until(
        "the ban is lifted once Gavel is back",
        Duration::from_secs(10),
        || !app.discord.is_banned(GUILD, OTHER_MEMBER),
    )
    .await;
    assert_eq!(unbans_of(&app, OTHER_MEMBER), 1);
    assert_eq!(parked_reason(&app, "tempbans", OTHER_MEMBER).await, None);
    bot.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_expiry_answered_unknown_guild_or_missing_access_parks_the_servers_rows() {
    for (status, code, message) in [
        (404, 10004, "Unknown Guild"),
        (403, 50001, "Missing Access"),
    ] {
        let app = spawn_app().await;
        app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
            .await;
        let result = app
            .services
            .mutes
            .mute(
                by_mod(OTHER_MEMBER),
                MuteType::Text,
                Some(Duration::from_secs(3600)),
            )
            .await
            .unwrap();
        assert!(result.success, "{result:?}");
        app.discord
            .fail_always("DELETE", "/bans/", status, code, message);
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
        let deadline = Instant::now() + Duration::from_secs(10);
        while tempban_of(&app, MEMBER).await.ending.job_id.is_some() {
            assert!(
                Instant::now() < deadline,
                "{message}: the tempban was not parked (it still has a job)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        sqlx::query("UPDATE tempbans SET expires_at = now() - interval '10 minutes'")
            .execute(&app.db.pool)
            .await
            .unwrap();
        run_reconcile_a_few_times(&app).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(unbans_of(&app, MEMBER), 1, "{message}: not retried");
        assert!(tempban_of(&app, MEMBER).await.ending.job_id.is_none());
        let mute = mutes::active_for_user(&app.db.pool, GUILD, OTHER_MEMBER)
            .await
            .unwrap()
            .remove(0);
        assert!(
            mute.ending.job_id.is_none(),
            "{message}: the server's other rows are parked with it"
        );
        let reason = parked_reason(&app, "tempbans", MEMBER).await;
        assert!(
            reason.as_deref().is_some_and(|r| r.contains(message)),
            "{reason:?}"
        );
        workers.stop().await;
    }
}
