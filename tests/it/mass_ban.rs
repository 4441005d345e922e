//! `/mod massban`: a preview first, Confirm only by its moderator (with Ban Members and Manage
//! Server when pressed), Discord's bulk ban per 200 users, one case per user with the batch id.

use crate::support::app::*;
use crate::support::bot::*;
use gavel::domain::CaseState;
use gavel::ports::discord::permissions::MANAGE_GUILD;
use gavel::services::mass_ban::MassBanRequest;
use serde_json::json;

/// Senior mods may bulk ban (Manage Server), and so may Gavel.
fn grant_manage_server(app: &TestApp) {
    app.discord
        .set_role_permissions(GUILD, ROLE_BOT, BOT_PERMISSIONS | MANAGE_GUILD);
    app.discord
        .set_role_permissions(GUILD, ROLE_SENIOR_MOD, MOD_PERMISSIONS | MANAGE_GUILD);
}

async fn batch_cases(app: &TestApp, batch: uuid::Uuid) -> Vec<gavel::store::cases::Case> {
    gavel::store::cases::for_batch(&app.db.pool, GUILD, batch)
        .await
        .unwrap()
}

async fn case_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mod_cases")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn button(reply: &discord_double::Reply, choice: &str) -> String {
    custom_ids(reply)
        .into_iter()
        .find(|c| c.starts_with(&format!("gavel:massban:{choice}:")))
        .unwrap_or_else(|| panic!("no {choice} button: {}", text(reply)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_ids_take_five_bulk_ban_calls_and_one_case_each() {
    let app = spawn_app().await;
    grant_manage_server(&app);
    let raiders: Vec<u64> = (0..998).map(|i| 700_000_000_000_000_000 + i).collect();
    for (i, id) in raiders.iter().enumerate() {
        app.discord.add_user(*id, &format!("raider{i}"), false);
        if i % 2 == 0 {
            app.discord.add_member(GUILD, *id, &[]);
        }
    }
    // VIP is above Gavel, the admin above the senior mod: both skipped, no case.
    let mut text = raiders
        .iter()
        .map(|id| format!("<@{id}>"))
        .collect::<Vec<_>>()
        .join("\n");
    text.push_str(&format!(", {VIP}, {ADMIN}"));
    let service = &app.services.mass_ban;
    let preview = service
        .preview(&MassBanRequest {
            guild_id: GUILD,
            moderator_id: SENIOR_MOD,
            users: Some(text),
            reason: Some("raid wave".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(preview.to_ban.len(), 998);
    assert_eq!(preview.members.len(), 499);
    let skipped: Vec<u64> = preview.skipped.iter().map(|s| s.user_id).collect();
    assert_eq!(skipped, vec![VIP, ADMIN]);
    assert!(app
        .discord
        .requests_matching("POST", "/bulk-ban")
        .is_empty());
    assert_eq!(case_count(&app).await, 0, "a preview opens no case");

    // Two are banned by hand before Confirm: Discord reports them failed.
    app.discord.ban_directly(GUILD, raiders[3], Some("by hand"));
    app.discord
        .ban_directly(GUILD, raiders[500], Some("by hand"));
    let batch = preview.batch_id.unwrap();
    let report = service.confirm(GUILD, SENIOR_MOD, batch).await.unwrap();

    let calls = app.discord.requests_matching("POST", "/bulk-ban");
    assert_eq!(calls.len(), 5, "1,000 ids, 200 a call");
    for call in &calls {
        let reason = call.audit_reason.as_deref().unwrap();
        assert!(
            reason.starts_with("[batch ") && reason.ends_with("] raid wave"),
            "{reason}"
        );
    }
    assert_eq!(report.banned.len(), 996);
    let failed: Vec<u64> = report.failed.iter().map(|c| c.target_id).collect();
    assert_eq!(failed, vec![raiders[3], raiders[500]]);
    assert!(report.pending.is_empty());
    assert_eq!(report.skipped.len(), 2);

    let cases = batch_cases(&app, batch).await;
    assert_eq!(cases.len(), 998, "one case per user, all with the batch id");
    assert_eq!(case_count(&app).await, 998, "skipped users have no case");
    for case in &cases {
        assert_eq!(case.source, "massban");
        assert_eq!(case.batch_id, Some(batch));
        let expected = if failed.contains(&case.target_id) {
            CaseState::Failed
        } else {
            CaseState::Applied
        };
        assert_eq!(case.state, expected, "case #{}", case.case_number);
    }
    assert!(cases
        .iter()
        .filter(|c| c.state == CaseState::Failed)
        .all(|c| c
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("already banned"))));
    assert!(app.discord.is_banned(GUILD, raiders[0]) && app.discord.is_banned(GUILD, raiders[997]));
    assert!(!app.discord.is_banned(GUILD, VIP) && !app.discord.is_banned(GUILD, ADMIN));

    // A second Confirm does nothing.
    let again = service.confirm(GUILD, SENIOR_MOD, batch).await.unwrap_err();
    assert!(again.to_string().contains("already"), "{again}");
    assert_eq!(app.discord.requests_matching("POST", "/bulk-ban").len(), 5);
    app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mass_ban_is_previewed_and_only_its_moderator_can_confirm_it() {
    let t = spawn_bot().await;
    grant_manage_server(&t.app);
    t.app
        .configure("log_channel", &LOG_CHANNEL.to_string())
        .await;
    let users = format!("<@{MEMBER}>, {STRANGER}\n{VIP} junk <@!{MEMBER}> <@&{ROLE_MOD}>");
    let preview = t
        .command(
            SENIOR_MOD,
            "mod massban",
            vec![("users", json!(users)), ("reason", json!("raid"))],
        )
        .await;
    let shown = text(&preview);
    assert!(preview.ephemeral);
    assert!(shown.contains("Mass ban: 2 users"), "{shown}");
    assert!(shown.contains("1 in the server now, 1 not"), "{shown}");
    assert!(
        shown.contains(&format!("<@{VIP}>: ranked at or above you")),
        "{shown}"
    );
    assert!(
        shown.contains("`junk`") && shown.contains("1 repeat counted once"),
        "{shown}"
    );
    assert!(!t.app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(case_count(&t.app).await, 0);
    let message = preview.message_id.unwrap();
    let confirm = button(&preview, "confirm");

    // Another moderator (even an admin) cannot press it.
    let stolen = t
        .app
        .discord
        .press_button(GUILD, GENERAL, ADMIN, message, &confirm)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&stolen).contains("Only the moderator who previewed"),
        "{}",
        text(&stolen)
    );
    assert!(t
        .app
        .discord
        .requests_matching("POST", "/bulk-ban")
        .is_empty());

    let done = t
        .app
        .discord
        .press_button(GUILD, GENERAL, SENIOR_MOD, message, &confirm)
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    let shown = text(&done);
    assert!(shown.contains("Banned 2 users"), "{shown}");
    assert!(
        shown.contains(&format!("<@{VIP}>")),
        "skipped listed: {shown}"
    );
    assert!(t.app.discord.is_banned(GUILD, MEMBER) && t.app.discord.is_banned(GUILD, STRANGER));
    assert!(!t.app.discord.is_banned(GUILD, VIP));
    let batch: uuid::Uuid = confirm.split(':').nth(3).unwrap().parse().unwrap();
    let cases = batch_cases(&t.app, batch).await;
    assert_eq!(
        cases.iter().map(|c| c.target_id).collect::<Vec<_>>(),
        vec![MEMBER, STRANGER]
    );
    assert!(cases.iter().all(|c| c.state == CaseState::Applied));
    // One summary in the mod log, not a post per user.
    let log = t.app.discord.channel_messages(LOG_CHANNEL);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].to_string().contains("Mass ban"), "{:?}", log[0]);
    t.app.check_requests_against_spec();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_changes_nothing_and_confirm_then_refuses() {
    let t = spawn_bot().await;
    grant_manage_server(&t.app);
    let preview = t
        .command(
            SENIOR_MOD,
            "mod massban",
            vec![("users", json!(format!("{MEMBER} {STRANGER}")))],
        )
        .await;
    let message = preview.message_id.unwrap();
    let cancelled = t
        .app
        .discord
        .press_button(
            GUILD,
            GENERAL,
            SENIOR_MOD,
            message,
            &button(&preview, "cancel"),
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(cancelled.kind, 7, "the preview is replaced: {cancelled:?}");
    assert!(
        text(&cancelled).contains("Nothing was done"),
        "{}",
        text(&cancelled)
    );
    assert!(cancelled.components.is_empty());
    // The buttons are gone from the message; Confirm of the old id is refused too.
    let err = t
        .app
        .services
        .mass_ban
        .confirm(
            GUILD,
            SENIOR_MOD,
            button(&preview, "confirm")
                .split(':')
                .nth(3)
                .unwrap()
                .parse()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert!(t
        .app
        .discord
        .requests_matching("POST", "/bulk-ban")
        .is_empty());
    assert!(!t.app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(case_count(&t.app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_manage_server_a_moderator_is_refused_when_asking_and_when_pressing() {
    let t = spawn_bot().await;
    grant_manage_server(&t.app);
    let refused = t
        .command(
            MODERATOR,
            "mod massban",
            vec![("users", json!(MEMBER.to_string()))],
        )
        .await;
    assert!(
        text(&refused).contains("Manage Server"),
        "{}",
        text(&refused)
    );
    let batches: i64 = sqlx::query_scalar("SELECT count(*) FROM mass_ban_batches")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(batches, 0);

    let preview = t
        .command(
            SENIOR_MOD,
            "mod massban",
            vec![("users", json!(MEMBER.to_string()))],
        )
        .await;
    // Manage Server is taken away before Confirm.
    t.app
        .discord
        .set_role_permissions(GUILD, ROLE_SENIOR_MOD, MOD_PERMISSIONS);
    let pressed = t
        .app
        .discord
        .press_button(
            GUILD,
            GENERAL,
            SENIOR_MOD,
            preview.message_id.unwrap(),
            &button(&preview, "confirm"),
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&pressed).contains("Manage Server"),
        "{}",
        text(&pressed)
    );
    assert!(!t.app.discord.is_banned(GUILD, MEMBER));
    assert_eq!(case_count(&t.app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_can_come_from_a_message_this_moderator_can_read_in_this_server() {
    let app = spawn_app().await;
    grant_manage_server(&app);
    seed_other_guild(&app.discord);
    add_staff_channel(&app.discord);
    let link = |channel: u64, message: u64, guild: u64| {
        format!("https://discord.com/channels/{guild}/{channel}/{message}")
    };
    let listing = app.discord.message_create(
        GENERAL,
        OTHER_MEMBER,
        &format!("raiders:\n<@{MEMBER}>\n{STRANGER}"),
    );
    let request = |from: String| MassBanRequest {
        guild_id: GUILD,
        moderator_id: SENIOR_MOD,
        from_message: Some(from),
        ..Default::default()
    };
    let service = &app.services.mass_ban;
    let preview = service
        .preview(&request(link(GENERAL, listing, GUILD)))
        .await
        .unwrap();
    assert_eq!(preview.to_ban, vec![MEMBER, STRANGER]);
    assert_eq!(preview.invalid, vec!["raiders:".to_string()]);

    let elsewhere = app
        .discord
        .message_create(OTHER_CHANNEL, OTHER_OWNER, &MEMBER.to_string());
    let err = service
        .preview(&request(link(OTHER_CHANNEL, elsewhere, OTHER_GUILD)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another server"), "{err}");
    // A link that claims our server but points at another server's channel.
    let err = service
        .preview(&request(link(OTHER_CHANNEL, elsewhere, GUILD)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another server"), "{err}");
    let staff = app
        .discord
        .message_create(STAFF_CHANNEL, ADMIN, &MEMBER.to_string());
    let err = service
        .preview(&request(link(STAFF_CHANNEL, staff, GUILD)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
    let err = service
        .preview(&request("not a link".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("message link"), "{err}");
    let batches: i64 = sqlx::query_scalar("SELECT count(*) FROM mass_ban_batches")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(batches, 1, "only the readable message made a batch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lists_are_refused_in_one_sentence() {
    let app = spawn_app().await;
    grant_manage_server(&app);
    let service = &app.services.mass_ban;
    let ask = |users: String| MassBanRequest {
        guild_id: GUILD,
        moderator_id: SENIOR_MOD,
        users: Some(users),
        ..Default::default()
    };
    let err = service
        .preview(&ask("hello there".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("No user ids"), "{err}");
    let many = (0..1001)
        .map(|i| (700_000_000_000_000_000u64 + i).to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let err = service.preview(&ask(many)).await.unwrap_err();
    assert!(err.to_string().contains("at most 1000"), "{err}");
    let err = service
        .preview(&MassBanRequest::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Give the users"), "{err}");
    // Everyone skipped or already banned: a preview without a batch.
    app.discord.ban_directly(GUILD, STRANGER, None);
    let preview = service
        .preview(&ask(format!("{VIP} {STRANGER} {SENIOR_MOD}")))
        .await
        .unwrap();
    assert!(preview.batch_id.is_none());
    assert_eq!(preview.already_banned, vec![STRANGER]);
    assert_eq!(preview.skipped.len(), 2);
    assert!(app
        .discord
        .requests_matching("POST", "/bulk-ban")
        .is_empty());
}
