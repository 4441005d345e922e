//! `/mod purge` and Remove Message: bulk and single deletes within Discord's rules, filters,
//! evidence kept before deleting, and refusals that change nothing.

use crate::support::app::*;
use crate::support::bot::start_bot;
use crate::support::s3::{s3_evidence_config, start_s3, TestS3};
use gavel::domain::{CaseState, ModAction};
use gavel::ports::discord::permissions::MANAGE_MESSAGES;
use gavel::services::cases::ExternalCase;
use gavel::services::evidence::ChainEntry;
use gavel::services::messages::{PurgeFilter, PurgeRequest, RemoveMessageRequest};
use serde_json::json;
use std::time::Duration;

/// Moderators and Gavel may manage messages (the shared seed does not give it).
fn grant_manage_messages(app: &TestApp) {
    app.discord
        .set_role_permissions(GUILD, ROLE_MOD, MOD_PERMISSIONS | MANAGE_MESSAGES);
    app.discord
        .set_role_permissions(GUILD, ROLE_BOT, BOT_PERMISSIONS | MANAGE_MESSAGES);
}

fn purge(count: u16, filter: PurgeFilter) -> PurgeRequest {
    PurgeRequest {
        guild_id: GUILD,
        moderator_id: MODERATOR,
        channel_id: GENERAL,
        count,
        filter,
        reason: None,
        evidence_case: None,
    }
}

fn deletes(app: &TestApp) -> (usize, usize) {
    (
        app.discord.requests_matching("POST", "/bulk-delete").len(),
        app.discord.requests_matching("DELETE", "/messages/").len(),
    )
}

fn remaining_by(app: &TestApp, author: u64) -> usize {
    app.discord
        .channel_messages(GENERAL)
        .iter()
        .filter(|m| m["author"]["id"] == json!(author.to_string()))
        .count()
}

