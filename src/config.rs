//! Typed configuration from the environment (and `.env`, when present). A missing or malformed
//! variable stops start-up with one line naming it.

use secrecy::{ExposeSecret, SecretSlice, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Every variable Gavel reads, with what it is for: `--help` lists them and a test keeps this
/// list, the code and `.env.example` in step.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "DATABASE_URL",
        "PostgreSQL URL (required; scripts/run sets it when unset)",
    ),
    (
        "DATABASE_OWNER_URL",
        "PostgreSQL URL of the role that owns the tables and migrates",
    ),
    (
        "DISCORD_TOKEN",
        "the bot token (required by run and check-config)",
    ),
    (
        "DISCORD_GUILD_ID",
        "register commands in this one server only",
    ),
    (
        "DISCORD_API_BASE",
        "send Discord REST calls elsewhere (a test double)",
    ),
    (
        "DISCORD_REQUEST_TIMEOUT_SECS",
        "seconds one Discord request may take, default 15",
    ),
    (
        "DISCORD_CDN_HOSTS",
        "hosts attachments may be downloaded from",
    ),
    (
        "DATABASE_MAX_CONNECTIONS",
        "pool size, default 16, at least JOB_CONCURRENCY + 4",
    ),
    ("LOG_LEVEL", "log level or tracing filter, default info"),
    ("LOG_FORMAT", "pretty or json"),
    (
        "JOB_CONCURRENCY",
        "scheduled jobs one process runs at once, default 8",
    ),
    (
        "JOB_POLL_INTERVAL_MS",
        "how often idle workers look for due jobs",
    ),
    (
        "JOB_DISCORD_RATE",
        "Discord calls per second for jobs, default 40",
    ),
    ("JOB_HISTORY_DAYS", "days finished jobs are kept, default 7"),
    (
        "EVIDENCE_HMAC_KEY",
        "evidence signing key, at least 32 bytes (evidence is off without)",
    ),
    ("EVIDENCE_HMAC_KEY_ID", "the signing key's name, default k1"),
    (
        "EVIDENCE_HMAC_RETIRED_KEYS",
        "earlier keys as id=key,id=key",
    ),
    (
        "EVIDENCE_DIR",
        "local evidence directory, default ./data/evidence",
    ),
    (
        "EVIDENCE_S3_ENDPOINT",
        "S3/B2 endpoint URL (all four S3 variables, or none)",
    ),
    ("EVIDENCE_S3_BUCKET", "S3/B2 bucket"),
    ("EVIDENCE_S3_ACCESS_KEY_ID", "S3/B2 key id"),
    ("EVIDENCE_S3_SECRET_ACCESS_KEY", "S3/B2 secret key"),
    (
        "EVIDENCE_S3_REGION",
        "S3 region, guessed from a B2 endpoint",
    ),
    (
        "EVIDENCE_MAX_FILE_BYTES",
        "largest evidence file, default 25 MiB",
    ),
    (
        "EVIDENCE_UPLOAD_ADDR",
        "where the local upload endpoint listens",
    ),
    (
        "EVIDENCE_PUBLIC_URL",
        "the base URL browsers reach that endpoint at",
    ),
];

/// The `--help` section listing [`VARIABLES`].
pub fn variables_help() -> String {
    let width = VARIABLES
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut help = String::from("Environment (also read from .env; see .env.example):\n");
    for (name, what) in VARIABLES {
        help.push_str(&format!("  {name:width$}  {what}\n"));
    }
    help
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The role the bot runs as. May carry a password.
    pub database_url: SecretString,
    /// The role that owns the tables and runs migrations (`gavel migrate`, `gavel run`'s
    /// start-up); `None`: `database_url`'s role does both, and can switch off the append-only
    /// triggers it owns.
    pub database_owner_url: Option<SecretString>,
    pub database_max_connections: u32,
    pub discord_token: Option<SecretString>,
    /// Sends REST calls (and the gateway URL lookup) to another base, e.g. a Discord double.
    pub discord_api_base: Option<String>,
    /// Registers commands in this guild only (instant) instead of globally.
    pub discord_guild_id: Option<u64>,
    /// How long one REST request to Discord may take before it counts as failed.
    pub discord_request_timeout: Duration,
    pub log_level: String,
    pub log_format: LogFormat,
    pub evidence: EvidenceConfig,
    /// The scheduler's knobs (JOB_* variables).
    pub jobs: JobsConfig,
}

