//! Starting Gavel: database, Discord client, commands, gateway, and a clean shutdown.

use super::commands;
use super::context::{CommandError, Data, InFlight};
use super::gateway_events;
use super::render;
use super::serenity_port::{build_http, SerenityPort};
use crate::config::Config;
use crate::ports::discord::DiscordPort;
use crate::services::Services;
use serenity::all::{ClientBuilder, FullEvent, GatewayIntents, GuildId};
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for interactions being handled before closing the gateway.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// Which shards this process runs: `first` to `last` (inclusive) out of `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSpec {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MODERATION
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// Wraps poise so every interaction is counted while it is handled: shutdown waits for them.
struct TrackedFramework {
    inner: poise::Framework<Data, CommandError>,
    in_flight: Arc<InFlight>,
}

#[serenity::async_trait]
impl serenity::framework::Framework for TrackedFramework {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await
    }

    async fn dispatch(&self, ctx: serenity::all::Context, event: FullEvent) {
        let _guard =
            matches!(event, FullEvent::InteractionCreate { .. }).then(|| self.in_flight.enter());
        self.inner.dispatch(ctx, event).await
    }
}

async fn on_error(error: poise::FrameworkError<'_, Data, CommandError>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            if let CommandError::Service(crate::GavelError::Database(e)) = &error {
                tracing::error!(error = %e, command = %ctx.command().qualified_name, "database error");
            }
            let reply = render::ephemeral(render::error_embed(&error.user_message()));
            if let Err(e) = ctx.send(reply).await {
                tracing::warn!(error = %e, "could not send the error reply");
            }
        }
        poise::FrameworkError::ArgumentParse { error, ctx, .. } => {
            let reply = render::ephemeral(render::error_embed(&format!(
                "One of the options is not valid: {error}."
            )));
            let _ = ctx.send(reply).await;
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::warn!(%error, event = event.snake_case_name(), "event handler failed");
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::warn!(error = %e, "error while handling an error");
            }
        }
    }
}

/// Runs until SIGINT or SIGTERM.
pub async fn run(config: &Config, shards: Option<ShardSpec>) -> anyhow::Result<()> {
    run_until(config, shards, shutdown_signal()).await
}

/// Runs until `shutdown` completes, then finishes in-flight interactions and closes the shards.
pub async fn run_until(
    config: &Config,
    shards: Option<ShardSpec>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let token = config.require_token()?.to_string();
    let pool = crate::store::connect(&config.database_url, config.database_max_connections).await?;
    crate::store::migrate(&pool).await?;
    tracing::info!("database ready");

    let http = Arc::new(build_http(&token, config.discord_api_base.as_deref()));
    let port = SerenityPort::connect(http.clone())
        .await
        .map_err(|e| anyhow::anyhow!("could not log in to Discord: {e}"))?;
    let bot_user_id = port.bot_user_id();
    let port: Arc<dyn DiscordPort> = Arc::new(port);
    let evidence = crate::services::evidence::Evidence::from_config(&config.evidence);
    if evidence.is_none() {
        tracing::warn!("EVIDENCE_HMAC_KEY is not set: evidence commands are off");
    }
    let services = Services::with_evidence(pool.clone(), port.clone(), evidence);
    let upload_server =
        crate::web::evidence_upload::start_if_local(&config.evidence, &services.evidence).await?;
    let (stop_jobs, jobs_shutdown) = tokio::sync::watch::channel(false);
    let stop_jobs = Arc::new(stop_jobs);
    let jobs = crate::jobs::worker::spawn(
        crate::jobs::JobContext::new(pool, port, config.jobs.clone()),
        jobs_shutdown,
    );
    let register_in = config.discord_guild_id;

    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(on_error(error)),
            event_handler: |framework, event| {
                Box::pin(gateway_events::handle(
                    framework.serenity_context,
                    event,
                    framework.user_data,
                ))
            },
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                match register_in {
                    Some(guild) => {
                        poise::builtins::register_in_guild(ctx, commands, GuildId::new(guild))
                            .await?;
                        tracing::info!(guild, "commands registered in the guild");
                    }
                    None => {
                        poise::builtins::register_globally(ctx, commands).await?;
                        tracing::info!("commands registered globally");
                    }
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected");
                Ok(Data {
                    services,
                    bot_user_id,
                })
            })
        })
        .build();
    let in_flight = Arc::new(InFlight::default());
    let framework = TrackedFramework {
        inner: framework,
        in_flight: in_flight.clone(),
    };

    // The gateway client gets its own REST client built the same way (serenity takes it by value).
    let gateway_http = build_http(&token, config.discord_api_base.as_deref());
    let mut client = ClientBuilder::new_with_http(gateway_http, intents())
        .framework(framework)
        .await?;
    let shard_manager = client.shard_manager.clone();
    let stop_jobs_on_signal = stop_jobs.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop_jobs_on_signal.send_replace(true);
        tracing::info!(
            in_flight = in_flight.current(),
            "shutting down: finishing interactions"
        );
        if !in_flight.drained(DRAIN_DEADLINE).await {
            tracing::warn!("interactions still running after {DRAIN_DEADLINE:?}; closing anyway");
        }
        shard_manager.shutdown_all().await;
    });

    let outcome = match shards {
        // serenity's range is inclusive at both ends: `4..7` starts shards 4, 5, 6 and 7.
        Some(spec) => {
            client
                .start_shard_range(spec.first..spec.last, spec.total)
                .await
        }
        None => client.start_autosharded().await,
    };
    stop_jobs.send_replace(true);
    if tokio::time::timeout(DRAIN_DEADLINE, jobs).await.is_err() {
        tracing::warn!("scheduled jobs still running after {DRAIN_DEADLINE:?}; exiting anyway");
    }
    if let Some(server) = upload_server {
        server.abort();
    }
    outcome?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Parses `--shards 0-3` (inclusive) against `--shard-total 8`.
pub fn parse_shards(range: &str, total: u32) -> Result<ShardSpec, String> {
    let usage = || format!("`{range}` is not a shard range; write first-last, e.g. 0-3");
    let (first, last) = match range.split_once('-') {
        Some((a, b)) => (
            a.trim().parse::<u32>().map_err(|_| usage())?,
            b.trim().parse::<u32>().map_err(|_| usage())?,
        ),
        None => {
            let one = range.trim().parse::<u32>().map_err(|_| usage())?;
            (one, one)
        }
    };
    if total == 0 {
        return Err("--shard-total must be at least 1".into());
    }
    if first > last || last >= total {
        return Err(format!(
            "shards {first}-{last} do not fit in a total of {total} (shards are numbered 0 to {})",
            total - 1
        ));
    }
    Ok(ShardSpec { first, last, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_are_inclusive_and_checked() {
        assert_eq!(
            parse_shards("0-3", 8).unwrap(),
            ShardSpec {
                first: 0,
                last: 3,
                total: 8
            }
        );
        let one = parse_shards("5", 8).unwrap();
        assert_eq!((one.first, one.last), (5, 5));
        assert!(parse_shards("4-8", 8).unwrap_err().contains("do not fit"));
        assert!(parse_shards("3-1", 8).is_err());
        assert!(parse_shards("a-b", 8).unwrap_err().contains("first-last"));
        assert!(parse_shards("0", 0).is_err());
    }
}
