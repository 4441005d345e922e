//! Escalation from every strike-adding action: mute steps, failures reported inside the
//! result, one escalation per crossing under concurrency, and no strikes for a case voided
//! while its Discord call was in flight.

use crate::support::app::*;
use gavel::domain::{CaseState, CaseStatus, ModAction, MuteType};
use gavel::services::ActionRequest;
use std::time::Duration;

fn by_mod(target: u64, violation: &str) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target)
        .reason(Some("rule break"))
        .violation(Some(violation))
}

/// A member added to the seeded guild, for tests that need many targets.
fn new_member(app: &TestApp, id: u64) -> u64 {
    app.discord.add_user(id, &format!("member-{id}"), false);
    app.discord.add_member(GUILD, id, &[]);
    id
}

async fn escalation_cases_of(app: &TestApp, user: u64) -> Vec<gavel::store::cases::Case> {
    let (cases, _) = app
        .services
        .cases
        .cases_of_user(GUILD, user, 0, 100)
        .await
        .unwrap();
    cases
        .into_iter()
        .filter(|c| c.source == "escalation")
        .collect()
}

#[tokio::test]
async fn a_mute_step_mutes_with_the_configured_role_through_the_mute_service() {
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    app.configure("escalation", "3:mute:1h").await;

    let result = app
        .services
        .moderation
        .warn(by_mod(MEMBER, "harassment").strike_points(Some(3)))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let escalation = result.escalation.expect("3 points crosses the mute step");
    assert!(escalation.success, "{escalation:?}");
    assert_eq!(escalation.case_number, Some(2));

    let case = app.case_row(2).await;
    assert_eq!(case.action, ModAction::Mute);
    assert_eq!(case.source, "escalation");
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(case.duration_secs, Some(3_600));
    assert_eq!(case.strike_points, 0, "an escalation adds no strikes");
    assert!(app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .roles
        .contains(&ROLE_MUTED_TEXT));
    let mutes = app
        .services
        .mutes
        .active_mutes(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(mutes.len(), 1);
    assert_eq!(mutes[0].mute_type, MuteType::Text);
    assert_eq!(mutes[0].case_id, case.id);
    assert!(mutes[0].expires_at.is_some(), "a timed mute: {mutes:?}");
    let add = app
        .mutating_requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path.ends_with(&format!("/roles/{ROLE_MUTED_TEXT}")))
        .expect("the mute role was added");
    assert!(
        add.audit_reason
            .as_deref()
            .unwrap()
            .starts_with("[#2] Escalation"),
        "{add:?}"
    );
}

#[tokio::test]
async fn an_escalation_that_cannot_be_applied_is_reported_in_the_result_not_as_an_error() {
    let app = spawn_app().await;
    // A mute step, but no mute role is set.
    app.configure("escalation", "3:mute:1h").await;

    let result = app
        .services
        .moderation
        .warn(by_mod(MEMBER, "harassment").strike_points(Some(3)))
        .await
        .unwrap();
    assert!(result.success, "the warning itself is applied: {result:?}");
    assert_eq!(result.case_number, Some(1));
    assert_eq!(result.standing.as_ref().unwrap().active_points, 3);
    let escalation = result
        .escalation
        .as_ref()
        .expect("the escalation is reported");
    assert!(!escalation.success);
    let error = escalation.error.as_deref().unwrap();
    assert!(error.contains("could not be applied"), "{error}");
    assert!(error.contains("mute role"), "{error}");
    assert_eq!(app.case_row(1).await.state, CaseState::Applied);
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        3
    );

    let shown = serde_json::to_string(&gavel::discord::render::action_embed(&result)).unwrap();
    assert!(shown.contains("Case #1"), "{shown}");
    assert!(shown.contains("could not be applied"), "{shown}");
}

