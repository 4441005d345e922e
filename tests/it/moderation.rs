//! ModerationService against PostgreSQL and the Discord double, through serenity's HTTP client.

use crate::support::app::*;
use gavel::domain::{CaseState, CaseStatus, ModAction};
use gavel::services::ActionRequest;
use std::time::Duration;

fn by_mod(target: u64) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target)
}

#[tokio::test]
async fn ban_dms_first_bans_with_the_case_number_and_records_everything() {
    let app = spawn_app().await;
    app.configure("log_channel", &LOG_CHANNEL.to_string()).await;

    let result = app
        .services
        .moderation
        .ban(
            by_mod(MEMBER)
                .reason(Some("posting scam links"))
                .violation(Some("scam")),
            None,
            Some(2),
        )
        .await
        .unwrap();

    assert!(result.success, "{result:?}");
    assert_eq!(result.case_number, Some(1));
    assert!(result.user_notified);
    assert!(app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(
        app.discord.ban_reason(GUILD, MEMBER).as_deref(),
        Some("[#1] posting scam links")
    );

    let writes = app.mutating_requests();
    let dm_index = writes
        .iter()
        .position(|r| {
            r.method == "POST"
                && r.path.ends_with("/messages")
                && !r.path.contains(&LOG_CHANNEL.to_string())
        })
        .expect("a DM was sent");
    let ban_index = writes
        .iter()
        .position(|r| {
            r.method == "PUT" && r.path == format!("/api/v10/guilds/{GUILD}/bans/{MEMBER}")
        })
        .expect("a ban was sent");
    assert!(dm_index < ban_index, "the DM must go out before the ban");
    let ban = &writes[ban_index];
    assert_eq!(ban.audit_reason.as_deref(), Some("[#1] posting scam links"));
    assert_eq!(
        ban.query,
        vec![("delete_message_seconds".to_string(), "172800".to_string())]
    );
    let dm = app.discord.dms_to(MEMBER);
    assert_eq!(dm.len(), 1);
    assert!(dm[0].to_string().contains("banned"), "{}", dm[0]);

    let case = app.case_row(1).await;
    assert_eq!(case.action, ModAction::Ban);
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.moderator_id, MODERATOR);
    assert_eq!(case.target_id, MEMBER);
    assert_eq!(case.violation_type, "scam");
    assert_eq!(case.strike_points, 5);
    assert!(case.user_notified);

    let kinds: Vec<String> = app.events().await.into_iter().map(|e| e.kind).collect();
    assert!(
        kinds.ends_with(&["case.opened".into(), "case.applied".into()]),
        "{kinds:?}"
    );
    let log = app.discord.channel_messages(LOG_CHANNEL);
    assert_eq!(log.len(), 1, "one mod-log post");
    assert!(log[0].to_string().contains("Case #1"), "{}", log[0]);
    app.check_requests_against_spec();
}

#[tokio::test]
async fn a_discord_refusal_leaves_the_case_failed_not_applied() {
    let app = spawn_app().await;
    app.discord
        .fail_next("PUT", "/bans/", 403, 50013, "Missing Permissions");

    let result = app
        .services
        .moderation
        .ban(by_mod(MEMBER).reason(Some("raid")), None, None)
        .await
        .unwrap();

    assert!(!result.success);
    assert_eq!(result.case_number, Some(1));
    let error = result.error.unwrap();
    assert!(error.contains("lacks the permission"), "{error}");
    assert!(!app.discord.is_banned(GUILD, MEMBER));
    let case = app.case_row(1).await;
    assert_eq!(case.state, CaseState::Failed);
    assert_eq!(case.failure.as_deref(), Some(error.as_str()));
    let failed = app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "case.failed")
        .unwrap();
    assert_eq!(failed.data["discord_code"], 50013);
    assert_eq!(failed.actor_id, MODERATOR);
}

