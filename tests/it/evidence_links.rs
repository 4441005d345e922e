//! `/mod evidence list` hands moderators links that open each stored object for 15 minutes:
//! presigned GETs on S3, signed single-use links to Gavel's own endpoint on local storage.
//! Only for this server's cases; every link is an event.

use crate::evidence::{put, s3_app};
use crate::support::app::*;
use crate::support::bot::{start_bot, text, REPLY_TIMEOUT};
use crate::support::s3::{temp_dir, test_key};
use gavel::config::EvidenceConfig;
use gavel::domain::ModAction;
use gavel::services::cases::ExternalCase;
use serde_json::json;

async fn case_in(app: &TestApp, guild_id: u64, moderator: u64, target: u64) -> i32 {
    app.services
        .cases
        .record(ExternalCase {
            guild_id,
            action: ModAction::Warn,
            moderator_id: moderator,
            target_id: target,
            reason: Some("spam"),
            duration_secs: None,
            expires_at: None,
            source: "test",
        })
        .await
        .expect("case recorded")
        .case_number
}

/// Uploads `body` as evidence of the case through a one-time upload link.
async fn upload(app: &TestApp, guild_id: u64, actor: u64, case: i32, name: &str, body: &[u8]) {
    let evidence = &app.services.evidence;
    let (upload, link) = evidence
        .request_upload(
            guild_id,
            actor,
            case,
            name,
            "text/plain",
            body.len() as u64,
            None,
        )
        .await
        .unwrap();
    let status = put(&link.url, "text/plain", body.to_vec()).await;
    assert!(status.is_success(), "{status}");
    if evidence.runtime_handle().unwrap().store.backend() != "local" {
        evidence
            .complete_upload(Some(guild_id), upload.id, Some(actor))
            .await
            .unwrap();
    }
}

/// The URLs of the links reply (`[Open](url)` fields).
fn link_urls(embeds: &[serde_json::Value]) -> Vec<String> {
    embeds
        .iter()
        .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| {
            let value = f["value"].as_str()?;
            Some(
                value
                    .strip_prefix("[Open](")?
                    .strip_suffix(')')?
                    .to_string(),
            )
        })
        .collect()
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let response = reqwest::get(url).await.expect("the endpoint answers");
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

