//! The mod-log channel: only one of this server's channels can be set, it is checked again
//! before every post, and one that is gone or elsewhere is reported in `/mod config view` and
//! left alone until the setting changes.

use crate::support::app::*;
use crate::support::bot::*;
use discord_double::Reply;
use gavel::config::JobsConfig;
use gavel::discord::serenity_port::{build_http, SerenityPort};
use gavel::domain::CaseStatus;
use gavel::jobs::{worker, JobContext};
use gavel::ports::discord::DiscordPort;
use gavel::services::ActionRequest;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const NEW_LOG_CHANNEL: u64 = 300_000_000_000_000_020;

async fn set_log_channel(t: &TestBot, value: &str) -> Reply {
    t.command(
        ADMIN,
        "mod config set",
        vec![("setting", json!("log_channel")), ("value", json!(value))],
    )
    .await
}

async fn config_view(t: &TestBot) -> String {
    text(&t.command(ADMIN, "mod config view", vec![]).await)
}

async fn warn(app: &TestApp, reason: &str) {
    let result = app
        .services
        .moderation
        .warn(ActionRequest::new(GUILD, MODERATOR, MEMBER).reason(Some(reason)))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
}

/// A setting saved before Gavel checked which server a channel is in.
async fn save_log_channel_unchecked(app: &TestApp, channel: u64) {
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, log_channel_id) VALUES ($1, $2)
         ON CONFLICT (guild_id) DO UPDATE SET log_channel_id = EXCLUDED.log_channel_id",
    )
    .bind(GUILD as i64)
    .bind(channel as i64)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

fn requests_to(app: &TestApp, channel: u64) -> usize {
    app.discord
        .requests()
        .iter()
        .filter(|r| r.path.contains(&format!("/channels/{channel}")))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_channel_of_this_server_can_be_the_log_channel() {
    let t = spawn_bot().await;
    seed_other_guild(&t.app.discord);

    let r = set_log_channel(&t, &format!("<#{OTHER_CHANNEL}>")).await;
    assert!(text(&r).contains("not in this server"), "{}", text(&r));
    let r = set_log_channel(&t, "300000000000000999").await;
    assert!(text(&r).contains("does not exist"), "{}", text(&r));
    let settings = t.app.services.settings.get(GUILD).await.unwrap();
    assert_eq!(settings.log_channel_id, None, "nothing was changed");

    let r = set_log_channel(&t, &format!("<#{LOG_CHANNEL}>")).await;
    assert!(text(&r).contains("log_channel updated"), "{}", text(&r));
    assert_eq!(
        t.app
            .services
            .settings
            .get(GUILD)
            .await
            .unwrap()
            .log_channel_id,
        Some(LOG_CHANNEL)
    );
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_log_channel_is_reported_in_config_view_and_not_posted_to_until_changed() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    t.app
        .configure("log_channel", &LOG_CHANNEL.to_string())
        .await;
    warn(&t.app, "first").await;
    assert_eq!(t.app.discord.channel_messages(LOG_CHANNEL).len(), 1);

    t.app.discord.delete_channel(LOG_CHANNEL);
    let before = requests_to(&t.app, LOG_CHANNEL);
    warn(&t.app, "second").await;
    warn(&t.app, "third").await;
    warn(&t.app, "fourth").await;
    assert_eq!(
        requests_to(&t.app, LOG_CHANNEL) - before,
        1,
        "one look finds it gone; then Gavel leaves it alone"
    );

    let shown = config_view(&t).await;
    assert!(shown.contains("stopped posting"), "{shown}");
    assert!(shown.contains("no longer exists"), "{shown}");

    // Setting the log channel again clears the problem and posting resumes.
    t.app
        .discord
        .add_channel(GUILD, NEW_LOG_CHANNEL, "mod-log-2");
    let r = set_log_channel(&t, &NEW_LOG_CHANNEL.to_string()).await;
    assert!(text(&r).contains("log_channel updated"), "{}", text(&r));
    let shown = config_view(&t).await;
    assert!(!shown.contains("stopped posting"), "{shown}");
    warn(&t.app, "fifth").await;
    assert_eq!(t.app.discord.channel_messages(NEW_LOG_CHANNEL).len(), 1);
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_channel_of_another_server_saved_earlier_is_never_posted_to() {
    let t = spawn_bot().await;
    seed_other_guild(&t.app.discord);
    t.app.configure("escalation", "none").await;
    save_log_channel_unchecked(&t.app, OTHER_CHANNEL).await;

    warn(&t.app, "first").await;
    warn(&t.app, "second").await;
    assert!(
        t.app.discord.channel_messages(OTHER_CHANNEL).is_empty(),
        "Gavel posted into another server"
    );
    let shown = config_view(&t).await;
    assert!(shown.contains("stopped posting"), "{shown}");
    assert!(shown.contains("not in this server"), "{shown}");
}

#[tokio::test]
async fn scheduled_jobs_check_the_log_channel_before_posting_too() {
    let app = spawn_app().await;
    seed_other_guild(&app.discord);
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;
    let result = app
        .services
        .moderation
        .tempban(
            ActionRequest::new(GUILD, MODERATOR, MEMBER).reason(Some("cool off")),
            Duration::from_secs(1),
            None,
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    save_log_channel_unchecked(&app, OTHER_CHANNEL).await;

    let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
    let http = Arc::new(build_http(
        "test-token",
        Some(&app.discord.base_url()),
        gavel::config::DEFAULT_DISCORD_REQUEST_TIMEOUT,
    ));
    let port: Arc<dyn DiscordPort> = Arc::new(SerenityPort::connect(http).await.unwrap());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let workers = worker::spawn(JobContext::new(pool, port, JobsConfig::default()), shutdown);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.case_row(1).await.status != CaseStatus::Closed {
        assert!(tokio::time::Instant::now() < deadline, "the tempban ends");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The handler posts right after it records the end.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.send_replace(true);
    workers.await.unwrap();
    assert!(
        app.discord.channel_messages(OTHER_CHANNEL).is_empty(),
        "the expiry was posted into another server"
    );
}
