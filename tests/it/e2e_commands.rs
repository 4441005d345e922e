//! The product as moderators see it: slash commands through the real bot (serenity + poise)
//! against the Discord double.

use crate::support::app::*;
use crate::support::bot::*;
use gavel::domain::{CaseState, ModAction};
use serde_json::json;

fn id(user: u64) -> serde_json::Value {
    json!(user.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ban_through_the_slash_command_changes_discord_records_the_case_and_replies_privately() {
    let t = spawn_bot().await;
    t.app
        .configure("log_channel", &LOG_CHANNEL.to_string())
        .await;

    let reply = t
        .command(
            MODERATOR,
            "mod ban",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("scam links in #general")),
                ("violation", json!("scam")),
                ("delete_message_days", json!(1)),
            ],
        )
        .await;

    assert!(reply.ephemeral, "{reply:?}");
    let shown = text(&reply);
    assert!(shown.contains("Case #1"), "{shown}");
    assert!(shown.contains("banned"), "{shown}");
    assert!(t.app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(
        t.app.discord.ban_reason(GUILD, MEMBER).as_deref(),
        Some("[#1] scam links in #general")
    );
    let case = t.app.case_row(1).await;
    assert_eq!(case.action, ModAction::Ban);
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(case.moderator_id, MODERATOR);
    assert_eq!(case.violation_type, "scam");
    let kinds: Vec<String> = t.app.events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec!["settings.changed", "case.opened", "case.applied"]
    );
    assert_eq!(t.app.discord.channel_messages(LOG_CHANNEL).len(), 1);
    // The double emits the audit-log entry Discord would for the bot's own ban: not recorded twice.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, total) = t
        .app
        .services
        .cases
        .cases_of_user(GUILD, MEMBER, 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 1);
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_command_works_end_to_end() {
    let t = spawn_bot().await;
    t.app
        .configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    t.app.configure("escalation", "none").await;

    let r = t
        .command(
            MODERATOR,
            "mod kick",
            vec![("user", id(OTHER_MEMBER)), ("reason", json!("spam"))],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    assert!(t.app.discord.member(GUILD, OTHER_MEMBER).is_none());

    let r = t
        .command(
            MODERATOR,
            "mod timeout",
            vec![("user", id(MEMBER)), ("duration", json!("10m"))],
        )
        .await;
    assert!(text(&r).contains("Case #2"), "{}", text(&r));
    assert!(t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .is_some());

    let r = t
        .command(
            MODERATOR,
            "mod mute text",
            vec![
                ("user", id(MEMBER)),
                ("duration", json!("1h")),
                ("reason", json!("flooding")),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #3"), "{}", text(&r));
    assert!(t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .roles
        .contains(&ROLE_MUTED_TEXT));

    let r = t
        .command(
            MODERATOR,
            "mod unmute",
            vec![("user", id(MEMBER)), ("type", json!("text"))],
        )
        .await;
    assert!(text(&r).contains("Case #4"), "{}", text(&r));
    assert!(!t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .roles
        .contains(&ROLE_MUTED_TEXT));

    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("be nice")),
                ("violation", json!("harassment")),
            ],
        )
        .await;
    let shown = text(&r);
    assert!(
        shown.contains("Case #5") && shown.contains("2 active strike points"),
        "{shown}"
    );

    let r = t
        .command(
            MODERATOR,
            "mod ban",
            vec![("user", id(STRANGER)), ("duration", json!("7d"))],
        )
        .await;
    assert!(text(&r).contains("for 1w"), "{}", text(&r));
    assert_eq!(t.app.case_row(6).await.action, ModAction::Tempban);

    let r = t
        .command(
            MODERATOR,
            "mod unban",
            vec![("user", id(STRANGER)), ("reason", json!("appeal"))],
        )
        .await;
    assert!(text(&r).contains("Case #7"), "{}", text(&r));
    assert!(!t.app.discord.is_banned(GUILD, STRANGER));

    let r = t
        .command(MODERATOR, "mod softban", vec![("user", id(MEMBER))])
        .await;
    assert!(text(&r).contains("Case #8"), "{}", text(&r));
    assert!(!t.app.discord.is_banned(GUILD, MEMBER));
    assert!(t.app.discord.member(GUILD, MEMBER).is_none());

    for n in 1..=8 {
        let case = t.app.case_row(n).await;
        assert_eq!(case.state, CaseState::Applied, "case {n}");
    }
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warn_reports_the_escalation_it_applies() {
    let t = spawn_bot().await;
    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("raid")),
                ("violation", json!("harassment")),
                ("points", json!(3)),
            ],
        )
        .await;
    let shown = text(&r);
    assert!(shown.contains("Escalation"), "{shown}");
    assert!(shown.contains("case #2"), "{shown}");
    assert_eq!(t.app.case_row(2).await.action, ModAction::Timeout);
    assert!(t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_make_no_discord_call_and_say_what_to_do() {
    let t = spawn_bot().await;
    // default_member_permissions hides /mod from ordinary members...
    let hidden = t
        .app
        .discord
        .try_invoke_command(
            GUILD,
            GENERAL,
            MEMBER,
            "mod ban",
            vec![("user", id(OTHER_MEMBER))],
        )
        .unwrap_err();
    assert!(hidden.contains("default_member_permissions"), "{hidden}");
    // ...and if an admin opens it to everyone under Integrations, Gavel still checks.
    t.app
        .discord
        .set_command_permission(GUILD, "mod", GUILD, true);
    t.app.discord.clear_requests();

    let r = t
        .command(MEMBER, "mod ban", vec![("user", id(OTHER_MEMBER))])
        .await;
    assert!(r.ephemeral);
    assert!(
        text(&r).contains("Ban Members permission or a moderator role"),
        "{}",
        text(&r)
    );

    let r = t
        .command(MODERATOR, "mod kick", vec![("user", id(SENIOR_MOD))])
        .await;
    assert!(text(&r).contains("at or above yours"), "{}", text(&r));

    let r = t.command(OWNER, "mod ban", vec![("user", id(VIP))]).await;
    assert!(text(&r).contains("at or above Gavel's"), "{}", text(&r));

    let r = t
        .command(
            MODERATOR,
            "mod timeout",
            vec![("user", id(MEMBER)), ("duration", json!("soon"))],
        )
        .await;
    assert!(text(&r).contains("not a valid duration"), "{}", text(&r));

    let r = t.command(MODERATOR, "mod config view", vec![]).await;
    assert!(text(&r).contains("Only server admins"), "{}", text(&r));

    let changes: Vec<_> = t
        .app
        .discord
        .requests()
        .into_iter()
        .filter(|r| {
            r.method != "GET"
                && !r.path.contains("/interactions/")
                && !r.path.contains("/webhooks/")
        })
        .collect();
    assert!(changes.is_empty(), "no Discord change: {changes:?}");
    let (cases, _) = t
        .app
        .services
        .cases
        .cases_of_user(GUILD, MEMBER, 0, 10)
        .await
        .unwrap();
    assert!(cases.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mod_role_admits_members_without_the_discord_permission() {
    let t = spawn_bot().await;
    const HELPER_ROLE: u64 = 200_000_000_000_000_050;
    t.app.discord.add_role(GUILD, HELPER_ROLE, "Helper", 4, 0);
    t.app
        .discord
        .set_member_roles(GUILD, OTHER_MEMBER, &[HELPER_ROLE]);
    t.app
        .discord
        .set_command_permission(GUILD, "mod", HELPER_ROLE, true);
    let r = t
        .command(
            OTHER_MEMBER,
            "mod warn",
            vec![("user", id(MEMBER)), ("reason", json!("x"))],
        )
        .await;
    assert!(
        text(&r).contains("Moderate Members permission"),
        "{}",
        text(&r)
    );

    t.app.configure("mod_roles", &HELPER_ROLE.to_string()).await;
    let r = t
        .command(
            OTHER_MEMBER,
            "mod warn",
            vec![("user", id(MEMBER)), ("reason", json!("x"))],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_errors_come_back_as_clear_messages_and_failed_cases() {
    let t = spawn_bot().await;
    t.app
        .discord
        .fail_next("DELETE", "/members/", 403, 50013, "Missing Permissions");
    let r = t
        .command(MODERATOR, "mod kick", vec![("user", id(MEMBER))])
        .await;
    let shown = text(&r);
    assert!(shown.contains("Case #1 · failed"), "{shown}");
    assert!(shown.contains("lacks the permission"), "{shown}");
    assert_eq!(t.app.case_row(1).await.state, CaseState::Failed);
    assert!(t.app.discord.member(GUILD, MEMBER).is_some());

    let r = t
        .command(MODERATOR, "mod unban", vec![("user", id(STRANGER))])
        .await;
    assert!(
        text(&r).contains("That user is not banned."),
        "{}",
        text(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_history_notes_flags_and_config_work_from_discord() {
    let t = spawn_bot().await;
    let r = t
        .command(
            ADMIN,
            "mod config set",
            vec![("setting", json!("escalation")), ("value", json!("none"))],
        )
        .await;
    assert!(text(&r).contains("escalation: none"), "{}", text(&r));
    let r = t.command(ADMIN, "mod config view", vec![]).await;
    assert!(text(&r).contains("dm_on_action: on"), "{}", text(&r));
    let r = t
        .command(
            ADMIN,
            "mod config set",
            vec![
                ("setting", json!("strike_expiry_days")),
                ("value", json!("zero")),
            ],
        )
        .await;
    assert!(text(&r).contains("not a number of days"), "{}", text(&r));

    for i in 0..7 {
        let r = t
            .command(
                MODERATOR,
                "mod warn",
                vec![
                    ("user", id(MEMBER)),
                    ("reason", json!(format!("warning {i}"))),
                ],
            )
            .await;
        assert!(
            text(&r).contains(&format!("Case #{}", i + 1)),
            "{}",
            text(&r)
        );
    }
    let r = t
        .command(MODERATOR, "mod case view", vec![("number", json!(3))])
        .await;
    assert!(text(&r).contains("warning 2"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod case edit",
            vec![
                ("number", json!(3)),
                ("reason", json!("edited")),
                ("violation", json!("spam")),
            ],
        )
        .await;
    let shown = text(&r);
    assert!(
        shown.contains("edited") && shown.contains("spam"),
        "{shown}"
    );
    let r = t
        .command(MODERATOR, "mod case close", vec![("number", json!(3))])
        .await;
    assert!(text(&r).contains("Closed"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod case void",
            vec![("number", json!(4)), ("reason", json!("duplicate"))],
        )
        .await;
    assert!(text(&r).contains("Void"), "{}", text(&r));
    let r = t
        .command(MODERATOR, "mod case view", vec![("number", json!(99))])
        .await;
    assert!(text(&r).contains("There is no case #99"), "{}", text(&r));

    let r = t
        .command(
            MODERATOR,
            "mod notes add",
            vec![("user", id(MEMBER)), ("content", json!("talks to alts"))],
        )
        .await;
    assert!(text(&r).contains("Note #1 added"), "{}", text(&r));
    let r = t
        .command(MODERATOR, "mod notes view", vec![("user", id(MEMBER))])
        .await;
    assert!(text(&r).contains("talks to alts"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod flag set",
            vec![("user", id(MEMBER)), ("flag", json!("under review"))],
        )
        .await;
    assert!(text(&r).contains("flagged under review"), "{}", text(&r));

    // History: 7 cases, 5 a page, paged with buttons only the viewer can press.
    let r = t
        .command(MODERATOR, "mod history", vec![("user", id(MEMBER))])
        .await;
    let shown = text(&r);
    assert!(
        shown.contains("7 cases") && shown.contains("page 1 of 2"),
        "{shown}"
    );
    assert!(
        shown.contains("under review") && shown.contains("Notes: 1"),
        "{shown}"
    );
    let next = custom_ids(&r)
        .into_iter()
        .find(|c| c.ends_with(&format!(":1:{MODERATOR}")))
        .expect("a Next button");
    let message = r.message_id.expect("the history reply is a message");
    let other = t
        .app
        .discord
        .press_button(GUILD, GENERAL, SENIOR_MOD, message, &next)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&other).contains("Only the moderator who opened"),
        "{}",
        text(&other)
    );
    let page2 = t
        .app
        .discord
        .press_button(GUILD, GENERAL, MODERATOR, message, &next)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(page2.kind, 7, "the history message is updated in place");
    assert!(
        text(&page2).contains("page 2 of 2") && text(&page2).contains("#1"),
        "{}",
        text(&page2)
    );

    let r = t
        .command(MODERATOR, "mod notes delete", vec![("id", json!(1))])
        .await;
    assert!(text(&r).contains("Note #1 deleted"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod flag clear",
            vec![("user", id(MEMBER)), ("flag", json!("under review"))],
        )
        .await;
    assert!(text(&r).contains("no longer flagged"), "{}", text(&r));
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_acts_through_buttons_menus_and_modals() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    assert!(
        text(&panel).contains("Moderation panel"),
        "{}",
        text(&panel)
    );
    let message = panel.message_id.expect("the panel is a message");
    let ids = custom_ids(&panel);
    let menu = ids
        .iter()
        .find(|c| c.starts_with("gavel:panelpick:"))
        .unwrap()
        .clone();

    // Another moderator cannot use it.
    let warn_button = ids
        .iter()
        .find(|c| c.starts_with("gavel:panel:warn:"))
        .unwrap()
        .clone();
    let refused = t
        .app
        .discord
        .press_button(GUILD, GENERAL, SENIOR_MOD, message, &warn_button)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&refused).contains("belongs to another moderator"),
        "{}",
        text(&refused)
    );

    // Pick a violation type: the panel updates and its buttons carry it.
    let picked = t
        .app
        .discord
        .select_option(GUILD, GENERAL, MODERATOR, message, &menu, vec!["v.spam"])
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(picked.kind, 7);
    assert!(text(&picked).contains("Spam"), "{}", text(&picked));
    let warn_button = custom_ids(&picked)
        .into_iter()
        .find(|c| c.starts_with("gavel:panel:warn:") && c.ends_with(":v.spam"))
        .expect("the warn button carries the pick");

    let modal = t
        .app
        .discord
        .press_button(GUILD, GENERAL, MODERATOR, message, &warn_button)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(modal.kind, 9, "a button opens a modal");
    let modal_id = modal.modal.as_ref().unwrap()["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            &modal_id,
            vec![("reason", "invite spam")],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(done.ephemeral);
    assert!(text(&done).contains("Case #1"), "{}", text(&done));
    let case = t.app.case_row(1).await;
    assert_eq!(case.action, ModAction::Warn);
    assert_eq!(case.violation_type, "spam");
    assert_eq!(case.source, "panel");
    assert_eq!(case.reason.as_deref(), Some("invite spam"));

    // Timeout from the panel, with a duration.
    let timeout_button = custom_ids(&picked)
        .into_iter()
        .find(|c| c.starts_with("gavel:panel:timeout:"))
        .unwrap();
    let modal = t
        .app
        .discord
        .press_button(GUILD, GENERAL, MODERATOR, message, &timeout_button)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    let modal_id = modal.modal.as_ref().unwrap()["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            &modal_id,
            vec![("reason", "cool down"), ("duration", "15m")],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(text(&done).contains("Case #2"), "{}", text(&done));
    assert_eq!(t.app.case_row(2).await.duration_secs, Some(900));
    assert!(t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violation_options_autocomplete_from_the_taxonomy() {
    let t = spawn_bot().await;
    let reply = t
        .app
        .discord
        .autocomplete(
            GUILD,
            GENERAL,
            MODERATOR,
            "mod warn",
            vec![("user", id(MEMBER)), ("violation", json!("hara"))],
            "violation",
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(reply.kind, 8);
    let values: Vec<&str> = reply
        .choices
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    assert_eq!(values, vec!["harassment"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_the_bot_mid_run_loses_nothing() {
    let mut t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    t.command(
        MODERATOR,
        "mod warn",
        vec![("user", id(MEMBER)), ("reason", json!("first"))],
    )
    .await;
    t.command(
        MODERATOR,
        "mod ban",
        vec![("user", id(STRANGER)), ("duration", json!("3d"))],
    )
    .await;
    t.restart().await;
    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![("user", id(MEMBER)), ("reason", json!("second"))],
        )
        .await;
    assert!(text(&r).contains("Case #3"), "{}", text(&r));
    let r = t
        .command(MODERATOR, "mod history", vec![("user", id(MEMBER))])
        .await;
    assert!(text(&r).contains("2 cases"), "{}", text(&r));
    assert!(
        gavel::store::tempbans::active_for_user(&t.app.db.pool, GUILD, STRANGER)
            .await
            .unwrap()
            .is_some()
    );
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM mod_cases WHERE state = 'PENDING'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    t.bot.take().unwrap().stop().await.expect("exits cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_template_picked_in_the_panel_fills_the_form() {
    use gavel::services::templates::TemplateInput;
    let t = spawn_bot().await;
    let template = t
        .app
        .services
        .templates
        .save(
            GUILD,
            ADMIN,
            TemplateInput {
                name: "scam",
                action: ModAction::Tempban,
                reason: Some("Posting scam links"),
                violation: Some("scam"),
                duration: Some(std::time::Duration::from_secs(3 * 86_400)),
                points: None,
            },
        )
        .await
        .unwrap();
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    let menu = custom_ids(&panel)
        .into_iter()
        .find(|c| c.starts_with("gavel:panelpick:"))
        .unwrap();
    let modal = t
        .app
        .discord
        .select_option(
            GUILD,
            GENERAL,
            MODERATOR,
            panel.message_id.unwrap(),
            &menu,
            vec![&format!("t.{}", template.id)],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(modal.kind, 9, "picking a template opens its form");
    let form = modal.modal.unwrap();
    let prefilled = form.to_string();
    assert!(
        prefilled.contains("Posting scam links") && prefilled.contains("3d"),
        "{prefilled}"
    );
    let done = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            form["custom_id"].as_str().unwrap(),
            vec![("reason", "Posting scam links"), ("duration", "3d")],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(text(&done).contains("Case #1"), "{}", text(&done));
    let case = t.app.case_row(1).await;
    assert_eq!(case.action, ModAction::Tempban);
    assert_eq!(case.violation_type, "scam");
    assert_eq!(case.strike_points, 5);
    assert!(t.app.discord.is_banned(GUILD, MEMBER));
}
