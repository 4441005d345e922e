//! Issue 10, recording who and why: violation, details and points on every strike-adding
//! command and panel form; case templates and violation types managed from Discord.

use crate::support::app::*;
use crate::support::bot::*;
use gavel::domain::{CaseState, ModAction};
use serde_json::json;

fn id(user: u64) -> serde_json::Value {
    json!(user.to_string())
}

async fn case_count(t: &TestBot) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mod_cases")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strike_adding_commands_record_violation_details_and_points() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    t.app
        .configure("log_channel", &LOG_CHANNEL.to_string())
        .await;
    t.app
        .configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;

    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("invite links")),
                ("violation", json!("spam")),
                (
                    "details",
                    json!("posted discord.gg links in #general five times"),
                ),
                ("points", json!(2)),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    let case = t.app.case_row(1).await;
    assert_eq!(case.violation_type, "spam");
    assert_eq!(case.strike_points, 2);
    assert_eq!(
        case.violation_details.as_deref(),
        Some("posted discord.gg links in #general five times")
    );
    let logged = text_of_messages(&t, LOG_CHANNEL);
    assert!(
        logged.contains("Details") && logged.contains("five times"),
        "{logged}"
    );

    // Each of the other strike-adding commands takes the same three.
    for (command, extra, action) in [
        (
            "mod timeout",
            vec![("duration", json!("10m"))],
            ModAction::Timeout,
        ),
        ("mod mute text", vec![], ModAction::Mute),
        ("mod kick", vec![], ModAction::Kick),
        ("mod softban", vec![], ModAction::Softban),
    ] {
        let user = if action == ModAction::Kick || action == ModAction::Softban {
            OTHER_MEMBER
        } else {
            MEMBER
        };
        if action == ModAction::Softban {
            t.app.discord.add_member(GUILD, OTHER_MEMBER, &[]);
        }
        let mut options = vec![
            ("user", id(user)),
            ("violation", json!("harassment")),
            ("details", json!(format!("{command}: insults in voice"))),
            ("points", json!(3)),
        ];
        options.extend(extra);
        let r = t.command(MODERATOR, command, options).await;
        assert!(text(&r).contains("Case #"), "{command}: {}", text(&r));
        let number: i32 = sqlx::query_scalar("SELECT max(case_number) FROM mod_cases")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
        let case = t.app.case_row(number).await;
        assert_eq!(case.action, action, "{command}");
        assert_eq!(case.state, CaseState::Applied, "{command}");
        assert_eq!(case.violation_type, "harassment", "{command}");
        assert_eq!(case.strike_points, 3, "{command}");
        assert_eq!(
            case.violation_details.as_deref(),
            Some(format!("{command}: insults in voice").as_str())
        );
    }

    // Points outside the type's range: refused with the range, nothing changed.
    let before = case_count(&t).await;
    let r = t
        .command(
            MODERATOR,
            "mod ban",
            vec![
                ("user", id(STRANGER)),
                ("violation", json!("spam")),
                ("points", json!(5)),
            ],
        )
        .await;
    assert!(text(&r).contains("between 1 and 2"), "{}", text(&r));
    assert!(!t.app.discord.is_banned(GUILD, STRANGER));
    let r = t
        .command(
            MODERATOR,
            "mod ban",
            vec![("user", id(STRANGER)), ("points", json!(1))],
        )
        .await;
    assert!(text(&r).contains("violation type"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod softban",
            vec![("user", id(MEMBER)), ("violation", json!("jaywalking"))],
        )
        .await;
    assert!(
        text(&r).contains("not a violation type here"),
        "{}",
        text(&r)
    );
    assert_eq!(case_count(&t).await, before, "refusals open no case");
    assert!(t.app.discord.member(GUILD, MEMBER).is_some());
    t.app.check_requests_against_spec();
}