#[tokio::test]
async fn hierarchy_refusals_make_no_discord_change_and_open_no_case() {
    let app = spawn_app().await;
    let refusals = [
        (MODERATOR, MODERATOR, "cannot moderate yourself"),
        (MODERATOR, OWNER, "server owner"),
        (MODERATOR, BOT, "cannot act on itself"),
        (MODERATOR, SENIOR_MOD, "at or above yours"),
        (MODERATOR, ADMIN, "at or above yours"),
        (OWNER, VIP, "at or above Gavel's"),
        (MODERATOR, STRANGER, "not a member"),
    ];
    for (moderator, target, expected) in refusals {
        let result = app
            .services
            .moderation
            .kick(ActionRequest::new(GUILD, moderator, target).reason(Some("test")))
            .await
            .unwrap();
        assert!(!result.success);
        assert_eq!(result.case_number, None);
        let error = result.error.unwrap();
        assert!(error.contains(expected), "{moderator}→{target}: {error}");
    }
    assert!(
        app.mutating_requests().is_empty(),
        "{:?}",
        app.mutating_requests()
    );
    let (cases, total) = app
        .services
        .cases
        .cases_of_user(GUILD, SENIOR_MOD, 0, 10)
        .await
        .unwrap();
    assert!(cases.is_empty() && total == 0);
    let refused: Vec<_> = app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "action.refused")
        .collect();
    assert_eq!(refused.len(), refusals.len());
    assert!(refused.iter().all(|e| e.violation_type == "unspecified"));
}

#[tokio::test]
async fn tempban_records_its_end_and_unban_lifts_it() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .tempban(
            by_mod(MEMBER).reason(Some("cool off")),
            Duration::from_secs(7 * 86_400),
            None,
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let case = app.case_row(1).await;
    assert_eq!(case.action, ModAction::Tempban);
    assert_eq!(case.duration_secs, Some(604_800));
    let tempban = gavel::store::tempbans::active_for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .expect("an active tempban row");
    assert_eq!(tempban.case_id, case.id);
    let lead = tempban.expires_at - chrono::Utc::now();
    assert!(lead > chrono::Duration::days(7) - chrono::Duration::minutes(1));

    let unban = app
        .services
        .moderation
        .unban(by_mod(MEMBER).reason(Some("appeal accepted")))
        .await
        .unwrap();
    assert!(unban.success, "{unban:?}");
    assert!(!app.discord.is_banned(GUILD, MEMBER));
    let last = app.mutating_requests().pop().unwrap();
    assert_eq!(last.method, "DELETE");
    assert_eq!(last.audit_reason.as_deref(), Some("[#2] appeal accepted"));
    assert!(
        gavel::store::tempbans::active_for_user(&app.db.pool, GUILD, MEMBER)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn unbanning_someone_not_banned_says_so() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .unban(by_mod(STRANGER))
        .await
        .unwrap();
    assert!(!result.success);
    assert_eq!(result.error.as_deref(), Some("That user is not banned."));
    assert_eq!(app.case_row(1).await.state, CaseState::Failed);
    assert_eq!(
        app.mutating_requests()[0].audit_reason.as_deref(),
        Some("[#1] No reason given")
    );
}

#[tokio::test]
async fn softban_bans_then_unbans_leaving_the_user_free_to_rejoin() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .softban(by_mod(MEMBER).reason(Some("spam wave")), None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert!(!app.discord.is_banned(GUILD, MEMBER));
    assert!(
        app.discord.member(GUILD, MEMBER).is_none(),
        "removed from the guild"
    );
    let writes: Vec<_> = app
        .mutating_requests()
        .into_iter()
        .filter(|r| r.path.contains("/bans/"))
        .collect();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[0].method, "PUT");
    assert_eq!(
        writes[0].query[0].1, "86400",
        "a softban deletes a day of messages by default"
    );
    assert_eq!(writes[1].method, "DELETE");
    assert!(writes
        .iter()
        .all(|r| r.audit_reason.as_deref() == Some("[#1] spam wave")));
}

