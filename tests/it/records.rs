//! Notes, flags, case templates and guild settings.

use crate::support::app::*;
use gavel::domain::{ModAction, UserFlag};
use gavel::services::templates::TemplateInput;
use std::time::Duration;

#[tokio::test]
async fn notes_are_added_listed_and_deleted_without_losing_the_record() {
    let app = spawn_app().await;
    let notes = &app.services.notes;
    let first = notes
        .add(GUILD, MODERATOR, MEMBER, "  alt of a banned user?  ")
        .await
        .unwrap();
    assert_eq!(first.content, "alt of a banned user?");
    notes
        .add(GUILD, SENIOR_MOD, MEMBER, "confirmed")
        .await
        .unwrap();
    assert_eq!(notes.list(GUILD, MEMBER).await.unwrap().len(), 2);

    notes.delete(GUILD, SENIOR_MOD, first.id).await.unwrap();
    let left = notes.list(GUILD, MEMBER).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].content, "confirmed");
    let kept: Option<i64> = sqlx::query_scalar("SELECT deleted_by FROM notes WHERE id = $1")
        .bind(first.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kept, Some(SENIOR_MOD as i64));

    assert!(notes
        .delete(GUILD, SENIOR_MOD, first.id)
        .await
        .unwrap_err()
        .to_string()
        .contains("no note"));
    assert!(notes.add(GUILD, MODERATOR, MEMBER, "   ").await.is_err());
    let long = notes
        .add(GUILD, MODERATOR, MEMBER, &"x".repeat(2001))
        .await
        .unwrap_err();
    assert!(long.to_string().contains("2000"));
    // Another guild cannot see or delete this guild's notes.
    assert!(notes
        .delete(GUILD + 1, SENIOR_MOD, left[0].id)
        .await
        .is_err());
}

#[tokio::test]
async fn flags_are_set_once_and_cleared() {
    let app = spawn_app().await;
    let flags = &app.services.flags;
    flags
        .set(GUILD, MODERATOR, MEMBER, UserFlag::Suspicious, None)
        .await
        .unwrap();
    flags
        .set(
            GUILD,
            MODERATOR,
            MEMBER,
            UserFlag::AltAccount,
            Some("same IP pattern"),
        )
        .await
        .unwrap();
    let again = flags
        .set(GUILD, MODERATOR, MEMBER, UserFlag::Suspicious, None)
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("already flagged suspicious"),
        "{again}"
    );
    assert_eq!(flags.list(GUILD, MEMBER).await.unwrap().len(), 2);
    flags
        .clear(GUILD, MODERATOR, MEMBER, UserFlag::Suspicious)
        .await
        .unwrap();
    let left = flags.list(GUILD, MEMBER).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].flag, UserFlag::AltAccount);
    assert_eq!(left[0].reason.as_deref(), Some("same IP pattern"));
    let missing = flags
        .clear(GUILD, MODERATOR, MEMBER, UserFlag::Trusted)
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("not flagged trusted"));
}

#[tokio::test]
async fn case_templates_are_validated_saved_and_replaced_by_name() {
    let app = spawn_app().await;
    let t = &app.services.templates;
    let saved = t
        .save(
            GUILD,
            ADMIN,
            TemplateInput {
                name: "scam-links",
                action: ModAction::Tempban,
                reason: Some("Posting scam links"),
                violation: Some("Scam or phishing"),
                duration: Some(Duration::from_secs(7 * 86_400)),
                points: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(saved.violation_type.as_deref(), Some("scam"));
    let fetched = t.get(GUILD, "SCAM-LINKS").await.unwrap();
    assert_eq!(fetched.duration_secs, Some(604_800));

    let replaced = t
        .save(
            GUILD,
            ADMIN,
            TemplateInput {
                name: "scam-links",
                action: ModAction::Ban,
                reason: Some("Scam links, permanent"),
                violation: Some("scam"),
                duration: None,
                points: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.action, ModAction::Ban);
    assert_eq!(t.list(GUILD).await.unwrap().len(), 1);

    for (action, duration, violation, expected) in [
        (ModAction::Timeout, None, None, "needs a duration"),
        (
            ModAction::Kick,
            Some(Duration::from_secs(60)),
            None,
            "cannot have a duration",
        ),
        (ModAction::Unban, None, None, "cannot be one"),
        (
            ModAction::Warn,
            None,
            Some("jaywalking"),
            "not a violation type",
        ),
    ] {
        let err = t
            .save(
                GUILD,
                ADMIN,
                TemplateInput {
                    name: "bad",
                    action,
                    reason: None,
                    violation,
                    duration,
                    points: None,
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{action}: {err}");
    }
    t.delete(GUILD, ADMIN, "scam-links").await.unwrap();
    assert!(t.get(GUILD, "scam-links").await.is_err());
    assert!(t.delete(GUILD, ADMIN, "scam-links").await.is_err());
}

#[tokio::test]
async fn settings_change_one_at_a_time_and_bad_values_change_nothing() {
    let app = spawn_app().await;
    let settings = &app.services.settings;
    let defaults = settings.get(GUILD).await.unwrap();
    assert!(defaults.dm_on_action);
    assert_eq!(
        defaults.escalation.describe(),
        "3:timeout:1h, 5:tempban:1w, 8:ban"
    );

    settings
        .set(
            GUILD,
            ADMIN,
            "mod_roles",
            &format!("<@&{ROLE_MOD}> {ROLE_SENIOR_MOD}"),
        )
        .await
        .unwrap();
    settings
        .set(GUILD, ADMIN, "dm_on_action", "off")
        .await
        .unwrap();
    let err = settings
        .set(GUILD, ADMIN, "escalation", "3:timeout")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs a duration"), "{err}");
    let err = settings
        .set(GUILD, ADMIN, "colour", "blue")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a setting"), "{err}");

    let now = settings.get(GUILD).await.unwrap();
    assert_eq!(now.mod_role_ids, vec![ROLE_MOD, ROLE_SENIOR_MOD]);
    assert!(!now.dm_on_action);
    assert_eq!(
        now.escalation, defaults.escalation,
        "the bad escalation value changed nothing"
    );

    // With DMs off, actions do not DM.
    let r = app
        .services
        .moderation
        .kick(gavel::services::ActionRequest::new(
            GUILD, MODERATOR, MEMBER,
        ))
        .await
        .unwrap();
    assert!(r.success && !r.user_notified);
    assert!(app.discord.dms_to(MEMBER).is_empty());

    let changes: Vec<_> = app
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "settings.changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|e| e.actor_id == ADMIN));
}