fn text_of_messages(t: &TestBot, channel: u64) -> String {
    t.app
        .discord
        .channel_messages(channel)
        .iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panel_forms_take_details_and_points_within_the_range() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    let message = panel.message_id.unwrap();
    let menu = custom_ids(&panel)
        .into_iter()
        .find(|c| c.starts_with("gavel:panelpick:"))
        .unwrap();
    let picked = t
        .app
        .discord
        .select_option(GUILD, GENERAL, MODERATOR, message, &menu, vec!["v.spam"])
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    let warn = custom_ids(&picked)
        .into_iter()
        .find(|c| c.starts_with("gavel:panel:warn:"))
        .unwrap();
    let open_form = || async {
        let modal = t
            .app
            .discord
            .press_button(GUILD, GENERAL, MODERATOR, message, &warn)
            .reply(REPLY_TIMEOUT)
            .await
            .unwrap();
        modal.modal.unwrap()
    };
    let form = open_form().await;
    let shown = form.to_string();
    assert!(
        shown.contains("Violation details") && shown.contains("Strike points (1-2)"),
        "{shown}"
    );
    // A form is submitted once (as in Discord): each attempt opens it again.
    let form_id = form["custom_id"].as_str().unwrap().to_string();

    let refused = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            &form_id,
            vec![("reason", "spam"), ("points", "9")],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&refused).contains("between 1 and 2"),
        "{}",
        text(&refused)
    );
    open_form().await;
    let refused = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            &form_id,
            vec![("reason", "spam"), ("points", "two")],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&refused).contains("not a number of strike points"),
        "{}",
        text(&refused)
    );
    assert_eq!(case_count(&t).await, 0);

    open_form().await;
    let done = t
        .app
        .discord
        .submit_modal(
            GUILD,
            GENERAL,
            MODERATOR,
            &form_id,
            vec![
                ("reason", "invite spam"),
                ("details", "three invite links in a minute"),
                ("points", "2"),
            ],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(text(&done).contains("Case #1"), "{}", text(&done));
    let case = t.app.case_row(1).await;
    assert_eq!(case.strike_points, 2);
    assert_eq!(
        case.violation_details.as_deref(),
        Some("three invite links in a minute")
    );
    assert_eq!(case.source, "panel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_templates_are_managed_from_discord() {
    let t = spawn_bot().await;
    let add = |name: &'static str, extra: Vec<(&'static str, serde_json::Value)>| {
        let mut options = vec![("name", json!(name)), ("action", json!("warn"))];
        options.extend(extra);
        options
    };

    // Moderators may list but not change templates.
    let r = t
        .command(MODERATOR, "mod template add", add("spam", vec![]))
        .await;
    assert!(text(&r).contains("Manage Server"), "{}", text(&r));

    let r = t
        .command(
            ADMIN,
            "mod template add",
            add(
                "spam",
                vec![
                    ("violation", json!("spam")),
                    ("reason", json!("Spamming")),
                    ("points", json!(2)),
                ],
            ),
        )
        .await;
    assert!(text(&r).contains("Template spam saved"), "{}", text(&r));
    let r = t
        .command(
            ADMIN,
            "mod template add",
            vec![
                ("name", json!("scam")),
                ("action", json!("ban")),
                ("violation", json!("scam")),
                ("duration", json!("3d")),
            ],
        )
        .await;
    assert!(text(&r).contains("tempban"), "{}", text(&r));

    // Refusals, each a plain sentence and nothing saved.
    for (options, expected) in [
        (
            add(
                "bad",
                vec![("violation", json!("spam")), ("points", json!(5))],
            ),
            "between 1 and 2",
        ),
        (add("bad", vec![("points", json!(1))]), "violation type"),
        (
            add("bad", vec![("violation", json!("jaywalking"))]),
            "not a violation type",
        ),
        (
            vec![("name", json!("bad")), ("action", json!("timeout"))],
            "needs a duration",
        ),
        (
            add("bad", vec![("duration", json!("1h"))]),
            "cannot have a duration",
        ),
        (add("bad", vec![("duration", json!("soon"))]), "soon"),
    ] {
        let r = t.command(ADMIN, "mod template add", options).await;
        assert!(text(&r).contains(expected), "{expected}: {}", text(&r));
    }

    let r = t.command(MODERATOR, "mod template list", vec![]).await;
    let listed = text(&r);
    assert!(
        listed.contains("spam") && listed.contains("2 strike points") && listed.contains("scam"),
        "{listed}"
    );
    assert!(!listed.contains("bad"), "{listed}");

    // The panel's form is filled with the template's points.
    let template = t.app.services.templates.get(GUILD, "spam").await.unwrap();
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
    let form = modal.modal.unwrap();
    let points = form["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|c| c["custom_id"] == "points")
        .expect("a points field");
    assert_eq!(points["value"], "2");

    let r = t
        .command(
            MODERATOR,
            "mod template delete",
            vec![("name", json!("spam"))],
        )
        .await;
    assert!(text(&r).contains("Manage Server"), "{}", text(&r));
    let r = t
        .command(ADMIN, "mod template delete", vec![("name", json!("SPAM"))])
        .await;
    assert!(text(&r).contains("Template deleted"), "{}", text(&r));
    let r = t
        .command(ADMIN, "mod template delete", vec![("name", json!("spam"))])
        .await;
    assert!(text(&r).contains("no template named"), "{}", text(&r));
    let kinds: Vec<String> = t.app.events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| k.starts_with("template.")).count(),
        3,
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violation_types_are_managed_from_discord() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    let ticket = vec![
        ("key", json!("ticket_abuse")),
        ("label", json!("Ticket abuse")),
        ("points", json!("0-2")),
        ("message", json!("Tickets are for support requests.")),
    ];
    let r = t
        .command(MODERATOR, "mod violation add", ticket.clone())
        .await;
    assert!(text(&r).contains("Manage Server"), "{}", text(&r));

    let r = t.command(ADMIN, "mod violation add", ticket.clone()).await;
    assert!(text(&r).contains("Violation type added"), "{}", text(&r));
    let r = t.command(ADMIN, "mod violation add", ticket).await;
    assert!(text(&r).contains("already exists"), "{}", text(&r));
    for (key, points, expected) in [
        ("Bad Key", "1", "not a valid key"),
        ("unspecified", "1", "reserved"),
        ("lots", "3-1", "not a strike weight"),
        ("lots", "101", "at most 100"),
    ] {
        let r = t
            .command(
                ADMIN,
                "mod violation add",
                vec![
                    ("key", json!(key)),
                    ("label", json!("x")),
                    ("points", json!(points)),
                    ("message", json!("x")),
                ],
            )
            .await;
        assert!(text(&r).contains(expected), "{expected}: {}", text(&r));
    }

    // A default type overridden: its new range applies to the next warning.
    let r = t
        .command(
            ADMIN,
            "mod violation edit",
            vec![("key", json!("spam")), ("points", json!("1-4"))],
        )
        .await;
    assert!(text(&r).contains("1-4"), "{}", text(&r));
    let r = t
        .command(ADMIN, "mod violation edit", vec![("key", json!("spam"))])
        .await;
    assert!(text(&r).contains("Give a new"), "{}", text(&r));
    let r = t
        .command(
            ADMIN,
            "mod violation edit",
            vec![("key", json!("jaywalking")), ("label", json!("J"))],
        )
        .await;
    assert!(text(&r).contains("not a violation type"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("spam")),
                ("violation", json!("spam")),
                ("points", json!(4)),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    assert_eq!(t.app.case_row(1).await.strike_points, 4);

    // A disabled type can no longer be picked.
    let r = t
        .command(ADMIN, "mod violation disable", vec![("key", json!("nsfw"))])
        .await;
    assert!(text(&r).contains("disabled"), "{}", text(&r));
    let r = t
        .command(
            MODERATOR,
            "mod warn",
            vec![
                ("user", id(MEMBER)),
                ("reason", json!("x")),
                ("violation", json!("nsfw")),
            ],
        )
        .await;
    assert!(
        text(&r).contains("not a violation type here"),
        "{}",
        text(&r)
    );

    let r = t.command(MODERATOR, "mod violation list", vec![]).await;
    let listed = text(&r);
    assert!(
        listed.contains("ticket_abuse")
            && listed.contains("1-4 strike points · this server's")
            && listed.contains("Disabled: nsfw"),
        "{listed}"
    );
    let changes = t
        .app
        .events()
        .await
        .into_iter()
        .filter(|e| e.details.as_deref() == Some("violation_type"))
        .count();
    assert_eq!(changes, 3, "add, edit and disable are events");
}