#[tokio::test]
async fn a_purge_of_250_with_50_older_than_14_days_makes_2_bulk_calls_and_50_single_deletes() {
    let app = spawn_app().await;
    grant_manage_messages(&app);
    let bot = start_bot(&app, None).await;
    let old = chrono::Utc::now() - chrono::Duration::days(20);
    for i in 0..50 {
        app.discord
            .message_create_at(GENERAL, MEMBER, &format!("old {i}"), Some(old));
    }
    for i in 0..200 {
        app.discord
            .message_create(GENERAL, OTHER_MEMBER, &format!("new {i}"));
    }
    app.discord.clear_requests();

    let handle = app.discord.invoke_command(
        GUILD,
        GENERAL,
        MODERATOR,
        "mod purge",
        vec![("count", json!(250))],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut progress_seen = false;
    let final_text = loop {
        let text = handle
            .original_message()
            .map(|m| m["embeds"].to_string())
            .unwrap_or_default();
        if text.contains("Purging") {
            progress_seen = true;
        }
        if text.contains("Case #") {
            break text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no final reply: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        final_text.contains("250 message(s) deleted, 0 could not be"),
        "{final_text}"
    );
    assert!(progress_seen, "a long purge shows its progress");
    assert_eq!(deletes(&app), (2, 50));
    let bulk = app.discord.requests_matching("POST", "/bulk-delete");
    assert!(bulk.iter().all(|r| r.body.as_ref().unwrap()["messages"]
        .as_array()
        .unwrap()
        .len()
        == 100));
    assert!(bulk
        .iter()
        .all(|r| r.audit_reason.as_deref() == Some("[#1] No reason given")));
    assert_eq!(
        remaining_by(&app, MEMBER) + remaining_by(&app, OTHER_MEMBER),
        0
    );

    let case = app.case_row(1).await;
    assert_eq!(case.action, ModAction::Purge);
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(
        case.target_id, BOT,
        "no user filter: the case is Gavel's own"
    );
    let data = case.data.unwrap();
    assert_eq!(data["channel_id"], json!(GENERAL.to_string()));
    assert_eq!(
        (data["done"].clone(), data["failed"].clone()),
        (json!(250), json!(0))
    );
    assert_eq!(data["filter_text"], json!("none"));
    app.check_requests_against_spec();
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn purge_filters_pick_the_messages_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let nitro = app
        .discord
        .message_create(GENERAL, MEMBER, "free NITRO here");
    let link = app
        .discord
        .message_create(GENERAL, MEMBER, "nitro at https://scam.example");
    app.discord.message_create(GENERAL, MEMBER, "hello");
    app.discord.message_create(GENERAL, OTHER_MEMBER, "nitro?");
    let services = &app.services.messages;
    let quiet = |_| {};

    // Neither the moderator nor Gavel has Manage Messages yet.
    let err = services
        .purge(purge(10, PurgeFilter::default()), &quiet)
        .await
        .unwrap_err();
    assert!(err.user_message().contains("Manage Messages"), "{err}");
    app.discord
        .set_role_permissions(GUILD, ROLE_MOD, MOD_PERMISSIONS | MANAGE_MESSAGES);
    let err = services
        .purge(purge(10, PurgeFilter::default()), &quiet)
        .await
        .unwrap_err();
    assert!(err.user_message().starts_with("Gavel needs"), "{err}");
    grant_manage_messages(&app);

    // A message id from another server's channel, a user above the moderator, bad input.
    seed_other_guild(&app.discord);
    let elsewhere = app
        .discord
        .message_create(OTHER_CHANNEL, OTHER_OWNER, "not here");
    for (request, expected) in [
        (
            purge(
                5,
                PurgeFilter {
                    before: Some(elsewhere),
                    ..Default::default()
                },
            ),
            "is not in that channel",
        ),
        (
            purge(
                5,
                PurgeFilter {
                    user: Some(VIP),
                    ..Default::default()
                },
            ),
            "",
        ),
        (purge(1001, PurgeFilter::default()), "between 1 and 1000"),
        (
            purge(
                5,
                PurgeFilter {
                    user: Some(STRANGER),
                    ..Default::default()
                },
            ),
            "No messages",
        ),
    ] {
        let err = services.purge(request, &quiet).await.unwrap_err();
        assert!(err.user_message().contains(expected), "{err}");
    }
    let mut other_channel = purge(5, PurgeFilter::default());
    other_channel.channel_id = OTHER_CHANNEL;
    let err = services.purge(other_channel, &quiet).await.unwrap_err();
    assert!(err.user_message().contains("not in this server"), "{err}");
    assert_eq!(deletes(&app), (0, 0));
    assert_eq!(app.discord.channel_messages(GENERAL).len(), 4);

    // The user's messages that mention nitro: two young ones, one bulk call.
    let outcome = services
        .purge(
            purge(
                10,
                PurgeFilter {
                    user: Some(MEMBER),
                    contains: Some("nitro".into()),
                    ..Default::default()
                },
            ),
            &quiet,
        )
        .await
        .unwrap();
    assert_eq!(
        (outcome.matched, outcome.deleted, outcome.failed),
        (2, 2, 0)
    );
    assert_eq!(deletes(&app), (1, 0));
    let remaining: Vec<String> = app
        .discord
        .channel_messages(GENERAL)
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(remaining, ["hello", "nitro?"]);
    assert!(!remaining.contains(&"free NITRO here".to_string()));
    let _ = (nitro, link);
    assert_eq!(outcome.case.target_id, MEMBER);
    assert!(outcome.case.data.unwrap()["filter_text"]
        .as_str()
        .unwrap()
        .contains("contains \"nitro\""));

    // Links only, one message: one single delete.
    app.discord
        .message_create(GENERAL, OTHER_MEMBER, "see https://x.example");
    let outcome = services
        .purge(
            purge(
                10,
                PurgeFilter {
                    links: true,
                    ..Default::default()
                },
            ),
            &quiet,
        )
        .await
        .unwrap();
    assert_eq!((outcome.deleted, outcome.failed), (1, 0));
    assert_eq!(deletes(&app), (1, 1));
    app.check_requests_against_spec();
}

async fn evidence_app() -> (TestApp, TestS3) {
    let s3 = start_s3().await;
    let app = spawn_app_with_evidence(s3_evidence_config(&s3)).await;
    grant_manage_messages(&app);
    (app, s3)
}

async fn report_case(app: &TestApp) -> i32 {
    app.services
        .cases
        .record(ExternalCase {
            guild_id: GUILD,
            action: ModAction::Report,
            moderator_id: MODERATOR,
            target_id: MEMBER,
            reason: Some("raid"),
            duration_secs: None,
            expires_at: None,
            source: "test",
        })
        .await
        .unwrap()
        .case_number
}

#[tokio::test]
async fn purge_with_evidence_keeps_the_messages_in_the_case_before_deleting_them() {
    let (app, _s3) = evidence_app().await;
    let case = report_case(&app).await;
    for i in 0..3 {
        app.discord
            .message_create(GENERAL, MEMBER, &format!("raid {i}"));
    }
    let mut request = purge(3, PurgeFilter::default());
    request.evidence_case = Some(case);
    let outcome = app.services.messages.purge(request, &|_| {}).await.unwrap();
    assert_eq!(outcome.deleted, 3);
    assert_eq!(outcome.evidence, Some((case, 1)));
    let (_, entries) = app.services.evidence.list(GUILD, case).await.unwrap();
    let ChainEntry::Item(item) = &entries[0] else {
        panic!("an item")
    };
    assert_eq!(item.kind, "message");
    assert_eq!(item.metadata["message_ids"].as_array().unwrap().len(), 3);
    assert!(app.discord.channel_messages(GENERAL).is_empty());

    // A case that does not exist: refused before anything is deleted.
    app.discord.message_create(GENERAL, MEMBER, "more");
    let mut request = purge(3, PurgeFilter::default());
    request.evidence_case = Some(999);
    assert!(app.services.messages.purge(request, &|_| {}).await.is_err());
    assert_eq!(app.discord.channel_messages(GENERAL).len(), 1);
}

fn removal(message_id: u64, violation: &str, points: Option<u8>) -> RemoveMessageRequest {
    RemoveMessageRequest {
        guild_id: GUILD,
        moderator_id: MODERATOR,
        channel_id: GENERAL,
        message_id,
        violation: violation.into(),
        details: Some("posted a scam link".into()),
        points,
    }
}

#[tokio::test]
async fn remove_message_keeps_deletes_and_records_a_strike_against_the_author() {
    let (app, _s3) = evidence_app().await;
    let message = app
        .discord
        .message_create(GENERAL, MEMBER, "free nitro https://scam.example");
    let services = &app.services.messages;

    // Outside the type's range: refused with the range, nothing kept or deleted.
    let err = services
        .remove_message(removal(message, "harassment", Some(7)))
        .await
        .unwrap_err();
    assert!(err.user_message().contains("between 2 and 3"), "{err}");
    let err = services
        .remove_message(removal(message, "nonsense", None))
        .await
        .unwrap_err();
    assert!(err.user_message().contains("not a violation type"), "{err}");
    // Hierarchy against the author.
    let vip_message = app.discord.message_create(GENERAL, VIP, "above you");
    assert!(services
        .remove_message(removal(vip_message, "spam", None))
        .await
        .is_err());
    assert_eq!(deletes(&app), (0, 0));

    let outcome = services
        .remove_message(removal(message, "harassment", Some(3)))
        .await
        .unwrap();
    assert!(outcome.result.success, "{:?}", outcome.result);
    let number = outcome.result.case_number.unwrap();
    let case = app.case_row(number).await;
    assert_eq!(case.action, ModAction::DeleteMessage);
    assert_eq!(case.target_id, MEMBER);
    assert_eq!(case.violation_type, "harassment");
    assert_eq!(
        case.violation_details.as_deref(),
        Some("posted a scam link")
    );
    assert_eq!(case.strike_points, 3);
    assert_eq!(case.data.unwrap()["message_id"], json!(message.to_string()));
    assert_eq!(outcome.evidence, Some((number, 1)));
    assert_eq!(remaining_by(&app, MEMBER), 0);
    let delete = app
        .discord
        .requests_matching("DELETE", "/messages/")
        .pop()
        .unwrap();
    assert_eq!(
        delete.audit_reason.as_deref(),
        Some(format!("[#{number}] Message removed: posted a scam link").as_str())
    );
    // The 3 points cross the default 3-point escalation (a timeout).
    assert!(outcome.result.escalation.is_some(), "{:?}", outcome.result);
    app.check_requests_against_spec();
}

#[tokio::test]
async fn remove_message_works_without_evidence_and_needs_manage_messages_in_the_channel() {
    let app = spawn_app().await;
    let message = app.discord.message_create(GENERAL, MEMBER, "spam spam");
    let err = app
        .services
        .messages
        .remove_message(removal(message, "spam", None))
        .await
        .unwrap_err();
    assert!(err.user_message().contains("Manage Messages"), "{err}");
    grant_manage_messages(&app);
    let outcome = app
        .services
        .messages
        .remove_message(removal(message, "spam", None))
        .await
        .unwrap();
    assert!(outcome.result.success);
    assert_eq!(outcome.evidence, None);
    assert_eq!(app.case_row(1).await.strike_points, 1);
    assert_eq!(remaining_by(&app, MEMBER), 0);
}

/// What the bot said in answer to a submitted form.
async fn answer(handle: &discord_double::InteractionHandle) -> String {
    crate::support::bot::text(
        &handle
            .reply(crate::support::bot::REPLY_TIMEOUT)
            .await
            .expect("an answer"),
    )
}

/// Right-clicks `message` as `moderator` and returns the menu's interaction once the form is up.
async fn open_remove_form(
    app: &TestApp,
    moderator: u64,
    message: u64,
) -> discord_double::InteractionHandle {
    let menu =
        app.discord
            .invoke_message_command(GUILD, GENERAL, moderator, "Remove Message", message);
    let form = menu
        .reply(crate::support::bot::REPLY_TIMEOUT)
        .await
        .expect("a form");
    assert_eq!(form.kind, 9, "the context menu opens a modal");
    menu
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_message_through_the_menu_deletes_records_strikes_and_logs() {
    use discord_double::OverwriteTarget;
    let app = spawn_app().await;
    app.configure("escalation", "none").await;
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;
    grant_manage_messages(&app);
    let bot = start_bot(&app, None).await;
    let message = app
        .discord
        .message_create(GENERAL, MEMBER, "free nitro https://scam.example");
    let vip_message = app.discord.message_create(GENERAL, VIP, "above you");
    app.discord.clear_requests();
    let nothing_changed = |app: &TestApp| {
        assert_eq!(deletes(app), (0, 0));
        assert_eq!(app.discord.channel_messages(GENERAL).len(), 2);
        assert!(app.discord.channel_messages(LOG_CHANNEL).is_empty());
    };
    let case_count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM mod_cases")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };

    // Points outside the type's range: one sentence with the range, nothing deleted.
    let menu = open_remove_form(&app, MODERATOR, message).await;
    let said = answer(&menu.submit_modal(vec![
        ("violation", "harassment"),
        ("details", "posted a scam link"),
        ("points", "7"),
    ]))
    .await;
    assert!(said.contains("between 2 and 3"), "{said}");
    nothing_changed(&app);

    // Someone else submitting the moderator's form (Discord shows a form only to who opened
    // it; a forged submission is still turned away).
    let custom_id = format!("gavel:rmmsg:{GENERAL}:{message}:{MODERATOR}");
    let forged = app.discord.submit_modal(
        GUILD,
        GENERAL,
        SENIOR_MOD,
        &custom_id,
        vec![("violation", "spam")],
    );
    let said = answer(&forged).await;
    assert!(said.contains("belongs to another moderator"), "{said}");
    nothing_changed(&app);

    // The author ranks above the moderator.
    let menu = open_remove_form(&app, MODERATOR, vip_message).await;
    let said = answer(&menu.submit_modal(vec![("violation", "spam")])).await;
    assert!(said.contains("at or above yours"), "{said}");
    nothing_changed(&app);

    // A moderator without Manage Messages in #general (an overwrite takes it away there).
    app.discord.set_permission_overwrite(
        GENERAL,
        OverwriteTarget::Role(ROLE_MOD),
        0,
        MANAGE_MESSAGES,
    );
    let menu =
        app.discord
            .invoke_message_command(GUILD, GENERAL, MODERATOR, "Remove Message", message);
    let said = crate::support::bot::text(
        &menu
            .reply(crate::support::bot::REPLY_TIMEOUT)
            .await
            .expect("an answer"),
    );
    assert!(said.contains("Manage Messages"), "{said}");
    nothing_changed(&app);
    assert_eq!(case_count().await, 0);
    app.discord
        .set_permission_overwrite(GENERAL, OverwriteTarget::Role(ROLE_MOD), 0, 0);

    // The moderator right-clicks the member's message and fills in the form.
    let menu = open_remove_form(&app, MODERATOR, message).await;
    let said = answer(&menu.submit_modal(vec![
        ("violation", "harassment"),
        ("details", "posted a scam link"),
        ("points", "3"),
    ]))
    .await;
    assert!(said.contains("Case #1"), "{said}");
    assert_eq!(remaining_by(&app, MEMBER), 0, "the message is gone");
    assert_eq!(remaining_by(&app, VIP), 1);
    let case = app.case_row(1).await;
    assert_eq!(case.action, ModAction::DeleteMessage);
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!((case.moderator_id, case.target_id), (MODERATOR, MEMBER));
    assert_eq!(case.violation_type, "harassment");
    assert_eq!(
        case.violation_details.as_deref(),
        Some("posted a scam link")
    );
    assert_eq!(case.strike_points, 3);
    let data = case.data.unwrap();
    assert_eq!(data["message_id"], json!(message.to_string()));
    assert_eq!(data["channel_id"], json!(GENERAL.to_string()));
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        3,
        "one strike of 3 points"
    );
    let delete = app.discord.requests_matching("DELETE", "/messages/");
    assert_eq!(delete.len(), 1);
    assert!(delete[0]
        .path
        .ends_with(&format!("/channels/{GENERAL}/messages/{message}")));
    assert_eq!(
        delete[0].audit_reason.as_deref(),
        Some("[#1] Message removed: posted a scam link")
    );
    let log = app.discord.channel_messages(LOG_CHANNEL);
    assert_eq!(log.len(), 1, "one mod-log post: {log:?}");
    let posted = log[0].to_string();
    assert!(
        posted.contains("#1") && posted.contains(&MEMBER.to_string()),
        "{posted}"
    );
    assert!(posted.contains("posted a scam link"), "{posted}");
    app.check_requests_against_spec();
    bot.stop().await.unwrap();
}
