//! Buttons, menus and forms check the presser's permission when they are used, not only when
//! the message was opened: a moderator who lost their role cannot keep using an open panel.

use crate::support::app::*;
use crate::support::bot::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_moderator_cannot_redraw_an_open_panel_with_its_menu() {
    let t = spawn_bot().await;
    let panel = t
        .command(
            MODERATOR,
            "mod panel",
            vec![("user", json!(MEMBER.to_string()))],
        )
        .await;
    let message = panel.message_id.expect("the panel is a message");
    let menu = custom_ids(&panel)
        .into_iter()
        .find(|c| c.starts_with("gavel:panelpick:"))
        .expect("the panel has its menu");
    let before = t.app.discord.message_json(message);

    // An admin takes the moderator role away while the panel is open.
    t.app.discord.set_member_roles(GUILD, MODERATOR, &[]);

    let picked = t
        .app
        .discord
        .select_option(GUILD, GENERAL, MODERATOR, message, &menu, vec!["v.spam"])
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_ne!(picked.kind, 7, "the panel was redrawn: {picked:?}");
    assert!(picked.ephemeral, "{picked:?}");
    assert!(
        text(&picked).contains("Moderate Members permission or a moderator role"),
        "{}",
        text(&picked)
    );
    assert_eq!(
        t.app.discord.message_json(message),
        before,
        "the panel is unchanged"
    );

    // Nor can they press its buttons.
    let warn = custom_ids(&panel)
        .into_iter()
        .find(|c| c.starts_with("gavel:panel:warn:"))
        .unwrap();
    let pressed = t
        .app
        .discord
        .press_button(GUILD, GENERAL, MODERATOR, message, &warn)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_ne!(pressed.kind, 9, "a form opened: {pressed:?}");
    assert!(
        text(&pressed).contains("Moderate Members permission or a moderator role"),
        "{}",
        text(&pressed)
    );
}
