//! Case numbering, amendments and history.

use crate::support::app::*;
use gavel::domain::{CaseStatus, ModAction, UserFlag};
use gavel::services::cases::ExternalCase;
use gavel::services::ActionRequest;
use std::collections::BTreeSet;

#[tokio::test]
async fn concurrent_case_creation_gives_unique_gap_free_numbers_per_guild() {
    let app = spawn_app().await;
    const OTHER_GUILD: u64 = 900_000_000_000_000_002;
    let mut tasks = Vec::new();
    for i in 0..60u64 {
        let cases = app.services.cases.clone();
        let guild = if i % 3 == 0 { OTHER_GUILD } else { GUILD };
        tasks.push(tokio::spawn(async move {
            let case = cases
                .record(ExternalCase {
                    guild_id: guild,
                    action: ModAction::Kick,
                    moderator_id: MODERATOR,
                    target_id: 1_000 + i,
                    reason: Some("concurrency"),
                    duration_secs: None,
                    expires_at: None,
                    source: "test",
                })
                .await
                .unwrap();
            (case.guild_id, case.case_number)
        }));
    }
    // Warnings racing with them go through the full flow (case opened, settled).
    for target in [MEMBER, OTHER_MEMBER] {
        let moderation = app.services.moderation.clone();
        tasks.push(tokio::spawn(async move {
            let r = moderation
                .warn(ActionRequest::new(GUILD, MODERATOR, target))
                .await
                .unwrap();
            assert!(r.success, "{r:?}");
            (GUILD, r.case_number.unwrap())
        }));
    }
    let mut numbers: std::collections::BTreeMap<u64, Vec<i32>> = Default::default();
    for task in tasks {
        let (guild, number) = task.await.unwrap();
        numbers.entry(guild).or_default().push(number);
    }
    for (guild, mut list) in numbers {
        list.sort();
        let expected: Vec<i32> = (1..=list.len() as i32).collect();
        assert_eq!(list, expected, "guild {guild}: unique and gap-free");
    }
    let distinct: BTreeSet<i32> =
        sqlx::query_scalar("SELECT case_number FROM mod_cases WHERE guild_id = $1")
            .bind(GUILD as i64)
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(distinct.len(), 42);
}

#[tokio::test]
async fn cases_can_be_edited_closed_and_voided_with_strikes_following() {
    let app = spawn_app().await;
    app.configure("escalation", "none").await;
    let warned = app
        .services
        .moderation
        .warn(ActionRequest::new(GUILD, MODERATOR, MEMBER).violation(Some("spam")))
        .await
        .unwrap();
    assert_eq!(warned.case_number, Some(1));
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        1
    );

    let edited = app
        .services
        .cases
        .update_reason(GUILD, SENIOR_MOD, 1, "repeated invite links")
        .await
        .unwrap();
    assert_eq!(edited.reason.as_deref(), Some("repeated invite links"));

    let retyped = app
        .services
        .cases
        .update_violation(GUILD, SENIOR_MOD, 1, "harassment", Some(3))
        .await
        .unwrap();
    assert_eq!(retyped.violation_type, "harassment");
    assert_eq!(retyped.strike_points, 3);
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        3
    );

    let closed = app
        .services
        .cases
        .close(GUILD, SENIOR_MOD, 1)
        .await
        .unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    assert_eq!(closed.closed_by, Some(SENIOR_MOD as i64));
    let again = app
        .services
        .cases
        .close(GUILD, SENIOR_MOD, 1)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already closed"));

    let voided = app
        .services
        .cases
        .void(GUILD, SENIOR_MOD, 1, "wrong user")
        .await
        .unwrap();
    assert_eq!(voided.status, CaseStatus::Void);
    assert_eq!(voided.void_reason.as_deref(), Some("wrong user"));
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        0
    );
    let frozen = app
        .services
        .cases
        .update_reason(GUILD, SENIOR_MOD, 1, "late edit")
        .await
        .unwrap_err();
    assert!(frozen.to_string().contains("is void"), "{frozen}");

    let missing = app.services.cases.get(GUILD, 99).await.unwrap_err();
    assert_eq!(missing.to_string(), "There is no case #99 in this server.");
    let empty = app
        .services
        .cases
        .void(GUILD, SENIOR_MOD, 1, "  ")
        .await
        .unwrap_err();
    assert!(empty.to_string().contains("Say why"));

    let kinds: Vec<String> = app.events().await.into_iter().map(|e| e.kind).collect();
    for kind in [
        "case.reason_changed",
        "case.violation_changed",
        "case.closed",
        "case.voided",
    ] {
        assert!(
            kinds.contains(&kind.to_string()),
            "{kind} missing from {kinds:?}"
        );
    }
}

