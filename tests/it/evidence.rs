//! Evidence against a real S3-compatible server (s3s-fs, SigV4 checked), the local backend's
//! signed upload endpoint, Capture Evidence and `/mod evidence` through the bot, and tamper
//! detection by the verifier and the `gavel evidence verify` binary.

use crate::support::app::{spawn_app_with_evidence, TestApp, GENERAL, GUILD, MEMBER, MODERATOR};
use crate::support::bot::{start_bot, text, REPLY_TIMEOUT};
use crate::support::s3::{s3_evidence_config, start_s3, temp_dir, test_key, TestS3, HMAC_KEY};
use gavel::config::EvidenceConfig;
use gavel::domain::evidence::signing::sha256_hex;
use gavel::domain::ModAction;
use gavel::services::cases::ExternalCase;
use gavel::services::evidence::{AmendmentKind, AttachmentInput};
use gavel::web::evidence_upload;
use serde_json::json;
use sqlx::Executor;

pub(crate) async fn open_case(app: &TestApp) -> i32 {
    app.services
        .cases
        .record(ExternalCase {
            guild_id: GUILD,
            action: ModAction::Warn,
            moderator_id: MODERATOR,
            target_id: MEMBER,
            reason: Some("spam"),
            duration_secs: None,
            expires_at: None,
            source: "test",
        })
        .await
        .expect("case recorded")
        .case_number
}

pub(crate) async fn s3_app() -> (TestApp, TestS3) {
    let s3 = start_s3().await;
    let app = spawn_app_with_evidence(s3_evidence_config(&s3)).await;
    (app, s3)
}

pub(crate) async fn put(url: &str, content_type: &str, body: Vec<u8>) -> reqwest::StatusCode {
    reqwest::Client::new()
        .put(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("the storage answers")
        .status()
}

#[tokio::test]
async fn presigned_upload_goes_straight_to_s3_and_the_signature_fixes_type_and_size() {
    let (app, _s3) = s3_app().await;
    let case = open_case(&app).await;
    let evidence = &app.services.evidence;
    let body = b"screenshot bytes".to_vec();
    let (upload, link) = evidence
        .request_upload(
            GUILD,
            MODERATOR,
            case,
            "shot.png",
            "image/png",
            body.len() as u64,
            Some("from DMs"),
        )
        .await
        .expect("an upload link");
    assert!(link.expires_at <= chrono::Utc::now() + chrono::Duration::minutes(15));
    assert!(
        link.url.contains(&format!("/guilds/{GUILD}/cases/{case}/")),
        "{}",
        link.url
    );

    let err = evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .unwrap_err();
    assert!(
        err.user_message().contains("Nothing has been uploaded"),
        "{err}"
    );

    assert!(
        put(&link.url, "text/html", body.clone())
            .await
            .is_client_error(),
        "a different content type breaks the signature"
    );
    let mut bigger = body.clone();
    bigger.extend_from_slice(b" and more");
    assert!(
        put(&link.url, "image/png", bigger).await.is_client_error(),
        "a larger body breaks the signature"
    );
    let status = put(&link.url, "image/png", body.clone()).await;
    assert!(status.is_success(), "{status}");

    let item = evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .expect("recorded");
    assert_eq!(item.sha256().as_deref(), Some(sha256_hex(&body).as_str()));
    assert_eq!(item.source, "upload");
    assert_eq!(item.note.as_deref(), Some("from DMs"));
    assert!(evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .is_err());

    let report = evidence.verify(GUILD, MODERATOR, case).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.entries, report.objects), (1, 1));
    let kinds: Vec<String> = app.events().await.into_iter().map(|e| e.kind).collect();
    for kind in [
        "evidence.upload_requested",
        "evidence.added",
        "evidence.verified",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    let added = app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "evidence.added")
        .unwrap();
    assert_eq!(added.actor_id, MODERATOR);
    assert_eq!(added.violation_type, "unspecified");
}

