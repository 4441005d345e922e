//! The gateway client: poise commands and handlers on serenity, sharding, and a shutdown that
//! finishes the interactions being handled.

use super::commands;
use super::context::{CommandError, Data, InFlight};
use super::gateway_events;
use super::render;
use super::serenity_port::build_http;
use crate::services::Services;
use serenity::all::{ClientBuilder, FullEvent, GatewayIntents, GuildId, Interaction};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

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
        let FullEvent::InteractionCreate { interaction } = &event else {
            return self.inner.dispatch(ctx, event).await;
        };
        let _guard = self.in_flight.enter();
        let span = interaction_span(interaction);
        self.inner.dispatch(ctx, event).instrument(span).await
    }
}

/// One span per interaction, so everything it causes (case flow, Discord calls) can be followed
/// in the logs by its id.
fn interaction_span(interaction: &Interaction) -> tracing::Span {
    let (kind, name) = match interaction {
        Interaction::Command(c) | Interaction::Autocomplete(c) => ("command", c.data.name.clone()),
        Interaction::Component(c) => ("component", c.data.custom_id.clone()),
        Interaction::Modal(m) => ("modal", m.data.custom_id.clone()),
        _ => ("other", String::new()),
    };
    let (guild, user) = match interaction {
        Interaction::Command(c) | Interaction::Autocomplete(c) => (c.guild_id, Some(c.user.id)),
        Interaction::Component(c) => (c.guild_id, Some(c.user.id)),
        Interaction::Modal(m) => (m.guild_id, Some(m.user.id)),
        _ => (None, None),
    };
    tracing::info_span!(
        "interaction",
        interaction_id = interaction.id().get(),
        kind,
        name = %name,
        guild_id = guild.map(|g| g.get()),
        user_id = user.map(|u| u.get()),
    )
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

/// The gateway side of the bot: poise's commands, component and event handlers on serenity's
/// client, acting through the services it is given.
pub struct Gateway {
    pub token: String,
    pub api_base: Option<String>,
    pub request_timeout: std::time::Duration,
    /// Registers commands in this guild only (instant) instead of globally.
    pub register_in: Option<u64>,
    pub services: Services,
    pub bot_user_id: u64,
}

impl Gateway {
    /// Connects the shards and handles events until `shutdown` completes, then finishes
    /// in-flight interactions and closes the shards.
    pub async fn run_until(
        self,
        shards: Option<ShardSpec>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Gateway {
            token,
            api_base,
            request_timeout,
            register_in,
            services,
            bot_user_id,
        } = self;
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

        let http = build_http(&token, api_base.as_deref(), request_timeout);
        let mut client = ClientBuilder::new_with_http(http, intents())
            .framework(framework)
            .await?;
        let shard_manager = client.shard_manager.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!(
                in_flight = in_flight.current(),
                "shutting down: finishing interactions"
            );
            if !in_flight.drained(DRAIN_DEADLINE).await {
                tracing::warn!(
                    "interactions still running after {DRAIN_DEADLINE:?}; closing anyway"
                );
            }
            shard_manager.shutdown_all().await;
        });

        match shards {
            // serenity's range is inclusive at both ends: `4..7` starts shards 4, 5, 6 and 7.
            Some(spec) => {
                client
                    .start_shard_range(spec.first..spec.last, spec.total)
                    .await?
            }
            None => client.start_autosharded().await?,
        }
        Ok(())
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
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
