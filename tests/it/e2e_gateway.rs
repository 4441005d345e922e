//! Gateway events through the real bot: rejoins, Discord's own UI, sharding, shutdown.

use crate::support::app::*;
use crate::support::bot::*;
use discord_double::{audit_action, AuditLogEntry};
use gavel::domain::ModAction;
use gavel::services::ActionRequest;
use std::time::Duration;

async fn eventually<F: Fn() -> bool>(what: &str, check: F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn case_count(t: &TestBot, user: u64) -> i64 {
    t.app
        .services
        .cases
        .cases_of_user(GUILD, user, 0, 50)
        .await
        .unwrap()
        .1
}

async fn wait_for_event(t: &TestBot, kind: &str) -> gavel::store::event_log::ModEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(event) = t.app.events().await.into_iter().find(|e| e.kind == kind) {
            return event;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for a {kind} event"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_cases(t: &TestBot, user: u64, count: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while case_count(t, user).await != count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {count} cases of {user}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_member_who_rejoins_gets_the_mute_role_back() {
    let t = spawn_bot().await;
    t.app
        .configure("mute_role_both", &ROLE_MUTED_ALL.to_string())
        .await;
    let r = t
        .app
        .services
        .mutes
        .mute(
            ActionRequest::new(GUILD, MODERATOR, MEMBER),
            gavel::domain::MuteType::Both,
            None,
        )
        .await
        .unwrap();
    assert!(r.success);
    t.app.discord.member_leave(GUILD, MEMBER);
    t.app.discord.member_join(GUILD, MEMBER);
    eventually("the mute role back", || {
        t.app
            .discord
            .member(GUILD, MEMBER)
            .is_some_and(|m| m.roles.contains(&ROLE_MUTED_ALL))
    })
    .await;
    let restore = t
        .app
        .discord
        .requests_matching("PUT", &format!("/roles/{ROLE_MUTED_ALL}"))
        .pop()
        .unwrap();
    assert_eq!(
        restore.audit_reason.as_deref(),
        Some("[#1] mute evasion: mute role restored on rejoin")
    );
    let event = wait_for_event(&t, "mute.restored").await;
    assert_eq!(event.actor_id, BOT);

    // A member who was never muted gets nothing.
    t.app.discord.member_join(GUILD, STRANGER);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(t
        .app
        .discord
        .member(GUILD, STRANGER)
        .unwrap()
        .roles
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_in_discords_own_ui_become_cases_for_the_real_moderator() {
    let t = spawn_bot().await;
    t.app
        .discord
        .moderator_ban(GUILD, SENIOR_MOD, MEMBER, Some("raid account"));
    wait_for_cases(&t, MEMBER, 1).await;
    let case = t.app.case_row(1).await;
    assert_eq!(case.action, ModAction::Ban);
    assert_eq!(case.moderator_id, SENIOR_MOD);
    assert_eq!(case.source, "discord");
    assert_eq!(case.reason.as_deref(), Some("raid account"));

    t.app
        .discord
        .moderator_kick(GUILD, SENIOR_MOD, OTHER_MEMBER, None);
    wait_for_cases(&t, OTHER_MEMBER, 1).await;
    assert_eq!(t.app.case_row(2).await.action, ModAction::Kick);

    // Gavel's own action produces an audit entry too (actor: the bot): no second case.
    let r = t
        .command(
            MODERATOR,
            "mod timeout",
            vec![
                ("user", serde_json::json!(VIP.to_string())),
                ("duration", serde_json::json!("5m")),
            ],
        )
        .await;
    assert!(
        text(&r).contains("at or above"),
        "VIP is above Gavel: {}",
        text(&r)
    );
    let r = t
        .command(
            MODERATOR,
            "mod kick",
            vec![("user", serde_json::json!(SENIOR_MOD.to_string()))],
        )
        .await;
    assert!(text(&r).contains("at or above yours"));
    // Only the actor says whose entry it is: a bot entry is skipped, a human's is recorded even
    // when its reason looks like one of Gavel's.
    let entry = AuditLogEntry::new(audit_action::MEMBER_KICK, BOT, STRANGER).reason("cleanup");
    t.app.discord.audit_log_entry(GUILD, entry);
    let entry = AuditLogEntry::new(audit_action::MEMBER_KICK, MODERATOR, STRANGER)
        .reason("[#7] done by Gavel");
    t.app.discord.audit_log_entry(GUILD, entry);
    wait_for_cases(&t, STRANGER, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (cases, _) = t
        .app
        .services
        .cases
        .cases_of_user(GUILD, STRANGER, 0, 50)
        .await
        .unwrap();
    assert_eq!(cases.len(), 1, "the bot's entry made no case: {cases:?}");
    assert_eq!(cases[0].moderator_id, MODERATOR);
    assert_eq!(cases[0].reason.as_deref(), Some("[#7] done by Gavel"));
}

/// A reason that starts with `[#n]` does not hide a moderator's manual ban: it becomes a case
/// and ends the running tempban, which would otherwise lift the permanent ban.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_ban_whose_reason_looks_like_gavels_still_ends_the_tempban() {
    let t = spawn_bot().await;
    let r = t
        .command(
            MODERATOR,
            "mod ban",
            vec![
                ("user", serde_json::json!(MEMBER.to_string())),
                ("duration", serde_json::json!("2d")),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    let entry =
        AuditLogEntry::new(audit_action::MEMBER_BAN_ADD, SENIOR_MOD, MEMBER).reason("[#1] perma");
    t.app.discord.audit_log_entry(GUILD, entry);
    wait_for_cases(&t, MEMBER, 2).await;
    let ban = t.app.case_row(2).await;
    assert_eq!(ban.action, ModAction::Ban);
    assert_eq!(ban.moderator_id, SENIOR_MOD);
    let tempban = gavel::store::tempbans::active_for_user(&t.app.db.pool, GUILD, MEMBER)
        .await
        .unwrap();
    assert!(tempban.is_none(), "the permanent ban ended the tempban");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_unban_in_discord_ends_the_tempban() {
    let t = spawn_bot().await;
    let r = t
        .command(
            MODERATOR,
            "mod ban",
            vec![
                ("user", serde_json::json!(MEMBER.to_string())),
                ("duration", serde_json::json!("2d")),
            ],
        )
        .await;
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        case_count(&t, MEMBER).await,
        1,
        "the bot's own ban is not recorded twice"
    );

    t.app
        .discord
        .moderator_unban(GUILD, SENIOR_MOD, MEMBER, Some("appeal in DMs"));
    wait_for_cases(&t, MEMBER, 2).await;
    let unban = t.app.case_row(2).await;
    assert_eq!(unban.action, ModAction::Unban);
    assert_eq!(unban.moderator_id, SENIOR_MOD);
    let tempban = gavel::store::tempbans::active_for_user(&t.app.db.pool, GUILD, MEMBER)
        .await
        .unwrap();
    assert!(tempban.is_none(), "the tempban ended with the manual unban");
    assert!(t
        .app
        .events()
        .await
        .iter()
        .any(|e| e.kind == "tempban.ended" && e.actor_id == SENIOR_MOD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_set_in_discord_becomes_a_case() {
    let t = spawn_bot().await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    t.app
        .discord
        .moderator_timeout(GUILD, SENIOR_MOD, MEMBER, Some(&until), Some("cool off"));
    wait_for_cases(&t, MEMBER, 1).await;
    let case = t.app.case_row(1).await;
    assert_eq!(case.action, ModAction::Timeout);
    assert_eq!(case.moderator_id, SENIOR_MOD);
    assert!(case.expires_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_the_shards_and_one_database() {
    let app = spawn_app().await;
    let first = start_bot(
        &app,
        Some(gavel::discord::bot::parse_shards("0", 2).unwrap()),
    )
    .await;
    let second = start_bot(
        &app,
        Some(gavel::discord::bot::parse_shards("1", 2).unwrap()),
    )
    .await;
    assert!(
        app.discord
            .wait_for_connected_shard([0, 2], Duration::from_secs(10))
            .await
    );
    assert!(
        app.discord
            .wait_for_connected_shard([1, 2], Duration::from_secs(10))
            .await
    );
    let identifies = app.discord.identifies();
    let intents = identifies[0].intents;
    // GUILDS | GUILD_MEMBERS | GUILD_MODERATION | GUILD_MESSAGES | MESSAGE_CONTENT
    assert_eq!(intents, 1 | 2 | 4 | 512 | 32768);
    let r = app
        .discord
        .invoke_command(
            GUILD,
            GENERAL,
            MODERATOR,
            "mod warn",
            vec![
                ("user", serde_json::json!(MEMBER.to_string())),
                ("reason", serde_json::json!("x")),
            ],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(text(&r).contains("Case #1"), "{}", text(&r));
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_interaction_in_flight() {
    let mut t = spawn_bot().await;
    // Slow Discord down so the ban is still running when the signal comes.
    t.app
        .discord
        .set_response_delay("PUT", "/bans/", Duration::from_millis(800));
    let handle = t.app.discord.invoke_command(
        GUILD,
        GENERAL,
        MODERATOR,
        "mod ban",
        vec![("user", serde_json::json!(MEMBER.to_string()))],
    );
    t.app
        .discord
        .wait_for_request("PUT", "/bans/", Duration::from_secs(10))
        .await;
    let stopping = tokio::spawn(t.bot.take().unwrap().stop());
    let reply = handle.reply(REPLY_TIMEOUT).await.unwrap();
    assert!(text(&reply).contains("Case #1"), "{}", text(&reply));
    stopping.await.unwrap().expect("exit without error");
    assert_eq!(
        t.app.case_row(1).await.state,
        gavel::domain::CaseState::Applied
    );
}