#[tokio::test]
async fn an_escalation_discord_refuses_is_a_failed_case_reported_in_the_result() {
    let app = spawn_app().await;
    app.configure("escalation", "3:tempban:1d").await;
    app.discord
        .fail_next("PUT", "/bans/", 403, 50013, "Missing Permissions");

    let result = app
        .services
        .moderation
        .warn(by_mod(MEMBER, "harassment").strike_points(Some(3)))
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let escalation = result.escalation.as_ref().unwrap();
    assert!(!escalation.success);
    assert_eq!(escalation.case_number, Some(2));
    let error = escalation.error.as_deref().unwrap();
    assert!(
        error.starts_with("The 3-point escalation (1d tempban) could not be applied: "),
        "{error}"
    );
    assert!(error.contains("case #2"), "{error}");
    assert_eq!(app.case_row(2).await.state, CaseState::Failed);
    assert!(!app.discord.is_banned(GUILD, MEMBER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strike_adding_action_escalates_when_it_crosses_a_threshold() {
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    app.configure("escalation", "3:tempban:1d").await;
    let s = &app.services;
    let hour = Duration::from_secs(3_600);

    // hate is worth 3-5: each of these crosses the tempban step.
    let kicked = new_member(&app, 100_000_000_000_000_101);
    let softbanned = new_member(&app, 100_000_000_000_000_102);
    let timed_out = new_member(&app, 100_000_000_000_000_103);
    let muted = new_member(&app, 100_000_000_000_000_104);
    let tempbanned = new_member(&app, 100_000_000_000_000_105);
    let results = vec![
        (
            "kick",
            kicked,
            s.moderation.kick(by_mod(kicked, "hate")).await,
        ),
        (
            "softban",
            softbanned,
            s.moderation.softban(by_mod(softbanned, "hate"), None).await,
        ),
        (
            "timeout",
            timed_out,
            s.moderation.timeout(by_mod(timed_out, "hate"), hour).await,
        ),
        (
            "mute",
            muted,
            s.mutes
                .mute(by_mod(muted, "hate"), MuteType::Text, Some(hour))
                .await,
        ),
        (
            "1h tempban",
            tempbanned,
            s.moderation
                .tempban(by_mod(tempbanned, "hate"), hour, None)
                .await,
        ),
    ];
    for (what, user, result) in results {
        let result = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(result.success, "{what}: {result:?}");
        let escalation = result
            .escalation
            .as_ref()
            .unwrap_or_else(|| panic!("{what} crossed 3 points but did not escalate"));
        assert_eq!(
            result.standing.as_ref().map(|s| s.active_points),
            Some(3),
            "{what}: the standing after the action"
        );
        assert!(escalation.success, "{what}: {escalation:?}");
        let escalations = escalation_cases_of(&app, user).await;
        assert_eq!(escalations.len(), 1, "{what}");
        assert_eq!(escalations[0].action, ModAction::Tempban, "{what}");
        assert_eq!(escalations[0].duration_secs, Some(86_400), "{what}");
        assert!(app.discord.is_banned(GUILD, user), "{what}");
    }

    // A permanent ban is already harsher than the step: nothing more to apply.
    let banned = new_member(&app, 100_000_000_000_000_106);
    let result = s
        .moderation
        .ban(by_mod(banned, "hate"), None, None)
        .await
        .unwrap();
    assert!(result.success);
    assert!(result.escalation.is_none(), "{result:?}");
    assert!(escalation_cases_of(&app, banned).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_warns_crossing_a_threshold_escalate_exactly_once() {
    let app = spawn_app().await;
    app.configure("escalation", "3:timeout:1h").await;
    app.configure("dm_on_action", "off").await;

    for round in 0..12u64 {
        let user = new_member(&app, 100_000_000_000_000_200 + round);
        // Three warns of 2 points each, at once: 0 → 2 → 4 → 6 crosses 3 exactly once.
        let warn = || {
            app.services
                .moderation
                .warn(by_mod(user, "spam").strike_points(Some(2)))
        };
        let (a, b, c) = tokio::join!(warn(), warn(), warn());
        let results = [a.unwrap(), b.unwrap(), c.unwrap()];
        assert!(results.iter().all(|r| r.success), "{results:?}");
        let reported = results.iter().filter(|r| r.escalation.is_some()).count();
        let recorded = escalation_cases_of(&app, user).await.len();
        assert_eq!(
            (reported, recorded),
            (1, 1),
            "round {round}: one crossing, one escalation"
        );
        assert_eq!(
            app.services
                .warnings
                .active_points(GUILD, user)
                .await
                .unwrap(),
            6
        );
    }
}

/// Waits for case `number` to exist (it is written PENDING before the Discord call).
async fn wait_for_case(app: &TestApp, number: i32) -> gavel::store::cases::Case {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(case) = app.services.cases.get(GUILD, number).await {
            return case;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "case #{number} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_voided_while_its_discord_call_is_in_flight_gets_no_strikes_or_escalation() {
    let app = spawn_app().await;
    app.configure("escalation", "3:tempban:1d").await;
    app.discord
        .set_response_delay("PATCH", "/members/", Duration::from_millis(1_500));

    let services = app.services.clone();
    let timeout = tokio::spawn(async move {
        services
            .moderation
            .timeout(by_mod(MEMBER, "hate"), Duration::from_secs(3_600))
            .await
    });
    let pending = wait_for_case(&app, 1).await;
    assert_eq!(pending.state, CaseState::Pending);
    app.services
        .cases
        .void(GUILD, SENIOR_MOD, 1, "wrong user")
        .await
        .unwrap();
    let result = timeout.await.unwrap().unwrap();

    // Discord applied the timeout: that is recorded as it happened.
    assert!(result.success, "{result:?}");
    assert!(app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .is_some());
    let case = app.case_row(1).await;
    assert_eq!(case.state, CaseState::Applied);
    assert_eq!(case.status, CaseStatus::Void, "still void");
    // But the void stands: no strikes, no escalation.
    let strikes = gavel::store::strikes::for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap();
    assert!(strikes.is_empty(), "a voided case got strikes: {strikes:?}");
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        0
    );
    assert!(result.escalation.is_none(), "{result:?}");
    assert!(!app.discord.is_banned(GUILD, MEMBER));
    assert!(
        app.services.cases.get(GUILD, 2).await.is_err(),
        "no case #2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_voided_in_flight_whose_discord_call_fails_stays_void() {
    let app = spawn_app().await;
    app.discord
        .set_response_delay("PATCH", "/members/", Duration::from_millis(1_500));
    app.discord
        .fail_next("PATCH", "/members/", 403, 50013, "Missing Permissions");

    let services = app.services.clone();
    let timeout = tokio::spawn(async move {
        services
            .moderation
            .timeout(by_mod(MEMBER, "hate"), Duration::from_secs(3_600))
            .await
    });
    wait_for_case(&app, 1).await;
    app.services
        .cases
        .void(GUILD, SENIOR_MOD, 1, "wrong user")
        .await
        .unwrap();
    let result = timeout.await.unwrap().unwrap();
    assert!(!result.success, "{result:?}");
    let case = app.case_row(1).await;
    assert_eq!(case.state, CaseState::Failed, "what happened in Discord");
    assert_eq!(case.status, CaseStatus::Void, "the void is not undone");
    assert!(gavel::store::strikes::for_user(&app.db.pool, GUILD, MEMBER)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_timeouts_crossing_a_threshold_escalate_exactly_once() {
    // Unlike warns, these settle in their own transactions after their Discord calls, so only
    // the per-user strike lock keeps them from reading each other's points stale.
    // The step keeps the user in the server, so no later timeout is refused.
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    app.configure("escalation", "3:mute:1h").await;
    app.configure("dm_on_action", "off").await;

    for round in 0..8u64 {
        let user = new_member(&app, 100_000_000_000_000_300 + round);
        let timeout = || {
            app.services.moderation.timeout(
                by_mod(user, "spam").strike_points(Some(2)),
                Duration::from_secs(600),
            )
        };
        let (a, b, c) = tokio::join!(timeout(), timeout(), timeout());
        let results = [a.unwrap(), b.unwrap(), c.unwrap()];
        assert!(results.iter().all(|r| r.success), "{results:?}");
        let reported = results.iter().filter(|r| r.escalation.is_some()).count();
        let recorded = escalation_cases_of(&app, user).await.len();
        assert_eq!(
            (reported, recorded),
            (1, 1),
            "round {round}: one crossing, one escalation"
        );
        let mut after: Vec<u32> = results
            .iter()
            .map(|r| r.standing.as_ref().unwrap().active_points)
            .collect();
        after.sort();
        assert_eq!(after, vec![2, 4, 6], "each saw the strikes before it");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_mutes_crossing_a_threshold_escalate_exactly_once() {
    // Three mutes of different types, settling in their own transactions after their Discord
    // calls: only the per-user strike lock keeps them from reading each other's points stale.
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    app.configure("mute_role_voice", &ROLE_MUTED_VOICE.to_string())
        .await;
    app.configure("mute_role_both", &ROLE_MUTED_ALL.to_string())
        .await;
    // The step keeps the user in the server, so no later mute is refused.
    app.configure("escalation", "3:timeout:1h").await;
    app.configure("dm_on_action", "off").await;

    for round in 0..8u64 {
        let user = new_member(&app, 100_000_000_000_000_400 + round);
        let mute = |mute_type| {
            app.services.mutes.mute(
                by_mod(user, "spam").strike_points(Some(2)),
                mute_type,
                Some(Duration::from_secs(600)),
            )
        };
        let (a, b, c) = tokio::join!(
            mute(MuteType::Text),
            mute(MuteType::Voice),
            mute(MuteType::Both)
        );
        let results = [a.unwrap(), b.unwrap(), c.unwrap()];
        assert!(results.iter().all(|r| r.success), "{results:?}");
        let reported = results.iter().filter(|r| r.escalation.is_some()).count();
        let recorded = escalation_cases_of(&app, user).await.len();
        assert_eq!(
            (reported, recorded),
            (1, 1),
            "round {round}: one crossing, one escalation"
        );
        let mut after: Vec<u32> = results
            .iter()
            .map(|r| r.standing.as_ref().unwrap().active_points)
            .collect();
        after.sort();
        assert_eq!(after, vec![2, 4, 6], "each saw the strikes before it");
    }
}