#[tokio::test]
async fn the_local_backend_accepts_only_what_its_signed_link_allows_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut config = EvidenceConfig::local(temp_dir("local-evidence"));
    config.signing_key = Some(test_key());
    config.public_url = format!("http://{address}");
    let app = spawn_app_with_evidence(config).await;
    let service = app.services.evidence.clone();
    let local = service.runtime_handle().unwrap().local.clone().unwrap();
    tokio::spawn(evidence_upload::serve(
        listener,
        local,
        service.clone(),
        std::future::pending(),
    ));
    let case = open_case(&app).await;
    let body = b"{\"chat\": \"log\"}".to_vec();
    let (upload, link) = service
        .request_upload(
            GUILD,
            MODERATOR,
            case,
            "log.json",
            "application/json",
            body.len() as u64,
            None,
        )
        .await
        .unwrap();
    assert!(link
        .url
        .starts_with(&format!("http://{address}/evidence/upload?")));

    assert_eq!(put(&link.url, "text/plain", body.clone()).await, 415);
    assert_eq!(
        put(&link.url, "application/json", b"{}".to_vec()).await,
        413
    );
    let forged = link.url.replace("size=", "size=9");
    assert_eq!(put(&forged, "application/json", body.clone()).await, 403);
    assert_eq!(put(&link.url, "application/json", body.clone()).await, 201);
    assert_eq!(
        put(&link.url, "application/json", body.clone()).await,
        409,
        "a link works once"
    );

    let (_, entries) = service.list(GUILD, case).await.unwrap();
    assert_eq!(entries.len(), 1);
    let report = service.verify(GUILD, MODERATOR, case).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let _ = upload;
}

