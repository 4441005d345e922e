//! Typed configuration from the environment (and `.env`, when present). A missing or malformed
//! variable stops start-up with one line naming it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    pub discord_token: Option<String>,
    /// Sends REST calls (and the gateway URL lookup) to another base, e.g. a Discord double.
    pub discord_api_base: Option<String>,
    /// Registers commands in this guild only (instant) instead of globally.
    pub discord_guild_id: Option<u64>,
    pub log_level: String,
    pub log_format: LogFormat,
    /// The scheduler's knobs (JOB_* variables).
    pub jobs: crate::jobs::JobsConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"<redacted>")
            .field("database_max_connections", &self.database_max_connections)
            .field(
                "discord_token",
                &self.discord_token.as_ref().map(|_| "<redacted>"),
            )
            .field("discord_api_base", &self.discord_api_base)
            .field("discord_guild_id", &self.discord_guild_id)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("jobs", &self.jobs)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

fn error(name: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        name,
        problem: problem.into(),
    }
}

impl Config {
    /// Reads `.env` if present, then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_source(|name| std::env::var(name).ok())
    }

    pub fn from_source(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let database_url = read("DATABASE_URL").ok_or_else(|| {
            error(
                "DATABASE_URL",
                "is not set; give a PostgreSQL URL such as postgres://gavel@localhost/gavel",
            )
        })?;
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(error(
                "DATABASE_URL",
                "must start with postgres:// or postgresql://",
            ));
        }
        let database_max_connections = match read("DATABASE_MAX_CONNECTIONS") {
            None => 10,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| {
                    error(
                        "DATABASE_MAX_CONNECTIONS",
                        format!("is `{v}`; give a number from 1 to 200"),
                    )
                })?,
        };
        let discord_api_base = match read("DISCORD_API_BASE") {
            None => None,
            Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
                Some(v.trim_end_matches('/').to_string())
            }
            Some(v) => {
                return Err(error(
                    "DISCORD_API_BASE",
                    format!("is `{v}`; give a base URL such as http://127.0.0.1:8080"),
                ))
            }
        };
        let discord_guild_id = match read("DISCORD_GUILD_ID") {
            None => None,
            Some(v) => Some(v.parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                error(
                    "DISCORD_GUILD_ID",
                    format!("is `{v}`; give a server id (a number)"),
                )
            })?),
        };
        let log_format = match read("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(error(
                    "LOG_FORMAT",
                    format!("is `{other}`; use pretty or json"),
                ))
            }
        };
        let number = |name: &'static str, range: std::ops::RangeInclusive<u64>| {
            read(name)
                .map(|v| {
                    v.parse::<u64>()
                        .ok()
                        .filter(|n| range.contains(n))
                        .ok_or_else(|| {
                            error(
                                name,
                                format!(
                                    "is `{v}`; give a number from {} to {}",
                                    range.start(),
                                    range.end()
                                ),
                            )
                        })
                })
                .transpose()
        };
        let mut jobs = crate::jobs::JobsConfig::default();
        if let Some(ms) = number("JOB_POLL_INTERVAL_MS", 10..=60_000)? {
            jobs.poll_interval = std::time::Duration::from_millis(ms);
        }
        if let Some(n) = number("JOB_CONCURRENCY", 1..=256)? {
            jobs.concurrency = n as usize;
        }
        if let Some(rate) = number("JOB_DISCORD_RATE", 0..=50)? {
            jobs.discord_rate = rate as u32;
        }
        if let Some(days) = number("JOB_HISTORY_DAYS", 0..=3650)? {
            jobs.finished_job_retention =
                (days > 0).then(|| std::time::Duration::from_secs(days * 86_400));
        }
        Ok(Config {
            jobs,
            database_url,
            database_max_connections,
            discord_token: read("DISCORD_TOKEN"),
            discord_api_base,
            discord_guild_id,
            log_level: read("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            log_format,
        })
    }

    /// The bot token, which only commands that talk to Discord need.
    pub fn require_token(&self) -> Result<&str, ConfigError> {
        self.discord_token.as_deref().ok_or_else(|| {
            error(
                "DISCORD_TOKEN",
                "is not set; copy the bot token from the Discord developer portal",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_source(|name| map.get(name).cloned())
    }

    #[test]
    fn names_the_missing_or_malformed_variable() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        assert!(err.to_string().starts_with("DATABASE_URL is not set"));
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        let base = [("DATABASE_URL", "postgres://localhost/gavel")];
        let err = config(&[base[0], ("DISCORD_GUILD_ID", "abc")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DISCORD_GUILD_ID is `abc`; give a server id (a number)"
        );
        let err = config(&[base[0], ("DISCORD_API_BASE", "localhost:1")]).unwrap_err();
        assert_eq!(err.name, "DISCORD_API_BASE");
        let err = config(&[base[0], ("LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(err.name, "LOG_FORMAT");
        let err = config(&[base[0], ("JOB_DISCORD_RATE", "80")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JOB_DISCORD_RATE is `80`; give a number from 0 to 50"
        );
        let tuned = config(&[base[0], ("JOB_POLL_INTERVAL_MS", "500")]).unwrap();
        assert_eq!(
            tuned.jobs.poll_interval,
            std::time::Duration::from_millis(500)
        );
        let ok = config(&[base[0], ("DISCORD_API_BASE", "http://127.0.0.1:9/")]).unwrap();
        assert_eq!(ok.discord_api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(ok.require_token().unwrap_err().name, "DISCORD_TOKEN");
        assert!(
            !format!("{ok:?}").contains("localhost/gavel"),
            "the URL may hold a password"
        );
    }
}
