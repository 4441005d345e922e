//! The moderation event log: complete, attributed, append-only.

use crate::support::app::*;
use gavel::domain::MuteType;
use gavel::services::ActionRequest;

#[tokio::test]
async fn every_event_from_every_path_has_an_actor_and_a_violation_type() {
    let app = spawn_app().await;
    app.configure("mute_role_text", &ROLE_MUTED_TEXT.to_string())
        .await;
    let s = &app.services;
    let plain = |target| ActionRequest::new(GUILD, MODERATOR, target);
    s.moderation.warn(plain(MEMBER)).await.unwrap();
    s.moderation
        .warn(plain(MEMBER).violation(Some("spam")).reason(Some("x")))
        .await
        .unwrap();
    s.moderation
        .timeout(plain(MEMBER), std::time::Duration::from_secs(60))
        .await
        .unwrap();
    s.mutes
        .mute(plain(OTHER_MEMBER), MuteType::Text, None)
        .await
        .unwrap();
    s.mutes.unmute(plain(OTHER_MEMBER), None).await.unwrap();
    s.moderation.kick(plain(SENIOR_MOD)).await.unwrap();
    s.moderation.ban(plain(STRANGER), None, None).await.unwrap();
    s.moderation.unban(plain(STRANGER)).await.unwrap();
    s.moderation.unban(plain(STRANGER)).await.unwrap();
    s.notes.add(GUILD, MODERATOR, MEMBER, "n").await.unwrap();
    s.flags
        .set(
            GUILD,
            MODERATOR,
            MEMBER,
            gavel::domain::UserFlag::Trusted,
            None,
        )
        .await
        .unwrap();
    s.cases.close(GUILD, MODERATOR, 1).await.unwrap();

    let events = app.events().await;
    assert!(events.len() >= 20, "{}", events.len());
    for e in &events {
        assert!(e.actor_id != 0, "{e:?}");
        assert!(!e.violation_type.is_empty(), "{e:?}");
    }
    assert!(events.iter().any(|e| e.violation_type == "spam"));
    assert!(events.iter().any(|e| e.violation_type == "unspecified"));
    let nulls: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mod_events WHERE actor_id IS NULL OR violation_type IS NULL OR violation_type = ''",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(nulls, 0);
}

#[tokio::test]
async fn the_event_log_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    app.services
        .notes
        .add(GUILD, MODERATOR, MEMBER, "n")
        .await
        .unwrap();
    for statement in [
        "UPDATE mod_events SET actor_id = 1",
        "DELETE FROM mod_events",
        "TRUNCATE mod_events CASCADE",
    ] {
        let err = sqlx::query(statement)
            .execute(&app.db.pool)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    assert_eq!(app.events().await.len(), 1);
}
