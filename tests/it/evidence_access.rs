//! Evidence is only taken from this server's channels, and only from channels the moderator
//! asking for it can read: message links and Capture Evidence ranges alike.

use crate::support::app::*;
use crate::support::bot::{start_bot, text, REPLY_TIMEOUT};
use crate::support::s3::{s3_evidence_config, start_s3, TestS3};
use discord_double::{OverwriteTarget, Reply};
use gavel::domain::ModAction;
use gavel::ports::discord::permissions::{READ_MESSAGE_HISTORY, VIEW_CHANNEL};
use gavel::services::cases::ExternalCase;
use serde_json::json;

async fn evidence_app() -> (TestApp, TestS3) {
    let s3 = start_s3().await;
    let app = spawn_app_with_evidence(s3_evidence_config(&s3)).await;
    (app, s3)
}

async fn open_case(app: &TestApp) -> i32 {
    app.services
        .cases
        .record(ExternalCase {
            guild_id: GUILD,
            action: ModAction::Warn,
            moderator_id: MODERATOR,
            target_id: MEMBER,
            reason: Some("spam"),
            duration_secs: None,
            expires_at: None,
            source: "test",
        })
        .await
        .expect("case recorded")
        .case_number
}

fn link(channel: u64, message: u64) -> String {
    format!("https://discord.com/channels/{GUILD}/{channel}/{message}")
}

