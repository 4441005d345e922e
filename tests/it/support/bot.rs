//! The real bot (serenity + poise, started by `startup::App::run_until` as `gavel run` does)
//! running against the Discord double and a fresh database, driven the way moderators drive it.

use super::app::{spawn_app, test_config, TestApp, GENERAL, GUILD};
use discord_double::Reply;
use gavel::config::Config;
use gavel::discord::bot::ShardSpec;
use gavel::startup::{App, Needs};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

pub struct RunningBot {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningBot {
    /// Sends the shutdown signal and waits for `run_until` to return.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(40), self.task)
            .await
            .expect("the bot stops within 40 s")
            .expect("the bot task did not panic")
    }
}

pub fn config_for(app: &TestApp) -> Config {
    test_config(&app.db.url, &app.discord.base_url(), app.evidence.clone())
}

/// Starts the bot and waits until it has connected and registered its commands.
pub async fn start_bot(app: &TestApp, shards: Option<ShardSpec>) -> RunningBot {
    let config = config_for(app);
    let (stop, stopped) = oneshot::channel::<()>();
    let registrations_before = app.discord.requests_matching("PUT", "/commands").len();
    let task = tokio::spawn(async move {
        let app = App::build(&config, Needs::BOT).await?;
        app.run_until(shards, async {
            let _ = stopped.await;
        })
        .await
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    // The double records a request when it arrives and stores the commands a moment later, so
    // wait for both: a test's first command must find `/mod` registered.
    let registered = || {
        app.discord.requests_matching("PUT", "/commands").len() > registrations_before
            && !app.discord.registered_commands(Some(GUILD)).is_empty()
    };
    while !registered() {
        if task.is_finished() {
            let outcome = task.await.expect("bot task");
            panic!("the bot stopped before registering its commands: {outcome:?}");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not register commands in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    RunningBot { stop, task }
}

pub struct TestBot {
    pub app: TestApp,
    pub bot: Option<RunningBot>,
}

pub async fn spawn_bot() -> TestBot {
    let app = spawn_app().await;
    let bot = start_bot(&app, None).await;
    TestBot {
        app,
        bot: Some(bot),
    }
}

impl TestBot {
    /// Runs `/command` as `invoker` in #general and waits for the bot's final reply.
    pub async fn command(&self, invoker: u64, command: &str, options: Vec<(&str, Value)>) -> Reply {
        self.app
            .discord
            .invoke_command(GUILD, GENERAL, invoker, command, options)
            .reply(REPLY_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("/{command}: {e}"))
    }

    pub async fn restart(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.stop().await.expect("clean shutdown");
        }
        self.bot = Some(start_bot(&self.app, None).await);
    }
}

/// All the text of a reply (content, embed titles, descriptions, fields), for assertions.
pub fn text(reply: &Reply) -> String {
    let mut out = reply.content.clone().unwrap_or_default();
    for embed in &reply.embeds {
        for key in ["title", "description"] {
            if let Some(s) = embed[key].as_str() {
                out.push('\n');
                out.push_str(s);
            }
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "\n{}: {}",
                field["name"].as_str().unwrap_or(""),
                field["value"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

/// Every custom id of the buttons and menus on a reply.
pub fn custom_ids(reply: &Reply) -> Vec<String> {
    reply
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}
