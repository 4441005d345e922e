//! `gavel check-config`: reads the environment the way `gavel run` does, then checks that the
//! database answers and Discord accepts the token (REST only, no gateway), and says what it
//! found, one line per part.

use super::{CliError, Outcome};
use crate::config::{Config, EvidenceBackend};
use crate::discord::serenity_port::build_http;
use secrecy::ExposeSecret;

pub async fn check(config: &Config) -> Result<Outcome, CliError> {
    let mut all_ok = true;
    println!(
        "configuration: read (log level {}, {:?} logs, pool of {}, {} jobs at once)",
        config.log_level,
        config.log_format,
        config.database_max_connections,
        config.jobs.concurrency
    );

    match crate::store::connect(config.database_url.expose_secret(), 1).await {
        Ok(pool) => match crate::store::applied_migrations(&pool).await {
            Ok(n) => println!(
                "database: connected; {n} of Gavel's {} migrations applied",
                crate::store::MIGRATOR.iter().count()
            ),
            Err(_) => println!("database: connected; not migrated yet (gavel run migrates)"),
        },
        Err(e) => {
            all_ok = false;
            println!("database: FAILED, {}", crate::store::describe_error(&e));
        }
    }

    match config.require_token() {
        Err(e) => {
            all_ok = false;
            println!("discord: FAILED, {e}");
        }
        Ok(token) => {
            let http = build_http(
                token,
                config.discord_api_base.as_deref(),
                config.discord_request_timeout,
            );
            let via = config
                .discord_api_base
                .as_deref()
                .map(|base| format!(" via {base}"))
                .unwrap_or_default();
            match http.get_current_user().await {
                Ok(me) => println!(
                    "discord: token accepted{via}; the bot is {} ({})",
                    me.name, me.id
                ),
                Err(e) => {
                    all_ok = false;
                    let error = crate::ports::discord::DiscordError::from(e);
                    println!("discord: FAILED{via}, {}", error.login_problem());
                }
            }
        }
    }

    let evidence = &config.evidence;
    let storage = match &evidence.backend {
        EvidenceBackend::Local { dir } => format!("local directory {}", dir.display()),
        EvidenceBackend::S3(s3) => format!("S3 bucket {} at {}", s3.bucket, s3.endpoint),
    };
    match &evidence.signing_key {
        Some(key) => println!("evidence: {storage}, signed with key {}", key.id),
        None => println!("evidence: off (EVIDENCE_HMAC_KEY is not set)"),
    }

    Ok(if all_ok {
        Outcome::Done
    } else {
        Outcome::Failed
    })
}