#[tokio::test]
async fn kick_with_closed_dms_still_kicks_and_records_no_notification() {
    let app = spawn_app().await;
    app.discord.set_dms_open(MEMBER, false);
    let result = app
        .services
        .moderation
        .kick(by_mod(MEMBER).reason(Some("trolling")))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert!(!result.user_notified);
    assert!(app.discord.member(GUILD, MEMBER).is_none());
    assert!(!app.case_row(1).await.user_notified);
}

#[tokio::test]
async fn timeout_sets_the_end_applies_long_ones_27_days_at_a_time_and_refuses_past_5_years() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .timeout(
            by_mod(MEMBER).reason(Some("heated")),
            Duration::from_secs(3_600),
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert!(result.user_notified, "told after the timeout took effect");
    let timed_out_for = |app: &TestApp| {
        let until = app
            .discord
            .member(GUILD, MEMBER)
            .unwrap()
            .communication_disabled_until
            .expect("timed out");
        let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
        until.with_timezone(&chrono::Utc) - chrono::Utc::now()
    };
    let lead = timed_out_for(&app);
    assert!(lead > chrono::Duration::minutes(59) && lead <= chrono::Duration::hours(1));

    // Past Discord's 28-day cap: 27 days applied now, the rest by renewals until the end.
    let result = app
        .services
        .moderation
        .timeout(by_mod(MEMBER), Duration::from_secs(60 * 86_400))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let lead = timed_out_for(&app);
    assert!(
        lead > chrono::Duration::days(27) - chrono::Duration::minutes(1)
            && lead <= chrono::Duration::days(27),
        "{lead:?}"
    );
    let case = app.case_row(2).await;
    let ends = case.expires_at.unwrap() - chrono::Utc::now();
    assert!(ends > chrono::Duration::days(60) - chrono::Duration::minutes(1));
    let renewal = gavel::store::timeout_renewals::get(&app.db.pool, case.id)
        .await
        .unwrap()
        .expect("a renewal row");
    assert!(renewal.active && renewal.job_id.is_some());
    assert_eq!(renewal.ends_at, case.expires_at.unwrap());

    let before = app.mutating_requests().len();
    let err = app
        .services
        .moderation
        .timeout(by_mod(MEMBER), Duration::from_secs(6 * 365 * 86_400))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 5 years"), "{err}");
    assert_eq!(app.mutating_requests().len(), before);
    app.check_requests_against_spec();
}