async fn link_events(app: &TestApp) -> Vec<gavel::store::event_log::ModEvent> {
    app.events()
        .await
        .into_iter()
        .filter(|e| e.kind == "evidence.link_created")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_links_open_the_object_once_and_expire() {
    // The bot serves the endpoint itself, as `gavel run` does.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let mut config = EvidenceConfig::local(temp_dir("local-links"));
    config.signing_key = Some(test_key());
    config.upload_addr = address;
    config.public_url = format!("http://{address}");
    let app = spawn_app_with_evidence(config).await;
    let _bot = start_bot(&app, None).await;
    let case = case_in(&app, GUILD, MODERATOR, MEMBER).await;
    upload(&app, GUILD, MODERATOR, case, "chat.txt", b"the chat log").await;

    let handle = app.discord.invoke_command(
        GUILD,
        GENERAL,
        MODERATOR,
        "mod evidence list",
        vec![("case", json!(case))],
    );
    let listed = handle.reply(REPLY_TIMEOUT).await.unwrap();
    assert!(text(&listed).contains("chat.txt"), "{}", text(&listed));
    let followups = handle.wait_for_followups(1, REPLY_TIMEOUT).await.unwrap();
    let links = &followups[0];
    assert_eq!(
        links["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "only the moderator sees it"
    );
    let embeds = links["embeds"].as_array().cloned().unwrap_or_default();
    assert!(links.to_string().contains("15 minutes"), "{links}");
    let urls = link_urls(&embeds);
    assert_eq!(urls.len(), 1, "{links}");
    assert!(
        urls[0].starts_with(&format!("http://{address}/evidence/download?")),
        "{}",
        urls[0]
    );

    let (status, body) = get(&urls[0]).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"the chat log");
    let (status, _) = get(&urls[0]).await;
    assert_eq!(status, 410, "a local link works once");

    // A link past its 15 minutes is refused, however it was signed.
    let fresh = app
        .services
        .evidence
        .download_links(GUILD, MODERATOR, case, 0, 5)
        .await
        .unwrap()
        .0;
    sqlx::query("UPDATE evidence_download_links SET expires_at = now() - interval '1 second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, _) = get(&fresh[0].url).await;
    assert_eq!(status, 410, "an expired link is refused");
    // Stretching a link's expiry breaks its signature.
    let fresh = app
        .services
        .evidence
        .download_links(GUILD, MODERATOR, case, 0, 5)
        .await
        .unwrap()
        .0;
    let stretched = fresh[0].url.replace("expires=", "expires=9");
    assert_eq!(get(&stretched).await.0, 403);
    let other_key = fresh[0].url.replace("chat.txt", "other.txt");
    assert_eq!(get(&other_key).await.0, 403);

    let events = link_events(&app).await;
    assert_eq!(events.len(), 3, "each link is an event");
    assert!(events.iter().all(|e| e.actor_id == MODERATOR));
    assert!(events[0].data["object_key"]
        .as_str()
        .unwrap()
        .ends_with("/chat.txt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_links_are_presigned_gets_for_fifteen_minutes() {
    let (app, _s3) = s3_app().await;
    let case = case_in(&app, GUILD, MODERATOR, MEMBER).await;
    upload(&app, GUILD, MODERATOR, case, "shot.txt", b"screenshot").await;
    let (links, total) = app
        .services
        .evidence
        .download_links(GUILD, MODERATOR, case, 0, 5)
        .await
        .unwrap();
    assert_eq!((links.len(), total), (1, 1));
    assert!(
        links[0].url.contains("X-Amz-Expires=900"),
        "{}",
        links[0].url
    );
    let (status, body) = get(&links[0].url).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"screenshot");
    assert_eq!(link_events(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_servers_case_number_gets_no_links_and_members_get_none() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let mut config = EvidenceConfig::local(temp_dir("local-links"));
    config.signing_key = Some(test_key());
    config.upload_addr = address;
    config.public_url = format!("http://{address}");
    let app = spawn_app_with_evidence(config).await;
    seed_other_guild(&app.discord);
    let _bot = start_bot(&app, None).await;
    let theirs = case_in(&app, OTHER_GUILD, OTHER_OWNER, OTHER_OWNER).await;
    upload(
        &app,
        OTHER_GUILD,
        OTHER_OWNER,
        theirs,
        "secret.txt",
        b"theirs",
    )
    .await;

    let reply = app
        .discord
        .invoke_command(
            GUILD,
            GENERAL,
            MODERATOR,
            "mod evidence list",
            vec![("case", json!(theirs))],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(link_urls(&reply.embeds).is_empty());
    assert!(!text(&reply).contains("secret"), "{}", text(&reply));
    assert!(app
        .services
        .evidence
        .download_links(GUILD, MODERATOR, theirs, 0, 5)
        .await
        .is_err());

    // A member without the permission or a mod role gets nothing either.
    let ours = case_in(&app, GUILD, MODERATOR, MEMBER).await;
    upload(&app, GUILD, MODERATOR, ours, "ours.txt", b"ours").await;
    const HELPER_ROLE: u64 = 200_000_000_000_000_050;
    app.discord.add_role(GUILD, HELPER_ROLE, "Helper", 4, 0);
    app.discord
        .set_member_roles(GUILD, OTHER_MEMBER, &[HELPER_ROLE]);
    app.discord
        .set_command_permission(GUILD, "mod", HELPER_ROLE, true);
    let reply = app
        .discord
        .invoke_command(
            GUILD,
            GENERAL,
            OTHER_MEMBER,
            "mod evidence list",
            vec![("case", json!(ours))],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .unwrap();
    assert!(
        text(&reply).contains("Moderate Members permission"),
        "{}",
        text(&reply)
    );
    assert!(link_urls(&reply.embeds).is_empty());
    assert!(link_events(&app).await.is_empty(), "no link was made");
}

/// The link messages following a `/mod evidence list` reply, once `count` have arrived.
async fn link_messages(
    handle: &discord_double::InteractionHandle,
    count: usize,
) -> Vec<serde_json::Value> {
    handle.reply(REPLY_TIMEOUT).await.unwrap();
    handle
        .wait_for_followups(count, std::time::Duration::from_secs(60))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_object_of_a_large_case_gets_a_working_link() {
    let (app, _s3) = s3_app().await;
    let case = case_in(&app, GUILD, MODERATOR, MEMBER).await;
    for i in 1..=61 {
        let name = format!("shot-{i:02}.txt");
        upload(&app, GUILD, MODERATOR, case, &name, name.as_bytes()).await;
    }
    let _bot = start_bot(&app, None).await;
    let list = |options: Vec<(&'static str, serde_json::Value)>| {
        app.discord
            .invoke_command(GUILD, GENERAL, MODERATOR, "mod evidence list", options)
    };

    // 60 links, in as many messages as they need (6 or more each, within Discord's limits,
    // which the double checks); the last message says how to get the 61st.
    let handle = list(vec![("case", json!(case))]);
    handle.reply(REPLY_TIMEOUT).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let messages = loop {
        let messages = handle.followups();
        if messages
            .last()
            .is_some_and(|m| m.to_string().contains("were not made"))
        {
            break messages;
        }
        assert!(tokio::time::Instant::now() < deadline, "{messages:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut urls = vec![];
    for message in &messages {
        assert_eq!(message["flags"].as_u64().unwrap_or(0) & 64, 64);
        let embeds = message["embeds"].as_array().cloned().unwrap();
        let chunk = link_urls(&embeds);
        assert!(chunk.len() >= 6, "{message}");
        assert_eq!(
            embeds[0]["title"],
            json!(format!(
                "Case #{case} · links {}–{} of 61",
                urls.len() + 1,
                urls.len() + chunk.len()
            ))
        );
        urls.extend(chunk);
    }
    assert_eq!(urls.len(), 60);
    let last = messages.last().unwrap().to_string();
    assert!(
        last.contains(&format!(
            "Links 61–61 were not made: run `/mod evidence list case:{case} from:61`"
        )),
        "{last}"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.to_string().contains("were not made"))
            .count(),
        1
    );
    assert_eq!(link_events(&app).await.len(), 60, "each link is an event");

    // Every link opens its own object: the first, one in the middle, the last of the sixty.
    for n in [1usize, 7, 33, 60] {
        let (status, body) = get(&urls[n - 1]).await;
        assert_eq!(status, 200, "link {n}");
        assert_eq!(body, format!("shot-{n:02}.txt").into_bytes(), "link {n}");
    }
    let names: std::collections::HashSet<_> = messages
        .iter()
        .flat_map(|m| m["embeds"][0]["fields"].as_array().cloned().unwrap())
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 60, "sixty different objects");

    // `from` reaches the rest.
    let handle = list(vec![("case", json!(case)), ("from", json!(61))]);
    let messages = link_messages(&handle, 1).await;
    let embeds = messages[0]["embeds"].as_array().cloned().unwrap();
    assert_eq!(
        embeds[0]["title"],
        json!(format!("Case #{case} · link 61 of 61"))
    );
    let rest = link_urls(&embeds);
    assert_eq!(rest.len(), 1);
    let (status, body) = get(&rest[0]).await;
    assert_eq!((status, body), (200, b"shot-61.txt".to_vec()));
    assert_eq!(link_events(&app).await.len(), 61);

    // Past the last object: one sentence, no link.
    let handle = list(vec![("case", json!(case)), ("from", json!(62))]);
    let messages = link_messages(&handle, 1).await;
    let said = messages[0].to_string();
    assert!(said.contains("has 61 stored object(s)"), "{said}");
    assert!(link_urls(messages[0]["embeds"].as_array().unwrap()).is_empty());
    assert_eq!(link_events(&app).await.len(), 61);
    app.check_requests_against_spec();
}
