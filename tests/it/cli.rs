//! The `gavel` binary as a new user meets it: help, check-config, and start-up errors.

use crate::support::app::*;
use std::process::Command;

/// Runs the built binary with only the given environment (off the runtime's thread: the double
/// it talks to runs on this runtime).
async fn gavel(env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gavel"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run gavel");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn help_lists_every_subcommand_and_variable() {
    let (code, out, _) = gavel(&[], &["--help"]).await;
    assert_eq!(code, 0);
    for subcommand in ["run", "migrate", "check-config", "evidence", "bench"] {
        assert!(
            out.contains(subcommand),
            "--help lacks {subcommand}:\n{out}"
        );
    }
    let (code, out, _) = gavel(&[], &["run", "--help"]).await;
    assert_eq!(code, 0);
    for (variable, _) in gavel::config::VARIABLES {
        assert!(
            out.contains(variable),
            "run --help lacks {variable}:\n{out}"
        );
    }
}

#[tokio::test]
async fn check_config_reaches_the_database_and_discord_without_the_gateway() {
    let app = spawn_app().await;
    let env = [
        ("DATABASE_URL", app.db.url.clone()),
        ("DISCORD_TOKEN", "test-token".to_string()),
        ("DISCORD_API_BASE", app.discord.base_url()),
        ("LOG_LEVEL", "warn".to_string()),
    ];
    let (code, out, err) = gavel(&env, &["check-config"]).await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("database: connected"), "{out}");
    assert!(out.contains("discord: token accepted"), "{out}");
    assert!(out.contains(&BOT.to_string()), "names the bot: {out}");
    assert!(out.contains("evidence: off"), "{out}");
    assert!(
        app.discord.identifies().is_empty(),
        "check-config never opens the gateway"
    );

    let unreachable = [
        ("DATABASE_URL", app.db.url.clone()),
        ("DISCORD_API_BASE", app.discord.base_url()),
    ];
    let (code, out, _) = gavel(&unreachable, &["check-config"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("discord: FAILED, DISCORD_TOKEN is not set"),
        "{out}"
    );
}

/// A database role that does not exist: one plain line, not the driver's text twice.
#[tokio::test]
async fn a_start_up_error_is_one_plain_line() {
    let app = spawn_app().await;
    let url = crate::support::db::with_database(
        &app.db
            .url
            .replacen("postgres://", "postgres://nobody_here@", 1),
        "gavel",
    );
    let url = strip_other_user(&url);
    let env = [
        ("DATABASE_URL", url),
        ("DISCORD_TOKEN", "test-token".to_string()),
        ("DISCORD_API_BASE", app.discord.base_url()),
    ];
    let (code, _, err) = gavel(&env, &["run"]).await;
    assert_ne!(code, 0);
    assert_eq!(err.trim_end().lines().count(), 1, "one line:\n{err}");
    assert!(
        err.starts_with("gavel: could not connect to the database (DATABASE_URL): role \"nobody_here\" does not exist"),
        "{err}"
    );
    assert!(!err.contains("at line"), "{err}");
}

/// `postgres://nobody_here@postgres@host/db` → `postgres://nobody_here@host/db`.
fn strip_other_user(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (users, host) = rest.rsplit_once('@').unwrap();
    let user = users.split('@').next().unwrap();
    let user = user.split(':').next().unwrap();
    format!("{scheme}://{user}@{host}")
}