#[tokio::test]
async fn the_audit_reason_is_cut_to_512_characters_on_a_character_boundary() {
    let app = spawn_app().await;
    let reason = "ü".repeat(1000);
    let result = app
        .services
        .moderation
        .kick(by_mod(MEMBER).reason(Some(reason.clone())))
        .await
        .unwrap();
    assert!(result.success);
    let sent = app.mutating_requests().pop().unwrap().audit_reason.unwrap();
    assert_eq!(sent.chars().count(), 512);
    assert!(sent.starts_with("[#1] üü"));
    assert_eq!(
        app.case_row(1).await.reason.as_deref(),
        Some(reason.as_str()),
        "the case keeps it all"
    );

    let too_long = "x".repeat(1001);
    let err = app
        .services
        .moderation
        .kick(by_mod(OTHER_MEMBER).reason(Some(too_long)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1000"), "{err}");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_happens() {
    let app = spawn_app().await;
    let err = app
        .services
        .moderation
        .ban(by_mod(MEMBER), None, Some(8))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 7 days"), "{err}");
    let err = app
        .services
        .moderation
        .warn(by_mod(MEMBER).violation(Some("jaywalking")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a violation type"), "{err}");
    let err = app
        .services
        .moderation
        .warn(
            by_mod(MEMBER)
                .violation(Some("spam"))
                .strike_points(Some(9)),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("between 1 and 2"), "{err}");
    assert!(app.discord.requests().iter().all(|r| r.method == "GET"));
    let (cases, _) = app
        .services
        .cases
        .cases_of_user(GUILD, MEMBER, 0, 10)
        .await
        .unwrap();
    assert!(cases.is_empty());
}

#[tokio::test]
async fn banning_a_user_who_is_not_a_member_works_by_id() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .ban(by_mod(STRANGER).reason(Some("known raider")), None, None)
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert!(!result.user_notified, "no DM to someone outside the server");
    assert!(app.discord.is_banned(GUILD, STRANGER));
    assert!(app.discord.dms_to(STRANGER).is_empty());
}

#[tokio::test]
async fn the_port_bulk_bans_with_an_audit_reason_and_reports_who_failed() {
    use gavel::discord::serenity_port::{build_http, SerenityPort};
    use gavel::ports::discord::DiscordPort;
    let app = spawn_app().await;
    let http = std::sync::Arc::new(build_http(
        "test-token",
        Some(&app.discord.base_url()),
        gavel::config::DEFAULT_DISCORD_REQUEST_TIMEOUT,
    ));
    let port = SerenityPort::connect(http).await.unwrap();
    // Discord wants Manage Server as well as Ban Members for a bulk ban.
    let refused = port
        .bulk_ban(GUILD, &[MEMBER], 0, "[#9] raid wave")
        .await
        .unwrap_err();
    assert!(refused.moderator_message().contains("lacks the permission"));
    app.discord.set_role_permissions(
        GUILD,
        ROLE_BOT,
        BOT_PERMISSIONS | gavel::ports::discord::permissions::MANAGE_GUILD,
    );
    let outcome = port
        .bulk_ban(GUILD, &[MEMBER, STRANGER, VIP], 3_600, "[#9] raid wave")
        .await
        .unwrap();
    assert_eq!(outcome.banned, vec![MEMBER, STRANGER]);
    assert_eq!(outcome.failed, vec![VIP], "VIP outranks Gavel");
    assert!(app.discord.is_banned(GUILD, MEMBER) && app.discord.is_banned(GUILD, STRANGER));
    let request = app.mutating_requests().pop().unwrap();
    assert_eq!(request.path, format!("/api/v10/guilds/{GUILD}/bulk-ban"));
    assert_eq!(request.audit_reason.as_deref(), Some("[#9] raid wave"));
    assert_eq!(
        request.body.as_ref().unwrap()["delete_message_seconds"],
        3_600
    );
    assert_eq!(
        port.ban_of(GUILD, MEMBER).await.unwrap(),
        Some(Some("[#9] raid wave".into()))
    );
    assert_eq!(port.ban_of(GUILD, OTHER_MEMBER).await.unwrap(), None);
    app.check_requests_against_spec();
}

/// serenity's own client waits forever; every request Gavel makes gives up after the timeout
/// with a transient error (so the case flow leaves the case for reconciliation).
#[tokio::test]
async fn a_discord_request_that_hangs_times_out() {
    use gavel::discord::serenity_port::{build_http, SerenityPort};
    use gavel::ports::discord::DiscordPort;
    let app = spawn_app().await;
    let http = std::sync::Arc::new(build_http(
        "test-token",
        Some(&app.discord.base_url()),
        Duration::from_secs(1),
    ));
    let port = SerenityPort::connect(http).await.unwrap();
    app.discord
        .set_response_delay("PUT", "/bans/", Duration::from_secs(4));
    let started = std::time::Instant::now();
    let error = port
        .ban(GUILD, MEMBER, 0, "[#1] slow")
        .await
        .expect_err("the request times out");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up after {:?}",
        started.elapsed()
    );
    assert!(error.is_transient(), "{error:?}");
}

/// A timeout Discord can hold whole needs no renewal (and no job).
#[tokio::test]
async fn a_short_timeout_schedules_no_renewal() {
    let app = spawn_app().await;
    let r = app
        .services
        .moderation
        .timeout(
            ActionRequest::new(GUILD, MODERATOR, MEMBER),
            Duration::from_secs(600),
        )
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    let renewals: i64 = sqlx::query_scalar("SELECT count(*) FROM timeout_renewals")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(renewals, 0, "a 10-minute timeout got a renewal row");
}