/// Where evidence objects live.
#[derive(Debug, Clone)]
pub enum EvidenceBackend {
    /// A local directory; uploads go through Gavel's own signed upload endpoint.
    Local { dir: PathBuf },
    /// S3-compatible object storage (Backblaze B2 in production), path-style addressing.
    S3(S3Config),
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

/// An HMAC key evidence is signed with, named so keys can be rotated.
#[derive(Debug, Clone)]
pub struct HmacKey {
    pub id: String,
    secret: SecretSlice<u8>,
}

impl HmacKey {
    pub fn new(id: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        HmacKey {
            id: id.into(),
            secret: secret.into().into(),
        }
    }

    /// The key's bytes, for the HMAC computation only.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.expose_secret()
    }
}

#[derive(Debug, Clone)]
pub struct EvidenceConfig {
    pub backend: EvidenceBackend,
    /// The key new evidence is signed with; `None` turns evidence off.
    pub signing_key: Option<HmacKey>,
    /// Earlier keys, kept so items signed with them still verify.
    pub retired_keys: Vec<HmacKey>,
    /// Hosts attachments may be downloaded from.
    pub cdn_hosts: Vec<String>,
    /// Largest file Gavel stores (uploads and attachment downloads).
    pub max_file_bytes: u64,
    /// Where the local backend's upload endpoint listens.
    pub upload_addr: SocketAddr,
    /// The base URL moderators' browsers reach that endpoint at.
    pub public_url: String,
}

pub const DEFAULT_CDN_HOSTS: &[&str] = &["cdn.discordapp.com", "media.discordapp.net"];
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
const MIN_HMAC_KEY_BYTES: usize = 32;
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 16;
pub const DEFAULT_DISCORD_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Job handlers each hold a connection while they run; commands need some left.
const MIN_CONNECTIONS_FOR_COMMANDS: u32 = 4;

impl EvidenceConfig {
    /// The local backend under `dir`, no signing key, Discord's CDN hosts.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        let upload_addr: SocketAddr = ([127, 0, 0, 1], 8790).into();
        EvidenceConfig {
            backend: EvidenceBackend::Local { dir: dir.into() },
            signing_key: None,
            retired_keys: Vec::new(),
            cdn_hosts: DEFAULT_CDN_HOSTS.iter().map(|h| h.to_string()).collect(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            upload_addr,
            public_url: format!("http://{upload_addr}"),
        }
    }

