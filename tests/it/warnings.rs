//! Strikes, standing and escalation.

use crate::support::app::*;
use gavel::domain::{ModAction, StandingLevel};
use gavel::services::ActionRequest;

fn warn(target: u64, violation: &str) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target)
        .reason(Some("rule break"))
        .violation(Some(violation))
}

#[tokio::test]
async fn warnings_add_strikes_report_standing_and_escalate_at_the_threshold() {
    let app = spawn_app().await;

    // spam is worth 1-2: the low end unless the moderator picks.
    let first = app
        .services
        .moderation
        .warn(warn(MEMBER, "spam"))
        .await
        .unwrap();
    assert!(first.success, "{first:?}");
    let standing = first.standing.unwrap();
    assert_eq!(standing.active_points, 1);
    assert_eq!(standing.level, StandingLevel::Caution);
    assert!(first.escalation.is_none());
    assert!(first.user_notified);
    assert!(app.discord.dms_to(MEMBER)[0]
        .to_string()
        .contains("warning"));

    let second = app
        .services
        .moderation
        .warn(warn(MEMBER, "spam").strike_points(Some(2)))
        .await
        .unwrap();
    assert_eq!(second.standing.unwrap().active_points, 3);
    let escalation = second
        .escalation
        .expect("3 points crosses the timeout threshold");
    assert!(escalation.success, "{escalation:?}");
    assert_eq!(escalation.case_number, Some(3));
    let case = app.case_row(3).await;
    assert_eq!(case.action, ModAction::Timeout);
    assert_eq!(case.source, "escalation");
    assert_eq!(case.duration_secs, Some(3_600));
    assert_eq!(
        case.strike_points, 0,
        "an escalation adds no strikes of its own"
    );
    assert_eq!(case.moderator_id, MODERATOR);
    assert!(case.reason.unwrap().contains("warning #2"));
    assert!(app
        .discord
        .member(GUILD, MEMBER)
        .unwrap()
        .communication_disabled_until
        .is_some());
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        3
    );

    // Further warnings below the next threshold do not escalate again.
    let third = app
        .services
        .moderation
        .warn(warn(MEMBER, "self_promo"))
        .await
        .unwrap();
    assert!(third.escalation.is_none());
    assert_eq!(
        third.standing.unwrap().active_points,
        3,
        "self_promo is 0-1, low end 0"
    );

    let counts = app.services.warnings.counts(GUILD, MEMBER).await.unwrap();
    assert_eq!(counts.warnings, 3);
    assert_eq!(counts.active_points, 3);
}

#[tokio::test]
async fn crossing_several_thresholds_at_once_applies_the_harshest() {
    let app = spawn_app().await;
    let result = app
        .services
        .moderation
        .warn(warn(MEMBER, "raid"))
        .await
        .unwrap();
    let escalation = result.escalation.expect("8 points crosses every threshold");
    assert!(escalation.success);
    assert_eq!(app.case_row(2).await.action, ModAction::Ban);
    assert!(app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(result.standing.unwrap().level, StandingLevel::Critical);
}

#[tokio::test]
async fn should_escalate_follows_the_guild_thresholds() {
    let app = spawn_app().await;
    app.configure("escalation", "2:kick, 4:tempban:3d").await;
    let w = &app.services.warnings;
    assert_eq!(w.should_escalate(GUILD, 0, 1).await.unwrap(), None);
    assert_eq!(
        w.should_escalate(GUILD, 1, 2)
            .await
            .unwrap()
            .unwrap()
            .action,
        ModAction::Kick
    );
    let step = w.should_escalate(GUILD, 1, 5).await.unwrap().unwrap();
    assert_eq!(step.action, ModAction::Tempban);
    assert_eq!(step.duration_secs, Some(3 * 86_400));
    app.configure("escalation", "none").await;
    assert_eq!(w.should_escalate(GUILD, 0, 50).await.unwrap(), None);
}

#[tokio::test]
async fn expired_and_voided_strikes_stop_counting_but_stay_on_record() {
    let app = spawn_app().await;
    app.configure("escalation", "none").await;
    for violation in ["harassment", "spam"] {
        let r = app
            .services
            .moderation
            .warn(warn(MEMBER, violation))
            .await
            .unwrap();
        assert!(r.success);
    }
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        3
    );

    let strikes = app.services.warnings.strikes(GUILD, MEMBER).await.unwrap();
    let expiry = strikes[0].expires_at - strikes[0].created_at;
    assert_eq!(expiry.num_days(), 90, "default strike expiry");

    // The harassment strike ages past its expiry.
    let harassment = strikes
        .iter()
        .find(|s| s.violation_type == "harassment")
        .unwrap();
    sqlx::query("UPDATE strikes SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(harassment.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        1
    );

    let spam = strikes.iter().find(|s| s.violation_type == "spam").unwrap();
    let voided = app
        .services
        .warnings
        .void_strike(GUILD, SENIOR_MOD, spam.id, "mistaken identity")
        .await
        .unwrap();
    assert_eq!(voided.voided_by, Some(SENIOR_MOD as i64));
    assert_eq!(voided.void_reason.as_deref(), Some("mistaken identity"));
    assert_eq!(
        app.services
            .warnings
            .active_points(GUILD, MEMBER)
            .await
            .unwrap(),
        0
    );
    let standing = app.services.warnings.standing(GUILD, MEMBER).await.unwrap();
    assert_eq!(standing.level, StandingLevel::Good);
    assert_eq!(
        app.services
            .warnings
            .strikes(GUILD, MEMBER)
            .await
            .unwrap()
            .len(),
        2,
        "kept"
    );

    let again = app
        .services
        .warnings
        .void_strike(GUILD, SENIOR_MOD, spam.id, "twice")
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already void"), "{again}");
    let event = app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "strike.voided")
        .unwrap();
    assert_eq!(event.actor_id, SENIOR_MOD);
    assert_eq!(event.violation_type, "spam");
}

#[tokio::test]
async fn a_guild_can_shorten_strike_expiry() {
    let app = spawn_app().await;
    app.configure("strike_expiry_days", "30").await;
    app.services
        .moderation
        .warn(warn(MEMBER, "spam"))
        .await
        .unwrap();
    let strike = &app.services.warnings.strikes(GUILD, MEMBER).await.unwrap()[0];
    assert_eq!((strike.expires_at - strike.created_at).num_days(), 30);
}
