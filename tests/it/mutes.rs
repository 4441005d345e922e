//! Role-based mutes.

use crate::support::app::*;
use gavel::domain::{ModAction, MuteType};
use gavel::services::ActionRequest;
use std::time::Duration;

fn by_mod(target: u64) -> ActionRequest {
    ActionRequest::new(GUILD, MODERATOR, target).reason(Some("too loud"))
}

#[tokio::test]
async fn mute_adds_the_configured_role_and_unmute_removes_it() {
    let app = spawn_app().await;
    app.configure("mute_role_text", &format!("<@&{ROLE_MUTED_TEXT}>"))
        .await;
    app.configure("mute_role_voice", &ROLE_MUTED_VOICE.to_string())
        .await;

    let result = app
        .services
        .mutes
        .mute(
            by_mod(MEMBER),
            MuteType::Text,
            Some(Duration::from_secs(600)),
        )
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    let voice = app
        .services
        .mutes
        .mute(by_mod(MEMBER), MuteType::Voice, None)
        .await
        .unwrap();
    assert!(voice.success);
    let roles = app.discord.member(GUILD, MEMBER).unwrap().roles;
    assert!(roles.contains(&ROLE_MUTED_TEXT) && roles.contains(&ROLE_MUTED_VOICE));
    let add = app
        .mutating_requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path.ends_with(&format!("/roles/{ROLE_MUTED_TEXT}")))
        .unwrap();
    assert_eq!(add.audit_reason.as_deref(), Some("[#1] too loud"));

    let active = app
        .services
        .mutes
        .active_mutes(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(active.len(), 2);
    let text = active
        .iter()
        .find(|m| m.mute_type == MuteType::Text)
        .unwrap();
    assert!(text.expires_at.is_some());
    assert!(active
        .iter()
        .find(|m| m.mute_type == MuteType::Voice)
        .unwrap()
        .expires_at
        .is_none());

    let unmute = app
        .services
        .mutes
        .unmute(by_mod(MEMBER), Some(MuteType::Text))
        .await
        .unwrap();
    assert!(unmute.success, "{unmute:?}");
    assert_eq!(app.case_row(3).await.action, ModAction::Unmute);
    let roles = app.discord.member(GUILD, MEMBER).unwrap().roles;
    assert!(!roles.contains(&ROLE_MUTED_TEXT) && roles.contains(&ROLE_MUTED_VOICE));
    let active = app
        .services
        .mutes
        .active_mutes(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(active.len(), 1);

    let err = app
        .services
        .mutes
        .unmute(by_mod(MEMBER), Some(MuteType::Text))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no active text mute"), "{err}");

    let all = app
        .services
        .mutes
        .unmute(by_mod(MEMBER), None)
        .await
        .unwrap();
    assert!(all.success);
    assert!(app
        .services
        .mutes
        .active_mutes(GUILD, MEMBER)
        .await
        .unwrap()
        .is_empty());
    app.check_requests_against_spec();
}

#[tokio::test]
async fn a_missing_or_unassignable_mute_role_is_a_clear_error_with_no_case() {
    let app = spawn_app().await;
    let err = app
        .services
        .mutes
        .mute(by_mod(MEMBER), MuteType::Both, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("No both mute role is set"),
        "{err}"
    );
    assert!(
        err.to_string().contains("/mod config set mute_role_both"),
        "{err}"
    );

    app.configure("mute_role_both", &ROLE_ABOVE_BOT.to_string())
        .await;
    let err = app
        .services
        .mutes
        .mute(by_mod(MEMBER), MuteType::Both, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("at or above Gavel's highest role"),
        "{err}"
    );

    app.configure("mute_role_both", "200000000000000999").await;
    let err = app
        .services
        .mutes
        .mute(by_mod(MEMBER), MuteType::Both, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no longer exists"), "{err}");

    assert!(app.mutating_requests().is_empty());
    let (cases, _) = app
        .services
        .cases
        .cases_of_user(GUILD, MEMBER, 0, 10)
        .await
        .unwrap();
    assert!(cases.is_empty());
}

#[tokio::test]
async fn a_second_mute_of_the_same_type_replaces_the_first() {
    let app = spawn_app().await;
    app.configure("mute_role_both", &ROLE_MUTED_ALL.to_string())
        .await;
    for _ in 0..2 {
        let r = app
            .services
            .mutes
            .mute(by_mod(MEMBER), MuteType::Both, None)
            .await
            .unwrap();
        assert!(r.success);
    }
    let active = app
        .services
        .mutes
        .active_mutes(GUILD, MEMBER)
        .await
        .unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(app.case_row(2).await.id, active[0].case_id);
}