/// `/mod evidence add case:<case> url:<url>` as `who`.
async fn add_url(app: &TestApp, who: u64, case: i32, url: &str) -> Reply {
    app.discord
        .invoke_command(
            GUILD,
            GENERAL,
            who,
            "mod evidence add",
            vec![("case", json!(case)), ("url", json!(url))],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .expect("a reply")
}

/// Gavel read no message of `channel` and the case has no evidence.
async fn nothing_read_or_stored(app: &TestApp, case: i32, channel: u64) {
    let reads = app
        .discord
        .requests_matching("GET", &format!("/channels/{channel}/messages"));
    assert!(reads.is_empty(), "messages were read: {reads:?}");
    let (_, entries) = app.services.evidence.list(GUILD, case).await.unwrap();
    assert!(entries.is_empty(), "evidence was stored");
}

#[tokio::test]
async fn a_message_link_into_another_servers_channel_is_refused_and_nothing_is_read() {
    let (app, _s3) = evidence_app().await;
    seed_other_guild(&app.discord);
    let theirs = app
        .discord
        .message_create(OTHER_CHANNEL, OTHER_OWNER, "their private plans");
    let case = open_case(&app).await;
    let bot = start_bot(&app, None).await;

    // The link names our server but another server's channel.
    let reply = add_url(&app, MODERATOR, case, &link(OTHER_CHANNEL, theirs)).await;
    let shown = text(&reply);
    assert!(shown.contains("another server"), "{shown}");
    assert!(!shown.contains("their private plans"), "{shown}");
    nothing_read_or_stored(&app, case, OTHER_CHANNEL).await;
    app.check_requests_against_spec();
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_message_link_into_a_channel_the_moderator_cannot_see_is_refused_and_admins_may() {
    let (app, _s3) = evidence_app().await;
    add_staff_channel(&app.discord);
    let staff = app
        .discord
        .message_create(STAFF_CHANNEL, ADMIN, "ban list for tomorrow");
    let case = open_case(&app).await;
    let bot = start_bot(&app, None).await;

    let reply = add_url(&app, MODERATOR, case, &link(STAFF_CHANNEL, staff)).await;
    let shown = text(&reply);
    assert!(shown.contains("cannot read"), "{shown}");
    assert!(!shown.contains("ban list"), "{shown}");
    nothing_read_or_stored(&app, case, STAFF_CHANNEL).await;

    // A public thread in it is just as hidden: threads take their parent's overwrites.
    const THREAD: u64 = 300_000_000_000_000_010;
    app.discord
        .add_thread(STAFF_CHANNEL, THREAD, "who to ban", ADMIN);
    let in_thread = app.discord.message_create(THREAD, ADMIN, "start with them");
    let reply = add_url(&app, MODERATOR, case, &link(THREAD, in_thread)).await;
    assert!(text(&reply).contains("cannot read"), "{}", text(&reply));
    nothing_read_or_stored(&app, case, THREAD).await;

    // A private thread they are not in (Gavel is), in a channel they can read.
    const PRIVATE_THREAD: u64 = 300_000_000_000_000_011;
    app.discord
        .add_private_thread(GENERAL, PRIVATE_THREAD, "appeal", MEMBER, &[BOT]);
    let private = app
        .discord
        .message_create(PRIVATE_THREAD, MEMBER, "between us");
    let reply = add_url(&app, MODERATOR, case, &link(PRIVATE_THREAD, private)).await;
    assert!(text(&reply).contains("cannot read"), "{}", text(&reply));
    nothing_read_or_stored(&app, case, PRIVATE_THREAD).await;

    // Administrators see every channel.
    let reply = add_url(&app, ADMIN, case, &link(STAFF_CHANNEL, staff)).await;
    assert!(
        text(&reply).contains("ban list for tomorrow"),
        "{}",
        text(&reply)
    );
    app.check_requests_against_spec();
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn reading_needs_message_history_and_a_member_overwrite_beats_the_roles() {
    let (app, _s3) = evidence_app().await;
    let message = app
        .discord
        .message_create(GENERAL, MEMBER, "scam link here");
    // Moderators see #general but may not read its history...
    app.discord.set_permission_overwrite(
        GENERAL,
        OverwriteTarget::Role(ROLE_MOD),
        0,
        READ_MESSAGE_HISTORY,
    );
    let case = open_case(&app).await;
    let bot = start_bot(&app, None).await;

    let reply = add_url(&app, MODERATOR, case, &link(GENERAL, message)).await;
    assert!(text(&reply).contains("cannot read"), "{}", text(&reply));
    nothing_read_or_stored(&app, case, GENERAL).await;

    // ...unless their own overwrite allows it.
    app.discord.set_permission_overwrite(
        GENERAL,
        OverwriteTarget::Member(MODERATOR),
        VIEW_CHANNEL | READ_MESSAGE_HISTORY,
        0,
    );
    let reply = add_url(&app, MODERATOR, case, &link(GENERAL, message)).await;
    assert!(text(&reply).contains("scam link here"), "{}", text(&reply));
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn capture_evidence_ranges_need_the_moderator_to_read_the_channels_history() {
    let (app, _s3) = evidence_app().await;
    let earlier = app.discord.message_create(GENERAL, MEMBER, "earlier words");
    let target = app
        .discord
        .message_create(GENERAL, MEMBER, "the reported message");
    let _ = earlier;
    app.discord.set_permission_overwrite(
        GENERAL,
        OverwriteTarget::Role(ROLE_MOD),
        0,
        READ_MESSAGE_HISTORY,
    );
    let bot = start_bot(&app, None).await;

    let menu =
        app.discord
            .invoke_message_command(GUILD, GENERAL, MODERATOR, "Capture Evidence", target);
    assert_eq!(menu.reply(REPLY_TIMEOUT).await.unwrap().kind, 9);
    let reply = menu
        .submit_modal(vec![("case", "new"), ("range", "5 before")])
        .reply(REPLY_TIMEOUT)
        .await
        .expect("a reply");
    let shown = text(&reply);
    assert!(shown.contains("cannot read"), "{shown}");
    assert!(!shown.contains("earlier words"), "{shown}");
    let reads = app
        .discord
        .requests_matching("GET", &format!("/channels/{GENERAL}/messages"));
    assert!(reads.is_empty(), "messages were read: {reads:?}");
    let cases: i64 = sqlx::query_scalar("SELECT count(*) FROM mod_cases")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(cases, 0, "no case was opened for the capture");
    bot.stop().await.unwrap();
}