    fn from_source(read: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let s3_vars = [
            ("EVIDENCE_S3_ENDPOINT", read("EVIDENCE_S3_ENDPOINT")),
            ("EVIDENCE_S3_BUCKET", read("EVIDENCE_S3_BUCKET")),
            (
                "EVIDENCE_S3_ACCESS_KEY_ID",
                read("EVIDENCE_S3_ACCESS_KEY_ID"),
            ),
            (
                "EVIDENCE_S3_SECRET_ACCESS_KEY",
                read("EVIDENCE_S3_SECRET_ACCESS_KEY"),
            ),
        ];
        let missing: Vec<&'static str> = s3_vars
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        let backend = if missing.len() == s3_vars.len() {
            EvidenceBackend::Local {
                dir: PathBuf::from(
                    read("EVIDENCE_DIR").unwrap_or_else(|| "./data/evidence".into()),
                ),
            }
        } else if !missing.is_empty() {
            return Err(error(
                missing[0],
                format!(
                    "is not set, but other EVIDENCE_S3_ variables are; set all of {} or none",
                    missing.join(", ")
                ),
            ));
        } else {
            let [endpoint, bucket, key, secret] = s3_vars.map(|(_, v)| v.unwrap_or_default());
            if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
                return Err(error(
                    "EVIDENCE_S3_ENDPOINT",
                    format!(
                        "is `{endpoint}`; give a URL such as https://s3.us-west-004.backblazeb2.com"
                    ),
                ));
            }
            let region = match read("EVIDENCE_S3_REGION") {
                Some(region) => region,
                None => b2_region(&endpoint).unwrap_or_else(|| "us-east-1".into()),
            };
            EvidenceBackend::S3(S3Config {
                endpoint: endpoint.trim_end_matches('/').to_string(),
                bucket,
                region,
                access_key_id: key,
                secret_access_key: secret.into(),
            })
        };
        let key_id = read("EVIDENCE_HMAC_KEY_ID").unwrap_or_else(|| "k1".into());
        if !valid_key_id(&key_id) {
            return Err(error(
                "EVIDENCE_HMAC_KEY_ID",
                format!("is `{key_id}`; use 1-32 letters, digits, '-' or '_'"),
            ));
        }
        let signing_key = match read("EVIDENCE_HMAC_KEY") {
            None => None,
            Some(secret) if secret.len() < MIN_HMAC_KEY_BYTES => {
                return Err(error(
                    "EVIDENCE_HMAC_KEY",
                    format!(
                        "is {} bytes; it must be at least {MIN_HMAC_KEY_BYTES} (e.g. `openssl rand -hex 32`)",
                        secret.len()
                    ),
                ))
            }
            Some(secret) => Some(HmacKey::new(key_id.clone(), secret.into_bytes())),
        };
        let mut retired_keys = Vec::new();
        for entry in read("EVIDENCE_HMAC_RETIRED_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let bad = || {
                error(
                    "EVIDENCE_HMAC_RETIRED_KEYS",
                    "must be a comma-separated list of key_id=key, each key at least 32 bytes",
                )
            };
            let (id, secret) = entry.split_once('=').ok_or_else(bad)?;
            if !valid_key_id(id) || secret.len() < MIN_HMAC_KEY_BYTES || id == key_id {
                return Err(bad());
            }
            retired_keys.push(HmacKey::new(id, secret.as_bytes()));
        }
        let cdn_hosts = match read("DISCORD_CDN_HOSTS") {
            None => DEFAULT_CDN_HOSTS.iter().map(|h| h.to_string()).collect(),
            Some(list) => {
                let hosts: Vec<String> = list
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect();
                if hosts.is_empty() || hosts.iter().any(|h| h.contains('/')) {
                    return Err(error(
                        "DISCORD_CDN_HOSTS",
                        format!("is `{list}`; give host names separated by commas, e.g. cdn.discordapp.com,media.discordapp.net"),
                    ));
                }
                hosts
            }
        };
        let max_file_bytes = match read("EVIDENCE_MAX_FILE_BYTES") {
            None => DEFAULT_MAX_FILE_BYTES,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=5 * 1024 * 1024 * 1024).contains(n))
                .ok_or_else(|| {
                    error(
                        "EVIDENCE_MAX_FILE_BYTES",
                        format!("is `{v}`; give a number of bytes from 1 to 5368709120"),
                    )
                })?,
        };
        let upload_addr = match read("EVIDENCE_UPLOAD_ADDR") {
            None => ([127, 0, 0, 1], 8790).into(),
            Some(v) => v.parse::<SocketAddr>().map_err(|_| {
                error(
                    "EVIDENCE_UPLOAD_ADDR",
                    format!("is `{v}`; give an address and port such as 0.0.0.0:8790"),
                )
            })?,
        };
        let public_url = match read("EVIDENCE_PUBLIC_URL") {
            None => format!("http://{upload_addr}"),
            Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
                v.trim_end_matches('/').to_string()
            }
            Some(v) => {
                return Err(error(
                    "EVIDENCE_PUBLIC_URL",
                    format!("is `{v}`; give a base URL such as https://gavel.example.com"),
                ))
            }
        };
        Ok(EvidenceConfig {
            backend,
            signing_key,
            retired_keys,
            cdn_hosts,
            max_file_bytes,
            upload_addr,
            public_url,
        })
    }

    /// The signing key, which evidence commands need.
    pub fn require_signing_key(&self) -> Result<&HmacKey, ConfigError> {
        self.signing_key.as_ref().ok_or_else(|| {
            error(
                "EVIDENCE_HMAC_KEY",
                "is not set; evidence needs a signing key of at least 32 bytes (e.g. `openssl rand -hex 32`)",
            )
        })
    }
}

