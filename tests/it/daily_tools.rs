//! The tools moderators reach for every day: lifting a timeout, reopening a case, voiding a
//! case's strikes, flags with a reason, and the panel's reversal buttons and ban form; end to
//! end through the real bot and the Discord double, refusals included.

use crate::support::app::*;
use crate::support::bot::*;
use discord_double::Reply;
use gavel::config::JobsConfig;
use gavel::discord::serenity_port::{build_http, SerenityPort};
use gavel::domain::{CaseState, CaseStatus, ModAction};
use gavel::jobs::{reconcile, JobContext};
use gavel::ports::discord::DiscordPort;
use gavel::services::ActionRequest;
use gavel::store::{cases, timeout_renewals};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

fn id(user: u64) -> serde_json::Value {
    json!(user.to_string())
}

fn timed_out(t: &TestBot, user: u64) -> bool {
    t.app
        .discord
        .member(GUILD, user)
        .and_then(|m| m.communication_disabled_until)
        .is_some()
}

async fn case_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mod_cases")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Discord calls that change something (not reads, not interaction answers).
fn changes(app: &TestApp) -> Vec<String> {
    app.discord
        .requests()
        .into_iter()
        .filter(|r| {
            r.method != "GET"
                && !r.path.contains("/interactions/")
                && !r.path.contains("/webhooks/")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn opens_member_to_mod(t: &TestBot) {
    // An admin opened /mod to everyone under Integrations; Gavel still checks.
    t.app
        .discord
        .set_command_permission(GUILD, "mod", GUILD, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untimeout_lifts_the_timeout_through_the_case_flow_and_ends_its_renewal() {
    let t = spawn_bot().await;
    t.app
        .configure("log_channel", &LOG_CHANNEL.to_string())
        .await;
    let r = t
        .command(
            MODERATOR,
            "mod timeout",
            vec![
                ("user", id(MEMBER)),
                ("duration", json!("60d")),
                ("reason", json!("raid")),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    let timeout_case = t.app.case_row(1).await;
    let renewal = timeout_renewals::get(&t.app.db.pool, timeout_case.id)
        .await
        .unwrap()
        .expect("a 60-day timeout is renewed");
    assert!(renewal.active);

    let r = t
        .command(
            MODERATOR,
            "mod untimeout",
            vec![("user", id(MEMBER)), ("reason", json!("appealed"))],
        )
        .await;
    assert!(r.ephemeral);
    let shown = text(&r);
    assert!(shown.contains("Case #2"), "{shown}");
    assert!(shown.contains("released from timeout"), "{shown}");
    assert!(!timed_out(&t, MEMBER));
    let patch = t
        .app
        .discord
        .requests_matching("PATCH", &format!("/members/{MEMBER}"))
        .pop()
        .unwrap();
    assert_eq!(patch.audit_reason.as_deref(), Some("[#2] appealed"));
    assert_eq!(
        patch.body.unwrap()["communication_disabled_until"],
        serde_json::Value::Null
    );

    let case = t.app.case_row(2).await;
    assert_eq!(case.action, ModAction::Untimeout);
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(case.moderator_id, MODERATOR);
    assert_eq!(case.strike_points, 0);
    let renewal = timeout_renewals::get(&t.app.db.pool, timeout_case.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!renewal.active, "the renewal ended with the timeout");
    assert_eq!(renewal.end_reason.as_deref(), Some("lifted in case #2"));
    let job_left: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE id = $1")
        .bind(renewal.job_id.as_deref().unwrap())
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(job_left, 0, "the renewal job is cancelled");

    let events: Vec<_> = t
        .app
        .events()
        .await
        .into_iter()
        .filter(|e| e.case_id == Some(case.id))
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["case.opened", "case.applied"]);
    assert!(events.iter().all(|e| e.actor_id == MODERATOR));
    // Both cases were posted to the mod log.
    assert_eq!(t.app.discord.channel_messages(LOG_CHANNEL).len(), 2);
    // The audit-log entry of Gavel's own untimeout carries [#2] and is not recorded twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(case_count(&t.app).await, 2);
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untimeout_refuses_without_permission_rank_a_timeout_or_membership() {
    let t = spawn_bot().await;
    // The owner times the senior moderator out: case #1.
    let r = t
        .command(
            OWNER,
            "mod timeout",
            vec![("user", id(SENIOR_MOD)), ("duration", json!("1h"))],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    opens_member_to_mod(&t);
    t.app.discord.clear_requests();

    let r = t
        .command(MEMBER, "mod untimeout", vec![("user", id(SENIOR_MOD))])
        .await;
    assert!(
        text(&r).contains("Moderate Members permission or a moderator role"),
        "{}",
        text(&r)
    );
    let r = t
        .command(MODERATOR, "mod untimeout", vec![("user", id(SENIOR_MOD))])
        .await;
    assert!(text(&r).contains("at or above yours"), "{}", text(&r));
    let r = t
        .command(MODERATOR, "mod untimeout", vec![("user", id(MEMBER))])
        .await;
    assert_eq!(text(&r).trim(), format!("⛔ <@{MEMBER}> is not timed out."));
    let r = t
        .command(MODERATOR, "mod untimeout", vec![("user", id(STRANGER))])
        .await;
    assert!(
        text(&r).contains("not a member of this server"),
        "{}",
        text(&r)
    );

    assert!(changes(&t.app).is_empty(), "{:?}", changes(&t.app));
    assert_eq!(case_count(&t.app).await, 1, "no case for a refusal");
    assert!(timed_out(&t, SENIOR_MOD));
}

async fn job_context(app: &TestApp) -> JobContext {
    let pool = PgPool::connect(&app.db.url).await.expect("a second pool");
    let http = Arc::new(build_http(
        "test-token",
        Some(&app.discord.base_url()),
        gavel::config::DEFAULT_DISCORD_REQUEST_TIMEOUT,
    ));
    let port: Arc<dyn DiscordPort> = Arc::new(SerenityPort::connect(http).await.unwrap());
    JobContext::new(pool, port, JobsConfig::default())
}

async fn pending_untimeout(app: &TestApp, target: u64) -> cases::Case {
    let mut conn = app.db.pool.acquire().await.unwrap();
    cases::insert(
        &mut conn,
        &cases::NewCase {
            guild_id: GUILD,
            action: ModAction::Untimeout,
            state: CaseState::Pending,
            moderator_id: MODERATOR,
            target_id: target,
            reason: Some("appealed"),
            violation_type: "unspecified",
            violation_details: None,
            strike_points: 0,
            duration_secs: None,
            expires_at: None,
            source: "command",
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn reconciliation_settles_a_pending_untimeout_from_discord_and_ends_the_renewal() {
    let app = spawn_app().await;
    for target in [MEMBER, OTHER_MEMBER] {
        let result = app
            .services
            .moderation
            .timeout(
                ActionRequest::new(GUILD, MODERATOR, target),
                Duration::from_secs(60 * 86_400),
            )
            .await
            .unwrap();
        assert!(result.success, "{result:?}");
    }
    // A crash after Discord lifted MEMBER's timeout (case #3), and one before it lifted
    // OTHER_MEMBER's (case #4).
    let lifted = pending_untimeout(&app, MEMBER).await;
    app.discord
        .moderator_timeout(GUILD, BOT, MEMBER, None, Some("[#3] appealed"));
    let not_lifted = pending_untimeout(&app, OTHER_MEMBER).await;

    let ctx = job_context(&app).await;
    let settled = reconcile::settle_pending_cases(&ctx, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(settled, 2);
    assert_eq!(app.case_row(3).await.state, CaseState::Applied);
    let failed = app.case_row(4).await;
    assert_eq!(failed.state, CaseState::Failed);
    assert!(
        failed
            .failure
            .as_deref()
            .unwrap()
            .contains("still timed out"),
        "{:?}",
        failed.failure
    );
    let renewal_of = |case_number: i32| {
        let pool = app.db.pool.clone();
        async move {
            let case = cases::get(&pool, GUILD, case_number)
                .await
                .unwrap()
                .unwrap();
            timeout_renewals::get(&pool, case.id)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let ended = renewal_of(1).await;
    assert!(!ended.active, "MEMBER's timeout is gone: no renewal");
    assert_eq!(ended.end_reason.as_deref(), Some("lifted in case #3"));
    assert!(
        renewal_of(2).await.active,
        "OTHER_MEMBER is still timed out"
    );
    let reconciled: Vec<_> = app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "case.reconciled")
        .map(|e| e.case_id.unwrap())
        .collect();
    assert_eq!(reconciled.len(), 2);
    assert!(reconciled.contains(&lifted.id) && reconciled.contains(&not_lifted.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_case_can_be_reopened_but_not_a_void_one_nor_by_the_wrong_person() {
    let t = spawn_bot().await;
    for (moderator, target) in [
        (MODERATOR, MEMBER),     // #1
        (MODERATOR, MEMBER),     // #2
        (SENIOR_MOD, MEMBER),    // #3
        (SENIOR_MOD, MODERATOR), // #4
    ] {
        let r = t
            .command(
                moderator,
                "mod warn",
                vec![("user", id(target)), ("reason", json!("x"))],
            )
            .await;
        assert!(text(&r).contains("Case #"), "{}", text(&r));
    }
    for number in [1, 3, 4] {
        t.command(
            SENIOR_MOD,
            "mod case close",
            vec![("number", json!(number))],
        )
        .await;
        assert_eq!(t.app.case_row(number).await.status, CaseStatus::Closed);
    }
    t.command(
        MODERATOR,
        "mod case void",
        vec![("number", json!(2)), ("reason", json!("wrong user"))],
    )
    .await;

    let r = t
        .command(
            MODERATOR,
            "mod case reopen",
            vec![("number", json!(1)), ("reason", json!("they did it again"))],
        )
        .await;
    assert!(text(&r).contains("Case status: Open"), "{}", text(&r));
    let case = t.app.case_row(1).await;
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!((case.closed_at, case.closed_by), (None, None));
    let event = t
        .app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "case.reopened")
        .expect("a case.reopened event");
    assert_eq!(event.actor_id, MODERATOR);
    assert_eq!(event.case_id, Some(case.id));
    assert_eq!(event.details.as_deref(), Some("they did it again"));
    assert_eq!(event.data["closed_by"], json!(SENIOR_MOD.to_string()));

    let refused = |number: i32, actor: u64| {
        let t = &t;
        async move {
            text(
                &t.command(actor, "mod case reopen", vec![("number", json!(number))])
                    .await,
            )
        }
    };
    assert!(refused(1, MODERATOR).await.contains("already open"));
    let void = refused(2, MODERATOR).await;
    assert!(
        void.contains("is void") && void.contains("cannot be reopened"),
        "{void}"
    );
    let senior = refused(3, MODERATOR).await;
    assert!(senior.contains("ranked at or above you"), "{senior}");
    let own = refused(4, MODERATOR).await;
    assert!(own.contains("about yourself"), "{own}");
    assert!(refused(99, MODERATOR).await.contains("no case #99"));
    opens_member_to_mod(&t);
    let member = refused(3, MEMBER).await;
    assert!(member.contains("Moderate Members permission"), "{member}");

    assert_eq!(t.app.case_row(3).await.status, CaseStatus::Closed);
    assert_eq!(t.app.case_row(4).await.status, CaseStatus::Closed);
    assert_eq!(t.app.case_row(2).await.status, CaseStatus::Void);
    let reopened = t
        .app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "case.reopened")
        .count();
    assert_eq!(reopened, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strike_void_voids_a_cases_strikes_and_the_case_stands() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    for (moderator, violation) in [(MODERATOR, "spam"), (SENIOR_MOD, "harassment")] {
        let r = t
            .command(
                moderator,
                "mod warn",
                vec![
                    ("user", id(MEMBER)),
                    ("reason", json!("x")),
                    ("violation", json!(violation)),
                ],
            )
            .await;
        assert!(text(&r).contains("Case #"), "{}", text(&r));
    }
    let spam_points = t.app.case_row(1).await.strike_points;
    let harassment_points = t.app.case_row(2).await.strike_points;
    assert!(spam_points > 0 && harassment_points > 0);

    let r = t
        .command(
            MODERATOR,
            "mod strike void",
            vec![("case", json!(1)), ("reason", json!("misread the rule"))],
        )
        .await;
    let shown = text(&r);
    assert!(shown.contains("Strikes voided"), "{shown}");
    assert!(shown.contains("case #1 voided; the case stands"), "{shown}");
    assert!(
        shown.contains(&format!("{harassment_points} active strike points")),
        "the standing counts only case #2: {shown}"
    );
    let case = t.app.case_row(1).await;
    assert_eq!(case.status, CaseStatus::Open, "the case is not voided");
    assert_eq!(case.state, CaseState::Applied);
    let points = t
        .app
        .services
        .warnings
        .active_points(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(points as i32, harassment_points);
    let strikes = t
        .app
        .services
        .warnings
        .strikes(GUILD, MEMBER)
        .await
        .unwrap();
    let voided = strikes.iter().find(|s| s.case_id == case.id).unwrap();
    assert_eq!(voided.voided_by, Some(MODERATOR as i64));
    assert!(voided
        .void_reason
        .as_deref()
        .unwrap()
        .contains("misread the rule"));
    let event = t
        .app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "case.strikes_voided")
        .expect("a case.strikes_voided event");
    assert_eq!(event.actor_id, MODERATOR);
    assert_eq!(event.case_id, Some(case.id));
    assert_eq!(event.data["points_voided"], json!(spam_points));
    assert_eq!(event.data["active_points_after"], json!(harassment_points));

    let refused = |case: i32, actor: u64, reason: &'static str| {
        let t = &t;
        async move {
            text(
                &t.command(
                    actor,
                    "mod strike void",
                    vec![("case", json!(case)), ("reason", json!(reason))],
                )
                .await,
            )
        }
    };
    assert!(refused(1, MODERATOR, "again")
        .await
        .contains("no strikes left to void"));
    assert!(refused(2, MODERATOR, "x")
        .await
        .contains("ranked at or above you"));
    assert!(refused(2, SENIOR_MOD, "   ").await.contains("Say why"));
    assert!(refused(7, SENIOR_MOD, "x").await.contains("no case #7"));
    opens_member_to_mod(&t);
    assert!(refused(2, MEMBER, "x")
        .await
        .contains("Moderate Members permission"));
    let points = t
        .app
        .services
        .warnings
        .active_points(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(points as i32, harassment_points, "refusals changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_keeps_its_reason_and_history_shows_it() {
    let t = spawn_bot().await;
    let r = t
        .command(
            MODERATOR,
            "mod flag set",
            vec![
                ("user", id(MEMBER)),
                ("flag", json!("suspicious")),
                ("reason", json!("joined with 3 alts")),
            ],
        )
        .await;
    assert!(text(&r).contains("flagged suspicious"), "{}", text(&r));
    let event = t
        .app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "flag.set")
        .unwrap();
    assert_eq!(event.actor_id, MODERATOR);
    assert_eq!(event.details.as_deref(), Some("joined with 3 alts"));
    let history = t
        .command(MODERATOR, "mod history", vec![("user", id(MEMBER))])
        .await;
    assert!(
        text(&history).contains("suspicious: joined with 3 alts"),
        "{}",
        text(&history)
    );
}

/// Presses `button` (by custom id prefix) on the panel message and returns the reply.
async fn press(t: &TestBot, presser: u64, panel: &Reply, prefix: &str) -> Reply {
    let button = custom_ids(panel)
        .into_iter()
        .find(|c| c.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} button on {:?}", custom_ids(panel)));
    t.app
        .discord
        .press_button(GUILD, GENERAL, presser, panel.message_id.unwrap(), &button)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap()
}

async fn submit(t: &TestBot, form: &Reply, fields: Vec<(&str, &str)>) -> Reply {
    assert_eq!(form.kind, 9, "a form opened: {form:?}");
    let modal_id = form.modal.as_ref().unwrap()["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    t.app
        .discord
        .submit_modal(GUILD, GENERAL, MODERATOR, &modal_id, fields)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap()
}

fn has_button(panel: &Reply, action: &str) -> bool {
    custom_ids(panel)
        .iter()
        .any(|c| c.starts_with(&format!("gavel:panel:{action}:")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_offers_unmute_untimeout_and_unban_only_where_they_apply() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    t.app
        .configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    for action in ["unmute", "untimeout", "unban"] {
        assert!(!has_button(&panel, action), "{action} on a clean record");
    }

    t.command(
        MODERATOR,
        "mod timeout",
        vec![("user", id(MEMBER)), ("duration", json!("1h"))],
    )
    .await;
    t.command(MODERATOR, "mod mute text", vec![("user", id(MEMBER))])
        .await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    assert!(has_button(&panel, "untimeout") && has_button(&panel, "unmute"));
    assert!(!has_button(&panel, "unban"), "a member is not banned");

    let form = press(&t, MODERATOR, &panel, "gavel:panel:untimeout:").await;
    let done = submit(&t, &form, vec![("reason", "calmed down")]).await;
    assert!(text(&done).contains("Case #3"), "{}", text(&done));
    let case = t.app.case_row(3).await;
    assert_eq!(
        (case.action, case.source.as_str(), case.reason.as_deref()),
        (ModAction::Untimeout, "panel", Some("calmed down"))
    );
    assert!(!timed_out(&t, MEMBER));

    let form = press(&t, MODERATOR, &panel, "gavel:panel:unmute:").await;
    let done = submit(&t, &form, vec![]).await;
    assert!(text(&done).contains("Case #4"), "{}", text(&done));
    assert_eq!(t.app.case_row(4).await.action, ModAction::Unmute);
    assert!(!t
        .app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .roles
        .contains(&ROLE_MUTED_TEXT));

    // Pressed again on the old panel: nothing left to reverse, one sentence, no case.
    let form = press(&t, MODERATOR, &panel, "gavel:panel:untimeout:").await;
    let again = submit(&t, &form, vec![]).await;
    assert!(
        text(&again).contains("is not timed out"),
        "{}",
        text(&again)
    );
    assert_eq!(case_count(&t.app).await, 4);

    // A banned user's panel offers Unban.
    t.command(MODERATOR, "mod ban", vec![("user", id(OTHER_MEMBER))])
        .await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(OTHER_MEMBER))])
        .await;
    assert!(has_button(&panel, "unban"));
    assert!(!has_button(&panel, "untimeout") && !has_button(&panel, "unmute"));
    let form = press(&t, MODERATOR, &panel, "gavel:panel:unban:").await;
    let done = submit(&t, &form, vec![("reason", "appeal accepted")]).await;
    assert!(text(&done).contains("Case #6"), "{}", text(&done));
    assert!(!t.app.discord.is_banned(GUILD, OTHER_MEMBER));
    assert_eq!(t.app.case_row(6).await.action, ModAction::Unban);
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panel_reversals_check_the_actions_permission_when_pressed() {
    let t = spawn_bot().await;
    t.command(MODERATOR, "mod ban", vec![("user", id(MEMBER))])
        .await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    assert!(has_button(&panel, "unban"));
    // The moderator keeps Moderate Members but loses Ban Members while the panel is open.
    const TIMEOUT_ONLY: u64 = 200_000_000_000_000_060;
    t.app.discord.add_role(
        GUILD,
        TIMEOUT_ONLY,
        "Helper",
        5,
        gavel::ports::discord::permissions::MODERATE_MEMBERS,
    );
    t.app
        .discord
        .set_member_roles(GUILD, MODERATOR, &[TIMEOUT_ONLY]);
    let pressed = press(&t, MODERATOR, &panel, "gavel:panel:unban:").await;
    assert_ne!(pressed.kind, 9, "a form opened: {pressed:?}");
    assert!(
        text(&pressed).contains("Ban Members permission or a moderator role"),
        "{}",
        text(&pressed)
    );
    let other = press(&t, SENIOR_MOD, &panel, "gavel:panel:unban:").await;
    assert!(
        text(&other).contains("belongs to another moderator"),
        "{}",
        text(&other)
    );
    assert!(t.app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(case_count(&t.app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panels_ban_form_deletes_0_to_7_days_of_messages() {
    let t = spawn_bot().await;
    t.app.configure("escalation", "none").await;
    let panel = t
        .command(MODERATOR, "mod panel", vec![("user", id(MEMBER))])
        .await;
    let form = press(&t, MODERATOR, &panel, "gavel:panel:ban:").await;
    let inputs: Vec<String> = form.modal.as_ref().unwrap()["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(inputs, ["reason", "duration", "delete_days", "details"]);

    for (days, refusal) in [
        ("9", "at most 7 days of messages, not 9"),
        ("x", "whole number of days from 0 to 7"),
    ] {
        let r = submit(&t, &form, vec![("delete_days", days)]).await;
        assert!(text(&r).contains(refusal), "{days}: {}", text(&r));
    }
    assert!(changes(&t.app).iter().all(|c| !c.contains("/bans/")));
    assert_eq!(case_count(&t.app).await, 0, "no case for bad input");

    let done = submit(&t, &form, vec![("reason", "spam"), ("delete_days", "2")]).await;
    assert!(text(&done).contains("Case #1"), "{}", text(&done));
    assert!(t.app.discord.is_banned(GUILD, MEMBER));
    let ban = t
        .app
        .discord
        .requests_matching("PUT", &format!("/bans/{MEMBER}"))
        .pop()
        .unwrap();
    assert_eq!(
        ban.query,
        vec![("delete_message_seconds".to_string(), "172800".to_string())]
    );
    t.app.check_requests_against_spec();
}
