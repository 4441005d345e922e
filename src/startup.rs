//! The one place Gavel is wired together: the database pool, evidence storage, the Discord port,
//! the services, the job workers and the local upload endpoint. Every entry point (`gavel run`,
//! the offline tools, the tests' `spawn_app`) builds an [`App`] here and nowhere else.

use crate::config::Config;
use crate::discord::bot::{Gateway, ShardSpec};
use crate::discord::serenity_port::{build_http, SerenityPort};
use crate::ports::discord::DiscordPort;
use crate::services::evidence::verify::Verifier;
use crate::services::evidence::Evidence;
use crate::services::Services;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for scheduled jobs that are running.
const JOBS_DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// What an entry point asks the wiring for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Apply pending migrations before anything else (the bot does; read-only tools do not).
    pub migrations: bool,
    /// Log in to Discord's REST API and build the services that act through it.
    pub discord: bool,
}

impl Needs {
    /// `gavel run` and the tests: everything.
    pub const BOT: Needs = Needs {
        migrations: true,
        discord: true,
    };
    /// Tools that only read the database and evidence storage (`gavel evidence verify`).
    pub const OFFLINE: Needs = Needs {
        migrations: false,
        discord: false,
    };
}

/// The services and the Discord port, present when the app was built with Discord.
#[derive(Clone)]
pub struct Online {
    pub port: Arc<dyn DiscordPort>,
    pub bot_user_id: u64,
    pub services: Services,
}

#[derive(Clone)]
pub struct App {
    pub config: Config,
    pub pool: PgPool,
    /// `None` when no signing key is configured (evidence is then off).
    pub evidence: Option<Evidence>,
    online: Option<Online>,
}

/// Applies pending migrations. With `DATABASE_OWNER_URL` they run as that role, which then
/// grants `runtime`'s role (`DATABASE_URL`) what the bot needs and no more; without it they run
/// as `runtime`'s role, which then owns the tables (and so their triggers).
pub async fn migrate_database(config: &Config, runtime: &PgPool) -> anyhow::Result<()> {
    use crate::store::{describe_error, describe_migrate_error, privileges};
    let role = privileges::current_role(runtime).await.map_err(|e| {
        anyhow::anyhow!("could not read DATABASE_URL's role: {}", describe_error(&e))
    })?;
    match &config.database_owner_url {
        None => crate::store::migrate(runtime).await.map_err(|e| {
            anyhow::anyhow!(
                "could not apply the database migrations: {}",
                describe_migrate_error(&e)
            )
        })?,
        Some(owner_url) => {
            let owner = crate::store::connect(owner_url.expose_secret(), 2)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "could not connect to the database as its owner (DATABASE_OWNER_URL): {}",
                        describe_error(&e)
                    )
                })?;
            crate::store::migrate(&owner).await.map_err(|e| {
                anyhow::anyhow!(
                    "could not apply the database migrations as DATABASE_OWNER_URL's role: {}",
                    describe_migrate_error(&e)
                )
            })?;
            if privileges::current_role(&owner).await? != role {
                privileges::grant_runtime(&owner, &role)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "could not grant DATABASE_URL's role its privileges: {}",
                            describe_error(&e)
                        )
                    })?;
            }
            owner.close().await;
        }
    }
    let (superuser, owner) = privileges::role_powers(runtime, &role).await?;
    if superuser || owner {
        tracing::warn!(
            role = %role,
            "DATABASE_URL's role {} the evidence tables: it can switch off their append-only triggers; run migrations as another role with DATABASE_OWNER_URL (README → Evidence)",
            if superuser { "is a superuser over" } else { "owns" }
        );
    }
    Ok(())
}

impl App {
    /// Connects to PostgreSQL (migrating it if asked), sets up evidence storage and, if asked,
    /// logs in to Discord's REST API and builds the services.
    pub async fn build(config: &Config, needs: Needs) -> anyhow::Result<App> {
        let pool = crate::store::connect(
            config.database_url.expose_secret(),
            config.database_max_connections,
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "could not connect to the database (DATABASE_URL): {}",
                crate::store::describe_error(&e)
            )
        })?;
        if needs.migrations {
            migrate_database(config, &pool).await?;
            tracing::info!("database ready");
        }
        let evidence = Evidence::from_config(&config.evidence);
        let online = if needs.discord {
            let token = config.require_token()?;
            let http = Arc::new(build_http(
                token,
                config.discord_api_base.as_deref(),
                config.discord_request_timeout,
            ));
            let port = SerenityPort::connect(http).await.map_err(|e| {
                anyhow::anyhow!("could not log in to Discord: {}", e.login_problem())
            })?;
            let bot_user_id = port.bot_user_id();
            let port: Arc<dyn DiscordPort> = Arc::new(port);
            if evidence.is_none() {
                tracing::warn!("EVIDENCE_HMAC_KEY is not set: evidence commands are off");
            }
            let services = Services::with_evidence(pool.clone(), port.clone(), evidence.clone());
            Some(Online {
                port,
                bot_user_id,
                services,
            })
        } else {
            None
        };
        Ok(App {
            config: config.clone(),
            pool,
            evidence,
            online,
        })
    }

    /// The services; the app must have been built with [`Needs::discord`].
    pub fn online(&self) -> &Online {
        self.online
            .as_ref()
            .expect("the app was built without Discord; build it with Needs::BOT")
    }

    pub fn services(&self) -> &Services {
        &self.online().services
    }

    /// The evidence verifier; refuses when evidence is not configured.
    pub fn verifier(&self) -> anyhow::Result<Verifier> {
        self.config.evidence.require_signing_key()?;
        let evidence = self
            .evidence
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("evidence is not configured"))?;
        Ok(Verifier::new(
            self.pool.clone(),
            evidence.store.clone(),
            evidence.signer.clone(),
        ))
    }

    pub fn job_context(&self) -> crate::jobs::JobContext {
        crate::jobs::JobContext::new(
            self.pool.clone(),
            self.online().port.clone(),
            self.config.jobs.clone(),
        )
    }

    /// Runs the bot until `shutdown` completes: job workers, the local upload endpoint and the
    /// gateway; then finishes in-flight interactions and running jobs.
    pub async fn run_until(
        self,
        shards: Option<ShardSpec>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let online = self.online().clone();
        let upload_endpoint = crate::web::evidence_upload::start_if_local(
            &self.config.evidence,
            &online.services.evidence,
        )
        .await?;
        let (stop_jobs, jobs_stopping) = tokio::sync::watch::channel(false);
        let stop_jobs = Arc::new(stop_jobs);
        let jobs = crate::jobs::worker::spawn(self.job_context(), jobs_stopping);

        let gateway = Gateway {
            token: self.config.require_token()?.to_string(),
            api_base: self.config.discord_api_base.clone(),
            request_timeout: self.config.discord_request_timeout,
            register_in: self.config.discord_guild_id,
            services: online.services,
            bot_user_id: online.bot_user_id,
        };
        let stop_jobs_on_signal = stop_jobs.clone();
        let outcome = gateway
            .run_until(shards, async move {
                shutdown.await;
                stop_jobs_on_signal.send_replace(true);
            })
            .await;

        stop_jobs.send_replace(true);
        if tokio::time::timeout(JOBS_DRAIN_DEADLINE, jobs)
            .await
            .is_err()
        {
            tracing::warn!(
                "scheduled jobs still running after {JOBS_DRAIN_DEADLINE:?}; exiting anyway"
            );
        }
        if let Some(endpoint) = upload_endpoint {
            endpoint.abort();
        }
        outcome?;
        tracing::info!("stopped");
        Ok(())
    }
}