fn valid_key_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `https://s3.us-west-004.backblazeb2.com` → `us-west-004`.
fn b2_region(endpoint: &str) -> Option<String> {
    let host = endpoint.split("://").nth(1)?.split('/').next()?;
    let region = host.strip_prefix("s3.")?.strip_suffix(".backblazeb2.com")?;
    Some(region.to_string())
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
        let database_owner_url = match read("DATABASE_OWNER_URL") {
            None => None,
            Some(v) if v.starts_with("postgres://") || v.starts_with("postgresql://") => {
                Some(SecretString::from(v))
            }
            Some(_) => {
                return Err(error(
                    "DATABASE_OWNER_URL",
                    "must start with postgres:// or postgresql://",
                ))
            }
        };
        let database_max_connections = match read("DATABASE_MAX_CONNECTIONS") {
            None => DEFAULT_DATABASE_MAX_CONNECTIONS,
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
        let mut jobs = JobsConfig::default();
        if let Some(ms) = number("JOB_POLL_INTERVAL_MS", 10..=60_000)? {
            jobs.poll_interval = Duration::from_millis(ms);
        }
        if let Some(n) = number("JOB_CONCURRENCY", 1..=256)? {
            jobs.concurrency = n as usize;
        }
        if let Some(rate) = number("JOB_DISCORD_RATE", 0..=50)? {
            jobs.discord_rate = rate as u32;
        }
        if let Some(days) = number("JOB_HISTORY_DAYS", 0..=3650)? {
            jobs.finished_job_retention = (days > 0).then(|| Duration::from_secs(days * 86_400));
        }
        if database_max_connections < jobs.concurrency as u32 + MIN_CONNECTIONS_FOR_COMMANDS {
            return Err(error(
                "JOB_CONCURRENCY",
                format!(
                    "is {} and DATABASE_MAX_CONNECTIONS is {database_max_connections}, which leaves fewer than {MIN_CONNECTIONS_FOR_COMMANDS} database connections for commands; lower JOB_CONCURRENCY or raise DATABASE_MAX_CONNECTIONS to at least {}",
                    jobs.concurrency,
                    jobs.concurrency as u32 + MIN_CONNECTIONS_FOR_COMMANDS
                ),
            ));
        }
        let discord_request_timeout = match read("DISCORD_REQUEST_TIMEOUT_SECS") {
            None => DEFAULT_DISCORD_REQUEST_TIMEOUT,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=120).contains(n))
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    error(
                        "DISCORD_REQUEST_TIMEOUT_SECS",
                        format!("is `{v}`; give a number of seconds from 1 to 120"),
                    )
                })?,
        };
        Ok(Config {
            discord_request_timeout,
            jobs,
            database_url: database_url.into(),
            database_owner_url,
            database_max_connections,
            discord_token: read("DISCORD_TOKEN").map(SecretString::from),
            discord_api_base,
            discord_guild_id,
            log_level: read("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            log_format,
            evidence: EvidenceConfig::from_source(&read)?,
        })
    }

    /// The bot token, which only commands that talk to Discord need.
    pub fn require_token(&self) -> Result<&str, ConfigError> {
        self.discord_token
            .as_ref()
            .map(|token| token.expose_secret())
            .ok_or_else(|| {
                error(
                    "DISCORD_TOKEN",
                    "is not set; copy the bot token from the Discord developer portal",
                )
            })
    }
}

