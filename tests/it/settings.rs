//! Guild settings under concurrent changes.

use crate::support::app::*;

/// Two admins changing different settings at the same moment both keep their change.
#[tokio::test]
async fn concurrent_changes_to_different_settings_are_all_kept() {
    let app = spawn_app().await;
    // Each round: several admins change different settings at once, from the defaults.
    for round in 0..5u64 {
        let changes = [
            ("mod_roles", format!("{}", ROLE_MOD)),
            ("log_channel", format!("{}", LOG_CHANNEL)),
            ("mute_role_text", format!("{}", ROLE_MUTED_TEXT)),
            ("mute_role_voice", format!("{}", ROLE_MUTED_VOICE)),
            ("mute_role_both", format!("{}", ROLE_MUTED_ALL)),
            ("dm_on_action", "off".to_string()),
            ("strike_expiry_days", format!("{}", 30 + round)),
            ("escalation", "3:timeout:1h, 8:ban".to_string()),
        ];
        let tasks: Vec<_> = changes
            .iter()
            .map(|(key, value)| {
                let settings = app.services.settings.clone();
                let (key, value) = (key.to_string(), value.clone());
                tokio::spawn(async move { settings.set(GUILD, ADMIN, &key, &value).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().expect("each change is valid");
        }
        let now = app.services.settings.get(GUILD).await.unwrap();
        assert_eq!(now.mod_role_ids, vec![ROLE_MOD], "round {round}");
        assert_eq!(now.log_channel_id, Some(LOG_CHANNEL), "round {round}");
        assert_eq!(now.mute_role_text, Some(ROLE_MUTED_TEXT), "round {round}");
        assert_eq!(now.mute_role_voice, Some(ROLE_MUTED_VOICE), "round {round}");
        assert_eq!(now.mute_role_both, Some(ROLE_MUTED_ALL), "round {round}");
        assert!(!now.dm_on_action, "round {round}");
        assert_eq!(now.strike_expiry_days, 30 + round as i32, "round {round}");
        assert_eq!(now.escalation.steps().len(), 2, "round {round}");
        // Back to the defaults for the next round.
        for (key, value) in [
            ("mod_roles", "none"),
            ("log_channel", "none"),
            ("mute_role_text", "none"),
            ("mute_role_voice", "none"),
            ("mute_role_both", "none"),
            ("dm_on_action", "on"),
            ("escalation", "none"),
        ] {
            app.services
                .settings
                .set(GUILD, ADMIN, key, value)
                .await
                .unwrap();
        }
    }
}
