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