/// Knobs for the scheduler; `Default` is what `gavel run` uses unless the environment says
/// otherwise (see `Config`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// Jobs one process runs at once.
    pub concurrency: usize,
    /// Jobs fetched per poll.
    pub batch_size: usize,
    /// Worker heartbeat; a worker silent for `heartbeat × missed_heartbeats` is dead and its
    /// claimed jobs go back to the queue.
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    /// Discord calls per second this process's jobs may make (0: unpaced).
    pub discord_rate: u32,
    pub reconcile_every: Duration,
    /// A case still PENDING after this long is taken to have crashed mid-action.
    pub pending_after: Duration,
    pub decay_every: Duration,
    /// Finished jobs are deleted from `apalis.jobs` after this long (None: kept).
    pub finished_job_retention: Option<Duration>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            poll_interval: Duration::from_millis(200),
            concurrency: 8,
            batch_size: 50,
            heartbeat: Duration::from_secs(5),
            missed_heartbeats: 3,
            discord_rate: 40,
            reconcile_every: Duration::from_secs(60),
            pending_after: Duration::from_secs(30),
            decay_every: Duration::from_secs(600),
            finished_job_retention: Some(Duration::from_secs(7 * 86_400)),
        }
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
    fn the_owner_url_is_optional_and_must_be_postgres() {
        let base = ("DATABASE_URL", "postgres://gavel@localhost/gavel");
        assert!(config(&[base]).unwrap().database_owner_url.is_none());
        let owner = config(&[
            base,
            ("DATABASE_OWNER_URL", "postgres://owner@localhost/gavel"),
        ])
        .unwrap()
        .database_owner_url
        .unwrap();
        assert_eq!(owner.expose_secret(), "postgres://owner@localhost/gavel");
        let err = config(&[base, ("DATABASE_OWNER_URL", "owner@localhost")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_OWNER_URL");
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
        let err = config(&[base[0], ("JOB_CONCURRENCY", "64")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JOB_CONCURRENCY is 64 and DATABASE_MAX_CONNECTIONS is 16, which leaves fewer than 4 database connections for commands; lower JOB_CONCURRENCY or raise DATABASE_MAX_CONNECTIONS to at least 68"
        );
        let err = config(&[base[0], ("DATABASE_MAX_CONNECTIONS", "10")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_MAX_CONNECTIONS is 10"));
        let pooled = config(&[
            base[0],
            ("JOB_CONCURRENCY", "64"),
            ("DATABASE_MAX_CONNECTIONS", "68"),
        ])
        .unwrap();
        assert_eq!(pooled.jobs.concurrency, 64);
        let tuned = config(&[base[0], ("JOB_POLL_INTERVAL_MS", "500")]).unwrap();
        assert_eq!(tuned.jobs.poll_interval, Duration::from_millis(500));
        let ok = config(&[base[0], ("DISCORD_API_BASE", "http://127.0.0.1:9/")]).unwrap();
        assert_eq!(ok.discord_api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(ok.require_token().unwrap_err().name, "DISCORD_TOKEN");
        assert!(
            !format!("{ok:?}").contains("localhost/gavel"),
            "the URL may hold a password"
        );
    }

    #[test]
    fn evidence_defaults_to_a_local_directory_and_checks_s3_and_keys() {
        let db = ("DATABASE_URL", "postgres://localhost/gavel");
        let ok = config(&[db]).unwrap();
        assert!(
            matches!(&ok.evidence.backend, EvidenceBackend::Local { dir } if dir.ends_with("data/evidence"))
        );
        assert!(ok.evidence.signing_key.is_none());
        assert_eq!(ok.evidence.cdn_hosts, DEFAULT_CDN_HOSTS);

        let err = config(&[
            db,
            (
                "EVIDENCE_S3_ENDPOINT",
                "https://s3.us-west-004.backblazeb2.com",
            ),
            ("EVIDENCE_S3_BUCKET", "gavel"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "EVIDENCE_S3_ACCESS_KEY_ID");
        assert!(
            err.to_string()
                .contains("EVIDENCE_S3_ACCESS_KEY_ID, EVIDENCE_S3_SECRET_ACCESS_KEY"),
            "{err}"
        );
        let s3 = config(&[
            db,
            (
                "EVIDENCE_S3_ENDPOINT",
                "https://s3.us-west-004.backblazeb2.com/",
            ),
            ("EVIDENCE_S3_BUCKET", "gavel"),
            ("EVIDENCE_S3_ACCESS_KEY_ID", "id"),
            ("EVIDENCE_S3_SECRET_ACCESS_KEY", "hunter2-value"),
        ])
        .unwrap();
        let EvidenceBackend::S3(s3) = &s3.evidence.backend else {
            panic!("expected S3");
        };
        assert_eq!(s3.region, "us-west-004");
        assert_eq!(s3.endpoint, "https://s3.us-west-004.backblazeb2.com");
        assert!(!format!("{s3:?}").contains("hunter2"));

        let err = config(&[db, ("EVIDENCE_HMAC_KEY", "short")]).unwrap_err();
        assert_eq!(err.name, "EVIDENCE_HMAC_KEY");
        let key = "0123456789abcdef0123456789abcdef";
        let err = config(&[
            db,
            ("EVIDENCE_HMAC_KEY", key),
            ("EVIDENCE_HMAC_KEY_ID", "a b"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "EVIDENCE_HMAC_KEY_ID");
        let ok = config(&[
            db,
            ("EVIDENCE_HMAC_KEY", key),
            ("EVIDENCE_HMAC_KEY_ID", "2026"),
            ("EVIDENCE_HMAC_RETIRED_KEYS", &format!("2025={key}")),
            ("DISCORD_CDN_HOSTS", "127.0.0.1, CDN.example"),
        ])
        .unwrap();
        assert_eq!(ok.evidence.signing_key.as_ref().unwrap().id, "2026");
        assert_eq!(ok.evidence.retired_keys[0].id, "2025");
        assert_eq!(ok.evidence.cdn_hosts, ["127.0.0.1", "cdn.example"]);
        assert!(!format!("{ok:?}").contains(key), "keys stay out of logs");
        let err = config(&[db, ("EVIDENCE_HMAC_RETIRED_KEYS", "nokey")]).unwrap_err();
        assert_eq!(err.name, "EVIDENCE_HMAC_RETIRED_KEYS");
        let err = config(&[db, ("EVIDENCE_UPLOAD_ADDR", "nowhere")]).unwrap_err();
        assert_eq!(err.name, "EVIDENCE_UPLOAD_ADDR");
    }

    #[test]
    fn every_variable_read_is_listed_and_documented() {
        let source = include_str!("config.rs");
        let example = include_str!("../.env.example");
        let listed: std::collections::BTreeSet<&str> =
            VARIABLES.iter().map(|(name, _)| *name).collect();
        let mut read = std::collections::BTreeSet::new();
        for marker in ["read(\"", "number(\""] {
            for (at, _) in source.match_indices(marker) {
                let rest = &source[at + marker.len()..];
                let name = &rest[..rest.find('"').unwrap()];
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    read.insert(name);
                }
            }
        }
        assert_eq!(
            read, listed,
            "VARIABLES must list exactly what Config reads"
        );
        for name in listed {
            assert!(
                example.contains(&format!("{name}=")),
                ".env.example does not document {name}"
            );
        }
        assert!(variables_help().contains("DISCORD_REQUEST_TIMEOUT_SECS"));
    }
}
