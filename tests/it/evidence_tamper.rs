//! Tampering by the database roles themselves: the bot's runtime role cannot switch off the
//! append-only triggers, and what a superuser deletes past them is named by `verify` because
//! each chain head is anchored in evidence storage.

use crate::evidence::{cli_verify, open_case, problems, s3_app};
use crate::support::app::{GENERAL, GUILD, MEMBER, MODERATOR};
use crate::support::bot::{config_for, text, REPLY_TIMEOUT};
use crate::support::db::{fresh_database, runtime_role_url, RUNTIME_ROLE};
use crate::support::s3::temp_dir;
use gavel::domain::evidence::signing::sha256_hex;
use gavel::services::evidence::AmendmentKind;
use gavel::startup::{App, Needs};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};

/// Runs the built `gavel migrate` with `env` (off the runtime's thread).
async fn cli_migrate(env: Vec<(&'static str, String)>) -> (i32, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gavel"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_LEVEL", "warn")
        .envs(env)
        .current_dir(temp_dir("cli"))
        .arg("migrate");
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

#[tokio::test]
async fn the_bots_runtime_role_cannot_switch_off_or_go_past_the_append_only_triggers() {
    let db = fresh_database().await;
    let runtime_url = runtime_role_url(&db).await;
    let (code, output) = cli_migrate(vec![
        ("DATABASE_URL", runtime_url.clone()),
        ("DATABASE_OWNER_URL", db.url.clone()),
    ])
    .await;
    assert_eq!(code, 0, "{output}");

    let mut runtime = PgConnection::connect(&runtime_url).await.unwrap();
    for (statement, refusal) in [
        (
            "ALTER TABLE evidence_items DISABLE TRIGGER evidence_items_append_only",
            "must be owner",
        ),
        (
            "ALTER TABLE mod_events DISABLE TRIGGER ALL",
            "must be owner",
        ),
        (
            "DROP TRIGGER mod_events_append_only ON mod_events",
            "must be owner",
        ),
        (
            "SET session_replication_role = replica",
            "permission denied",
        ),
        ("DELETE FROM evidence_items", "permission denied"),
        ("DELETE FROM mod_events", "permission denied"),
        (
            "UPDATE evidence_amendments SET text = 'x'",
            "permission denied",
        ),
        ("TRUNCATE evidence_items", "permission denied"),
    ] {
        let refused = runtime
            .execute(statement)
            .await
            .expect_err(&format!("the runtime role may not: {statement}"));
        assert!(
            refused.to_string().contains(refusal),
            "{statement}: {refused}"
        );
    }
    // What it does need, it has.
    runtime
        .execute("SELECT count(*) FROM evidence_items, mod_events, mod_cases")
        .await
        .expect("the runtime role reads");
}

#[tokio::test]
async fn a_last_entry_deleted_with_its_event_by_a_superuser_is_named_by_verify() {
    let (app, s3) = s3_app().await;
    let evidence = &app.services.evidence;
    let case = open_case(&app).await;
    evidence
        .add_url(GUILD, MODERATOR, case, "https://example.com/post/1", None)
        .await
        .unwrap();
    evidence
        .amend(
            GUILD,
            MODERATOR,
            case,
            AmendmentKind::Note,
            Some(1),
            "seen it",
        )
        .await
        .unwrap();
    assert_eq!(problems(&app, case).await, Vec::<String>::new());

    // A superuser goes past the triggers and removes the last entry and the event saying it
    // was appended: the database alone is consistent again.
    let mut conn = app.db.pool.acquire().await.unwrap();
    conn.execute("SET session_replication_role = replica")
        .await
        .unwrap();
    sqlx::query("DELETE FROM evidence_amendments WHERE case_number = $1 AND seq = 2")
        .bind(case)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "DELETE FROM mod_events WHERE kind = 'evidence.amended' AND (data->>'seq')::INTEGER = 2",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    conn.execute("SET session_replication_role = origin")
        .await
        .unwrap();
    drop(conn);

    let found = problems(&app, case).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("case #{case} entry #2:")) && p.contains("anchor")),
        "{found:?}"
    );
    let (code, output) = cli_verify(&app, &s3, Some(case)).await;
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains(&format!("MISMATCH guild {GUILD} case #{case} entry #2:")),
        "{output}"
    );

    // Anchors are signed: one planted in storage by someone without the key is named too.
    let planted = s3.object_path(&format!(
        "anchors/guilds/{GUILD}/cases/{case}/0000000009.json"
    ));
    let genuine = std::fs::read(s3.object_path(&format!(
        "anchors/guilds/{GUILD}/cases/{case}/0000000002.json"
    )))
    .expect("entry #2 was anchored in storage");
    std::fs::write(
        &planted,
        String::from_utf8(genuine)
            .unwrap()
            .replace("\"seq\":2", "\"seq\":9"),
    )
    .unwrap();
    let found = problems(&app, case).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains("0000000009.json signature check failed")),
        "{found:?}"
    );
}

#[tokio::test]
async fn the_bot_runs_as_a_runtime_role_while_migrations_run_as_the_owner() {
    let (app, s3) = s3_app().await;
    let mut config = config_for(&app);
    config.database_url = runtime_role_url(&app.db).await.into();
    config.database_owner_url = Some(app.db.url.clone().into());
    // `gavel run`'s start-up: migrations as the owner, grants to the runtime role, then the bot.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let registrations = app.discord.requests_matching("PUT", "/commands").len();
    let bot = tokio::spawn(async move {
        let gavel = App::build(&config, Needs::BOT).await?;
        let role = gavel::store::privileges::current_role(&gavel.pool).await?;
        assert_eq!(role, RUNTIME_ROLE);
        gavel
            .run_until(None, async {
                let _ = stopped.await;
            })
            .await
    });
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.discord.requests_matching("PUT", "/commands").len() == registrations {
        assert!(!bot.is_finished(), "the bot stopped: {:?}", bot.await);
        assert!(
            tokio::time::Instant::now() < deadline,
            "no commands registered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let run = |command: &'static str, options: Vec<(&'static str, serde_json::Value)>| {
        let discord = app.discord.clone();
        async move {
            let reply = discord
                .invoke_command(GUILD, GENERAL, MODERATOR, command, options)
                .reply(REPLY_TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("/{command}: {e}"));
            text(&reply)
        }
    };

    // A tempban (a case and a scheduled job) and evidence on it.
    let shown = run(
        "mod ban",
        vec![
            ("user", json!(MEMBER.to_string())),
            ("duration", json!("7d")),
        ],
    )
    .await;
    assert!(shown.contains("Case #1"), "{shown}");
    let shown = run(
        "mod evidence add",
        vec![
            ("case", json!(1)),
            ("file", json!({"filename": "log.txt", "content": "the log"})),
        ],
    )
    .await;
    assert!(shown.contains(&sha256_hex(b"the log")), "{shown}");
    let shown = run(
        "mod evidence amend",
        vec![
            ("case", json!(1)),
            ("kind", json!("note")),
            ("text", json!("checked")),
        ],
    )
    .await;
    assert!(shown.contains("entry #2"), "{shown}");
    let shown = run("mod evidence verify", vec![("case", json!(1))]).await;
    assert!(shown.contains("evidence intact"), "{shown}");
    let scheduled: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(scheduled >= 1, "the tempban's expiry is scheduled");

    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(40), bot)
        .await
        .expect("the bot stops")
        .unwrap()
        .expect("the bot ran as the runtime role");
    let (code, output) = cli_verify(&app, &s3, Some(1)).await;
    assert_eq!(code, 0, "{output}");
}
