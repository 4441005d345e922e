//! Tampering by the database roles themselves: the bot's runtime role cannot switch off the
//! append-only triggers, and what a superuser deletes past them is named by `verify` because
//! each chain head is anchored in evidence storage.

use crate::evidence::{cli_verify, open_case, problems, s3_app};
use crate::support::app::{GUILD, MODERATOR};
use crate::support::db::{fresh_database, runtime_role_url};
use crate::support::s3::temp_dir;
use gavel::services::evidence::AmendmentKind;
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
}