#[tokio::test]
async fn capture_evidence_snapshots_messages_and_downloads_attachments_only_from_the_cdn() {
    let (app, s3) = s3_app().await;
    let bot = start_bot(&app, None).await;
    let before = app
        .discord
        .message_create(GENERAL, MEMBER, "first, setting it up");
    let target = app.discord.message_create_with_attachments(
        GENERAL,
        MEMBER,
        "send me your password",
        vec![("proof.png", b"\x89PNG fake image".to_vec())],
        "127.0.0.1",
    );
    let after = app.discord.message_create_with_attachments(
        GENERAL,
        MEMBER,
        "look at this",
        vec![("elsewhere.txt", b"not from the allowed CDN".to_vec())],
        "localhost",
    );

    let menu =
        app.discord
            .invoke_message_command(GUILD, GENERAL, MODERATOR, "Capture Evidence", target);
    let form = menu.reply(REPLY_TIMEOUT).await.expect("a form");
    assert_eq!(form.kind, 9, "the context menu opens a modal");
    let submitted = menu.submit_modal(vec![
        ("case", "new"),
        ("range", "1 before, 1 after"),
        ("note", "phishing"),
    ]);
    let reply = submitted.reply(REPLY_TIMEOUT).await.expect("a reply");
    let shown = text(&reply);
    assert!(
        shown.contains("Captured 3 message(s) with 1 attachment(s) stored"),
        "{shown}"
    );
    assert!(shown.contains("send me your password"), "{shown}");
    assert!(
        shown.contains("elsewhere.txt: it is not on Discord's CDN"),
        "{shown}"
    );

    let case = app.case_row(1).await;
    assert_eq!(case.action, ModAction::Report);
    assert_eq!(case.target_id, MEMBER);
    let (_, entries) = app.services.evidence.list(GUILD, 1).await.unwrap();
    let gavel::services::evidence::ChainEntry::Item(item) = &entries[0] else {
        panic!("an item");
    };
    assert_eq!(item.kind, "message");
    let objects = item.objects.as_array().unwrap();
    assert_eq!(objects.len(), 2, "the snapshot and one attachment");
    let snapshot_key = objects[0]["key"].as_str().unwrap();
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s3.object_path(snapshot_key)).unwrap()).unwrap();
    let ids: Vec<String> = snapshot["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [before, target, after].map(|id| id.to_string()));
    let stored = &snapshot["messages"][1]["attachments"][0]["stored"];
    let attachment_key = stored["key"].as_str().unwrap();
    assert_eq!(objects[1]["key"], attachment_key);
    assert_eq!(
        std::fs::read(s3.object_path(attachment_key)).unwrap(),
        b"\x89PNG fake image"
    );
    assert_eq!(stored["sha256"], sha256_hex(b"\x89PNG fake image"));
    assert!(snapshot["messages"][2]["attachments"][0]["stored"].is_null());
    assert_eq!(snapshot["messages"][1]["author"]["id"], MEMBER.to_string());

    let refused = app
        .discord
        .invoke_message_command(GUILD, GENERAL, MEMBER, "Capture Evidence", target)
        .reply(REPLY_TIMEOUT)
        .await
        .expect("a refusal");
    assert!(
        text(&refused).contains("Moderate Members"),
        "{}",
        text(&refused)
    );
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn mod_evidence_add_amend_list_and_verify_through_the_bot() {
    let (app, _s3) = s3_app().await;
    let case = open_case(&app).await;
    let bot = start_bot(&app, None).await;
    let run = |options: Vec<(&'static str, serde_json::Value)>, command: &'static str| {
        let discord = app.discord.clone();
        async move {
            discord
                .invoke_command(GUILD, GENERAL, MODERATOR, command, options)
                .reply(REPLY_TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("/{command}: {e}"))
        }
    };

    let url = run(
        vec![
            ("case", json!(case)),
            ("url", json!("https://example.com/post/1")),
            ("note", json!("repost")),
        ],
        "mod evidence add",
    )
    .await;
    assert!(
        text(&url).contains("URL recorded as given"),
        "{}",
        text(&url)
    );

    let file = run(
        vec![
            ("case", json!(case)),
            (
                "file",
                json!({"filename": "chat.txt", "content": "the chat log"}),
            ),
        ],
        "mod evidence add",
    )
    .await;
    assert!(
        text(&file).contains(&sha256_hex(b"the chat log")),
        "{}",
        text(&file)
    );

    let quoted = app
        .discord
        .message_create(GENERAL, MEMBER, "quoted message");
    let link = format!("https://discord.com/channels/{GUILD}/{GENERAL}/{quoted}");
    let snapshot = run(
        vec![("case", json!(case)), ("url", json!(link))],
        "mod evidence add",
    )
    .await;
    assert!(
        text(&snapshot).contains("quoted message"),
        "{}",
        text(&snapshot)
    );

    let amended = run(
        vec![
            ("case", json!(case)),
            ("kind", json!("correction")),
            ("text", json!("the post was edited later")),
            ("entry", json!(1)),
        ],
        "mod evidence amend",
    )
    .await;
    assert!(text(&amended).contains("entry #4"), "{}", text(&amended));

    let listed = run(vec![("case", json!(case))], "mod evidence list").await;
    let shown = text(&listed);
    for part in [
        "#1** URL https://example.com/post/1",
        "#2** file chat.txt",
        "#3** message snapshot (1 message(s)",
        "#4** Correction on #1",
    ] {
        assert!(shown.contains(part), "{part} in {shown}");
    }

    let both = run(
        vec![
            ("case", json!(case)),
            ("url", json!("https://example.com")),
            ("file", json!({"filename": "a.txt", "content": "a"})),
        ],
        "mod evidence add",
    )
    .await;
    assert!(
        text(&both).contains("either a url or a file"),
        "{}",
        text(&both)
    );

    let verified = run(vec![("case", json!(case))], "mod evidence verify").await;
    assert!(
        text(&verified).contains("evidence intact"),
        "{}",
        text(&verified)
    );
    assert!(
        text(&verified).contains("4 entries and 2 object(s)"),
        "{}",
        text(&verified)
    );
    bot.stop().await.unwrap();
}

/// Runs the built `gavel evidence verify` (off the runtime's thread: the S3 server it talks
/// to runs on this runtime).
pub(crate) async fn cli_verify(app: &TestApp, s3: &TestS3, case: Option<i32>) -> (i32, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gavel"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("EVIDENCE_S3_ENDPOINT", &s3.endpoint)
        .env("EVIDENCE_S3_BUCKET", crate::support::s3::BUCKET)
        .env("EVIDENCE_S3_REGION", "us-east-1")
        .env("EVIDENCE_S3_ACCESS_KEY_ID", crate::support::s3::ACCESS_KEY)
        .env(
            "EVIDENCE_S3_SECRET_ACCESS_KEY",
            crate::support::s3::SECRET_KEY,
        )
        .env("EVIDENCE_HMAC_KEY", HMAC_KEY)
        .env("EVIDENCE_HMAC_KEY_ID", "test-1")
        .env("LOG_LEVEL", "warn")
        .current_dir(temp_dir("cli"))
        .args(["evidence", "verify", "--guild", &GUILD.to_string()]);
    if let Some(case) = case {
        command.args(["--case", &case.to_string()]);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run gavel");
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

pub(crate) async fn problems(app: &TestApp, case: i32) -> Vec<String> {
    let verifier = app.services.evidence.verifier().unwrap();
    let report = verifier
        .verify(Some(GUILD), Some(case), |_, _| {})
        .await
        .unwrap();
    report.problems().map(|p| p.to_string()).collect()
}

#[tokio::test]
async fn verify_names_a_changed_object_a_changed_row_and_a_dropped_amendment() {
    let (app, s3) = s3_app().await;
    let evidence = &app.services.evidence;
    let object_case = open_case(&app).await;
    let row_case = open_case(&app).await;
    let chain_case = open_case(&app).await;
    let tail_case = open_case(&app).await;
    let discord = app.discord.clone();
    let file = |content: &'static str| {
        let discord = discord.clone();
        async move {
            // An attachment on the fake CDN, as a slash command would carry it.
            let id = discord.message_create_with_attachments(
                GENERAL,
                MEMBER,
                "file",
                vec![("f.txt", content.as_bytes().to_vec())],
                "127.0.0.1",
            );
            let message = discord.message_json(id);
            AttachmentInput {
                url: message["attachments"][0]["url"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                filename: "f.txt".into(),
                content_type: Some("text/plain".into()),
                size: content.len() as u64,
            }
        }
    };
    for case in [object_case, row_case, chain_case, tail_case] {
        evidence
            .add_attachment(
                GUILD,
                MODERATOR,
                case,
                &file("original bytes").await,
                Some("n"),
            )
            .await
            .unwrap();
        for text in ["first note", "second note"] {
            evidence
                .amend(GUILD, MODERATOR, case, AmendmentKind::Note, Some(1), text)
                .await
                .unwrap();
        }
    }
    for case in [object_case, row_case, chain_case, tail_case] {
        assert_eq!(problems(&app, case).await, Vec::<String>::new());
    }
    let (code, output) = cli_verify(&app, &s3, None).await;
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("4 case(s), 12 entries, 4 object(s) checked: all intact"),
        "{output}"
    );

    // The database refuses changes to evidence.
    let refused = sqlx::query("UPDATE evidence_items SET note = 'x'")
        .execute(&app.db.pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    assert!(sqlx::query("DELETE FROM evidence_amendments")
        .execute(&app.db.pool)
        .await
        .is_err());

    // 1. One byte of a stored object.
    let (_, entries) = evidence.list(GUILD, object_case).await.unwrap();
    let gavel::services::evidence::ChainEntry::Item(item) = &entries[0] else {
        panic!("an item first");
    };
    let key = item.objects[0]["key"].as_str().unwrap().to_string();
    let path = s3.object_path(&key);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let found = problems(&app, object_case).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(&format!(
            "case #{object_case} entry #1: object {key} has changed"
        )),
        "{found:?}"
    );

    // 2. A metadata column, with the trigger bypassed as a superuser could.
    let mut conn = app.db.pool.acquire().await.unwrap();
    conn.execute("SET session_replication_role = replica")
        .await
        .unwrap();
    sqlx::query("UPDATE evidence_items SET filename = 'innocent.txt' WHERE case_number = $1")
        .bind(row_case)
        .execute(&mut *conn)
        .await
        .unwrap();
    // 3. An amendment in the middle of a chain, and 4. the last one of another.
    sqlx::query("DELETE FROM evidence_amendments WHERE case_number = $1 AND seq = 2")
        .bind(chain_case)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM evidence_amendments WHERE case_number = $1 AND seq = 3")
        .bind(tail_case)
        .execute(&mut *conn)
        .await
        .unwrap();
    conn.execute("SET session_replication_role = origin")
        .await
        .unwrap();
    drop(conn);

    let found = problems(&app, row_case).await;
    assert!(
        found.iter().any(|p| p.contains(&format!(
            "case #{row_case} entry #1: item signature check failed"
        ))),
        "{found:?}"
    );
    let found = problems(&app, chain_case).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("case #{chain_case} entry #2: is missing"))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("entry #3: amendment does not follow")),
        "{found:?}"
    );
    let found = problems(&app, tail_case).await;
    assert!(
        found.iter().any(|p| p.contains(&format!(
            "case #{tail_case} entry #3: is recorded in the event log but missing"
        ))),
        "{found:?}"
    );

    let (code, output) = cli_verify(&app, &s3, None).await;
    assert_eq!(code, 1, "{output}");
    for expected in [
        format!("MISMATCH guild {GUILD} case #{object_case} entry #1: object {key} has changed"),
        format!("case #{row_case} entry #1: item signature check failed"),
        format!("case #{chain_case} entry #2: is missing"),
        format!("case #{tail_case} entry #3: is recorded in the event log"),
    ] {
        assert!(output.contains(&expected), "{expected} in {output}");
    }
    let (code, output) = cli_verify(&app, &s3, Some(object_case)).await;
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("1 case(s)"), "{output}");
}