#[tokio::test]
async fn history_gathers_cases_bans_mutes_strikes_flags_and_notes() {
    let app = spawn_app().await;
    app.configure("escalation", "none").await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    let s = &app.services;
    s.moderation
        .warn(ActionRequest::new(GUILD, MODERATOR, MEMBER).violation(Some("harassment")))
        .await
        .unwrap();
    s.mutes
        .mute(
            ActionRequest::new(GUILD, MODERATOR, MEMBER),
            gavel::domain::MuteType::Text,
            None,
        )
        .await
        .unwrap();
    s.flags
        .set(
            GUILD,
            MODERATOR,
            MEMBER,
            UserFlag::UnderReview,
            Some("watch"),
        )
        .await
        .unwrap();
    s.notes
        .add(GUILD, MODERATOR, MEMBER, "asked about alts")
        .await
        .unwrap();
    s.notes
        .add(GUILD, MODERATOR, MEMBER, "second note")
        .await
        .unwrap();

    let history = s.cases.history(GUILD, MEMBER, 10).await.unwrap();
    assert_eq!(history.total_cases, 2);
    assert_eq!(history.cases[0].case_number, 2, "newest first");
    assert_eq!(history.active_mutes.len(), 1);
    assert!(history.active_tempban.is_none());
    assert_eq!(history.strikes.len(), 1);
    assert_eq!(history.standing.active_points, 2);
    assert_eq!(history.flags[0].flag, UserFlag::UnderReview);
    assert_eq!(history.notes_count, 2);

    let (page, total) = s.cases.cases_of_user(GUILD, MEMBER, 1, 1).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(page[0].case_number, 1);
}

async fn recorded_case(app: &TestApp, moderator: u64, target: u64) -> i32 {
    app.services
        .cases
        .record(ExternalCase {
            guild_id: GUILD,
            action: ModAction::Kick,
            moderator_id: moderator,
            target_id: target,
            reason: Some("on record"),
            duration_secs: None,
            expires_at: None,
            source: "test",
        })
        .await
        .unwrap()
        .case_number
}

/// Nobody cleans their own record, and a junior moderator cannot overrule a senior.
#[tokio::test]
async fn moderators_cannot_void_edit_or_close_their_own_record_or_a_seniors_case() {
    let app = spawn_app().await;
    let cases = &app.services.cases;
    let about_moderator = recorded_case(&app, SENIOR_MOD, MODERATOR).await;
    let by_senior = recorded_case(&app, SENIOR_MOD, MEMBER).await;
    let about_senior = recorded_case(&app, ADMIN, SENIOR_MOD).await;
    let own = recorded_case(&app, MODERATOR, MEMBER).await;

    let refusal = |e: gavel::GavelError| e.to_string();
    let void = cases
        .void(GUILD, MODERATOR, about_moderator, "not me")
        .await
        .map_err(refusal)
        .unwrap_err();
    assert!(void.contains("about yourself"), "{void}");
    for attempt in [
        cases
            .update_reason(GUILD, MODERATOR, about_moderator, "edited")
            .await,
        cases.close(GUILD, MODERATOR, about_moderator).await,
    ] {
        assert!(refusal(attempt.unwrap_err()).contains("about yourself"));
    }
    let seniors = cases
        .void(GUILD, MODERATOR, by_senior, "overrule")
        .await
        .map_err(refusal)
        .unwrap_err();
    assert!(seniors.contains("ranked at or above you"), "{seniors}");
    let about = cases
        .update_reason(GUILD, MODERATOR, about_senior, "softened")
        .await
        .map_err(refusal)
        .unwrap_err();
    assert!(about.contains("at or above yours"), "{about}");

    // Nothing changed, and no event was written for the refusals.
    for number in [about_moderator, by_senior, about_senior] {
        let case = app.case_row(number).await;
        assert_eq!(case.status, CaseStatus::Open, "case #{number}");
        assert_eq!(case.reason.as_deref(), Some("on record"));
    }
    // The moderator's own case about a member, and a senior acting on a junior's record, go through.
    cases
        .void(GUILD, MODERATOR, own, "my mistake")
        .await
        .unwrap();
    cases
        .void(GUILD, SENIOR_MOD, about_moderator, "reviewed")
        .await
        .unwrap();
    cases.close(GUILD, ADMIN, by_senior).await.unwrap();
}

#[tokio::test]
async fn moderators_cannot_delete_notes_or_clear_flags_about_themselves_or_seniors() {
    let app = spawn_app().await;
    let note = app
        .services
        .notes
        .add(GUILD, SENIOR_MOD, MODERATOR, "watch their warns")
        .await
        .unwrap();
    let refused = app
        .services
        .notes
        .delete(GUILD, MODERATOR, note.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("about yourself"), "{refused}");
    let by_senior = app
        .services
        .notes
        .add(GUILD, SENIOR_MOD, MEMBER, "known alt")
        .await
        .unwrap();
    let refused = app
        .services
        .notes
        .delete(GUILD, MODERATOR, by_senior.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("ranked at or above you"), "{refused}");
    assert_eq!(
        app.services
            .notes
            .list(GUILD, MODERATOR)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.services.notes.list(GUILD, MEMBER).await.unwrap().len(),
        1
    );

    app.services
        .flags
        .set(
            GUILD,
            ADMIN,
            MODERATOR,
            UserFlag::UnderReview,
            Some("complaints"),
        )
        .await
        .unwrap();
    let refused = app
        .services
        .flags
        .clear(GUILD, MODERATOR, MODERATOR, UserFlag::UnderReview)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("about yourself"), "{refused}");
    assert_eq!(
        app.services
            .flags
            .list(GUILD, MODERATOR)
            .await
            .unwrap()
            .len(),
        1
    );
    app.services
        .flags
        .clear(GUILD, ADMIN, MODERATOR, UserFlag::UnderReview)
        .await
        .unwrap();
}