/// Asks for an upload link for `body` and PUTs it to the test S3 server.
async fn upload_to_s3(
    app: &TestApp,
    case: i32,
    body: &[u8],
) -> (
    gavel::store::evidence::UploadRow,
    gavel::store::objects::PresignedUpload,
) {
    let (upload, link) = app
        .services
        .evidence
        .request_upload(
            GUILD,
            MODERATOR,
            case,
            "shot.png",
            "image/png",
            body.len() as u64,
            None,
        )
        .await
        .expect("an upload link");
    let status = put(&link.url, "image/png", body.to_vec()).await;
    assert!(status.is_success(), "{status}");
    (upload, link)
}

#[tokio::test]
async fn an_upload_into_a_case_voided_after_its_link_was_issued_is_refused() {
    let (app, _s3) = s3_app().await;
    let case = open_case(&app).await;
    let (upload, _) = upload_to_s3(&app, case, b"late screenshot").await;
    app.services
        .cases
        .void(GUILD, MODERATOR, case, "opened by mistake")
        .await
        .expect("voided");

    let err = app
        .services
        .evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .expect_err("a void case takes no evidence");
    assert_eq!(
        err.user_message(),
        format!("Case #{case} is void; evidence can no longer be added to it.")
    );
    let (_, entries) = app.services.evidence.list(GUILD, case).await.unwrap();
    assert!(entries.is_empty(), "{entries:?}");
    let recorded: Option<i64> =
        sqlx::query_scalar("SELECT item_id FROM evidence_uploads WHERE id = $1")
            .bind(upload.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(recorded, None);
    assert!(!app
        .events()
        .await
        .iter()
        .any(|e| e.kind == "evidence.added"));
}

#[tokio::test]
async fn a_used_s3_upload_link_cannot_change_the_recorded_object() {
    let (app, s3) = s3_app().await;
    let case = open_case(&app).await;
    let body = b"the real screenshot".to_vec();
    let (upload, link) = upload_to_s3(&app, case, &body).await;
    let evidence = &app.services.evidence;
    let item = evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .expect("recorded");
    let key = item.objects[0]["key"].as_str().unwrap().to_string();
    assert_eq!(std::fs::read(s3.object_path(&key)).unwrap(), body);

    // The same link again, same type and size, other bytes: whatever the storage answers, the
    // recorded object does not change.
    let forged = b"a doctored screenshot".to_vec()[..body.len()].to_vec();
    let _ = put(&link.url, "image/png", forged).await;
    assert_eq!(std::fs::read(s3.object_path(&key)).unwrap(), body);
    assert_eq!(problems(&app, case).await, Vec::<String>::new());
    let err = evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .unwrap_err();
    assert!(
        err.user_message().contains("already been recorded"),
        "{err}"
    );
}

#[tokio::test]
async fn objects_of_several_mib_are_recorded_and_verified() {
    let s3 = start_s3().await;
    let mut config = s3_evidence_config(&s3);
    config.max_file_bytes = 8 * 1024 * 1024;
    let app = spawn_app_with_evidence(config).await;
    let case = open_case(&app).await;
    let body: Vec<u8> = (0..6 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let (upload, _) = upload_to_s3(&app, case, &body).await;
    let item = app
        .services
        .evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .expect("recorded");
    assert_eq!(item.sha256().as_deref(), Some(sha256_hex(&body).as_str()));
    let report = app
        .services
        .evidence
        .verify(GUILD, MODERATOR, case)
        .await
        .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.entries, report.objects), (1, 1));
    let (code, output) = cli_verify(&app, &s3, Some(case)).await;
    assert_eq!(code, 0, "{output}");
}

#[tokio::test]
async fn local_uploads_of_several_mib_are_streamed_to_disk_and_verified() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut config = EvidenceConfig::local(temp_dir("local-evidence"));
    config.signing_key = Some(test_key());
    config.public_url = format!("http://{address}");
    config.max_file_bytes = 8 * 1024 * 1024;
    let app = spawn_app_with_evidence(config).await;
    let service = app.services.evidence.clone();
    let local = service.runtime_handle().unwrap().local.clone().unwrap();
    tokio::spawn(evidence_upload::serve(
        listener,
        local,
        service.clone(),
        std::future::pending(),
    ));
    let case = open_case(&app).await;
    let body: Vec<u8> = (0..7 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(40_503) >> 7) as u8)
        .collect();
    let (_, link) = service
        .request_upload(
            GUILD,
            MODERATOR,
            case,
            "video.mp4",
            "video/mp4",
            body.len() as u64,
            None,
        )
        .await
        .unwrap();
    assert_eq!(put(&link.url, "video/mp4", body.clone()).await, 201);
    let (_, entries) = service.list(GUILD, case).await.unwrap();
    let gavel::services::evidence::ChainEntry::Item(item) = &entries[0] else {
        panic!("an item");
    };
    assert_eq!(item.sha256().as_deref(), Some(sha256_hex(&body).as_str()));
    let report = service.verify(GUILD, MODERATOR, case).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn verify_through_the_bot_with_storage_unreachable_shows_no_storage_details() {
    let (mut app, s3) = s3_app().await;
    let case = open_case(&app).await;
    let (upload, _) = upload_to_s3(&app, case, b"kept bytes").await;
    app.services
        .evidence
        .complete_upload(Some(GUILD), upload.id, Some(MODERATOR))
        .await
        .expect("recorded");

    // The bot starts with storage nobody answers at, under a bucket name to look for.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let mut config = s3_evidence_config(&s3);
    if let gavel::config::EvidenceBackend::S3(storage) = &mut config.backend {
        storage.endpoint = format!("http://{address}");
        storage.bucket = "gavel-private-bucket".into();
    }
    app.evidence = Some(config);
    let bot = start_bot(&app, None).await;
    let reply = app
        .discord
        .invoke_command(
            GUILD,
            GENERAL,
            MODERATOR,
            "mod evidence verify",
            vec![("case", json!(case))],
        )
        .reply(REPLY_TIMEOUT)
        .await
        .expect("a reply");
    let shown = text(&reply);
    let logged = app
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "evidence.verified")
        .expect("the check is logged")
        .data
        .to_string();
    for leaked in [
        address.as_str(),
        "gavel-private-bucket",
        "dispatch",
        "os error",
        "Connection refused",
    ] {
        assert!(!shown.contains(leaked), "{leaked} in {shown}");
        assert!(!logged.contains(leaked), "{leaked} in {logged}");
    }
    assert!(
        shown.contains("could not be read from evidence storage"),
        "{shown}"
    );
    assert!(
        shown.contains("evidence not checked") && !shown.contains("CHANGED"),
        "unreadable storage is not a change: {shown}"
    );
    bot.stop().await.unwrap();
}
