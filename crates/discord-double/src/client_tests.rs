//! The double's gateway and interactions exercised by a real `serenity::Client`.

use std::time::Duration;

use serde_json::json;
use serenity::all::{
    ActionRowComponent, AuditLogEntry as SerenityAuditLogEntry, ButtonStyle, ClientBuilder,
    Command, CommandInteraction, CommandOptionType, CommandType, ComponentInteraction, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateModal, EditInteractionResponse, EventHandler,
    GatewayIntents, Guild, GuildId, InputTextStyle, Interaction, Member, Message, ModalInteraction,
    Permissions, Ready, ResolvedValue, ResumedEvent, User, UserId,
};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::tests::{seeded_double, ADMIN, BOT, CHANNEL, GUILD, MEMBER, MODERATOR};
use super::{audit_action, AuditLogEntry, DiscordDouble, InteractionHandle, Reply};

const WAIT: Duration = Duration::from_secs(10);

/// What the bot's event handler saw.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Ready {
        shard: u32,
        user: u64,
        guilds: Vec<u64>,
    },
    GuildCreate {
        shard: u32,
        guild: u64,
        members: usize,
        channels: usize,
        roles: usize,
    },
    MemberAdd {
        shard: u32,
        user: u64,
    },
    MemberRemove {
        user: u64,
    },
    BanAdd {
        user: u64,
    },
    AuditEntry {
        action: u8,
        actor: u64,
        target: u64,
        reason: Option<String>,
    },
    Message {
        author: u64,
        content: String,
    },
    Resumed,
    /// A Discord error code the bot got back while answering an interaction.
    ResponseError(isize),
}

struct Recorder {
    seen: UnboundedSender<Seen>,
}

impl Recorder {
    fn record(&self, seen: Seen) {
        let _ = self.seen.send(seen);
    }
}

#[serenity::async_trait]
impl EventHandler for Recorder {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.record(Seen::Ready {
            shard: ctx.shard_id.0,
            user: ready.user.id.get(),
            guilds: ready.guilds.iter().map(|guild| guild.id.get()).collect(),
        });
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        self.record(Seen::GuildCreate {
            shard: ctx.shard_id.0,
            guild: guild.id.get(),
            members: guild.members.len(),
            channels: guild.channels.len(),
            roles: guild.roles.len(),
        });
    }

    async fn guild_member_addition(&self, ctx: Context, member: Member) {
        self.record(Seen::MemberAdd {
            shard: ctx.shard_id.0,
            user: member.user.id.get(),
        });
    }

    async fn guild_member_removal(
        &self,
        _ctx: Context,
        _guild: GuildId,
        user: User,
        _member: Option<Member>,
    ) {
        self.record(Seen::MemberRemove {
            user: user.id.get(),
        });
    }

    async fn guild_ban_addition(&self, _ctx: Context, _guild: GuildId, user: User) {
        self.record(Seen::BanAdd {
            user: user.id.get(),
        });
    }

    async fn guild_audit_log_entry_create(
        &self,
        _ctx: Context,
        entry: SerenityAuditLogEntry,
        _guild: GuildId,
    ) {
        self.record(Seen::AuditEntry {
            action: entry.action.num(),
            actor: entry.user_id.get(),
            target: entry.target_id.map_or(0, |id| id.get()),
            reason: entry.reason,
        });
    }

    async fn message(&self, _ctx: Context, message: Message) {
        self.record(Seen::Message {
            author: message.author.id.get(),
            content: message.content,
        });
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        self.record(Seen::Resumed);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let result = match interaction {
            Interaction::Command(command) => answer_command(&ctx, &command).await,
            Interaction::Component(component) => answer_component(&ctx, &component).await,
            Interaction::Modal(modal) => answer_modal(&ctx, &modal).await,
            Interaction::Autocomplete(autocomplete) => {
                let choices = CreateAutocompleteResponse::new().add_string_choice("Case 12", "12");
                autocomplete
                    .create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                    .await
            }
            _ => Ok(()),
        };
        if let Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(
            response,
        ))) = result
        {
            self.record(Seen::ResponseError(response.error.code));
        }
    }
}

fn message(content: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(content))
}

/// How the test bot answers each command; each shows one way a bot can respond.
async fn answer_command(ctx: &Context, command: &CommandInteraction) -> serenity::Result<()> {
    let http = &ctx.http;
    match command.data.name.as_str() {
        "ping" => {
            let reply = CreateInteractionResponseMessage::new()
                .content("pong")
                .button(
                    CreateButton::new("confirm")
                        .label("Confirm")
                        .style(ButtonStyle::Danger),
                );
            command
                .create_response(http, CreateInteractionResponse::Message(reply))
                .await
        }
        "slow" => {
            let defer = CreateInteractionResponseMessage::new().ephemeral(true);
            command
                .create_response(http, CreateInteractionResponse::Defer(defer))
                .await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            command
                .edit_response(http, EditInteractionResponse::new().content("done slowly"))
                .await?;
            Ok(())
        }
        "later" => {
            command.defer(http).await?;
            let first = CreateInteractionResponseFollowup::new().content("followed up");
            command.create_followup(http, first).await?;
            let second = CreateInteractionResponseFollowup::new()
                .content("second")
                .ephemeral(true);
            command.create_followup(http, second).await?;
            Ok(())
        }
        "form" => {
            let input = CreateInputText::new(InputTextStyle::Paragraph, "Reason", "reason");
            let modal = CreateModal::new("reason-form", "Why?")
                .components(vec![CreateActionRow::InputText(input)]);
            command
                .create_response(http, CreateInteractionResponse::Modal(modal))
                .await
        }
        "twice" => {
            command.create_response(http, message("first")).await?;
            command.create_response(http, message("second")).await
        }
        "sleepy" => {
            tokio::time::sleep(Duration::from_millis(400)).await;
            command.create_response(http, message("too late")).await
        }
        "mod" => {
            let options = command.data.options();
            let Some(ResolvedValue::SubCommand(ban)) = options.first().map(|option| &option.value)
            else {
                return command
                    .create_response(http, message("no subcommand"))
                    .await;
            };
            let target = ban.iter().find_map(|option| match option.value {
                ResolvedValue::User(user, member) => Some((user.name.clone(), member.is_some())),
                _ => None,
            });
            let reason = ban.iter().find_map(|option| match option.value {
                ResolvedValue::String(reason) => Some(reason),
                _ => None,
            });
            let (name, is_member) = target.unwrap_or_default();
            let text = format!(
                "would ban {name} (member: {is_member}) for {}",
                reason.unwrap_or("nothing")
            );
            command.create_response(http, message(&text)).await
        }
        "Capture Evidence" => {
            let target = command.data.target_id.map(|id| id.to_message_id());
            let content = target
                .and_then(|id| command.data.resolved.messages.get(&id))
                .map(|message| message.content.clone())
                .unwrap_or_default();
            command
                .create_response(http, message(&format!("captured: {content}")))
                .await
        }
        _ => Ok(()),
    }
}

async fn answer_component(ctx: &Context, component: &ComponentInteraction) -> serenity::Result<()> {
    let update = CreateInteractionResponseMessage::new()
        .content(format!("confirmed by {}", component.user.name))
        .components(vec![]);
    component
        .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
        .await
}

async fn answer_modal(ctx: &Context, modal: &ModalInteraction) -> serenity::Result<()> {
    let reason = modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == "reason" => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    modal
        .create_response(&ctx.http, message(&format!("reason: {reason}")))
        .await
}

/// What the bot's handler reported, in arrival order; events not yet asked for wait in
/// `backlog` (serenity runs handlers concurrently, so order is not guaranteed).
struct Observer {
    receiver: UnboundedReceiver<Seen>,
    backlog: Vec<Seen>,
}

impl Observer {
    /// Waits for an event matching `wanted` (already seen or still to come).
    async fn expect(&mut self, wanted: impl Fn(&Seen) -> bool) -> Seen {
        if let Some(index) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(index);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.receiver.recv()).await {
                Ok(Some(event)) if wanted(&event) => return event,
                Ok(Some(event)) => self.backlog.push(event),
                _ => panic!(
                    "the bot did not see the expected event within {WAIT:?}; it saw {:#?}",
                    self.backlog
                ),
            }
        }
    }
}

/// Builds a serenity client on the double's proxied Http and runs it in the background.
async fn start_client(double: &DiscordDouble, intents: GatewayIntents, shards: u32) -> Observer {
    let (sender, receiver) = unbounded_channel();
    let mut client = ClientBuilder::new_with_http(double.serenity_http(), intents)
        .event_handler(Recorder { seen: sender })
        .await
        .expect("build the serenity client");
    tokio::spawn(async move {
        let _ = client.start_shards(shards).await;
    });
    Observer {
        receiver,
        backlog: Vec::new(),
    }
}

async fn reply(handle: &InteractionHandle) -> Reply {
    handle
        .reply(WAIT)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test]
async fn serenity_client_identifies_gets_guilds_and_receives_events() {
    let double = seeded_double().await;
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MODERATION
        | GatewayIntents::GUILD_MESSAGES;
    let mut seen = start_client(&double, intents, 1).await;

    let identify = double.wait_for_identify(WAIT).await;
    assert!(identify.token.ends_with("test-bot-token"), "{identify:?}");
    assert_eq!(identify.intents, intents.bits());
    assert_eq!((identify.shard_id, identify.shard_total), (0, 1));
    let ready = seen
        .expect(|event| matches!(event, Seen::Ready { .. }))
        .await;
    assert_eq!(
        ready,
        Seen::Ready {
            shard: 0,
            user: BOT,
            guilds: vec![GUILD]
        }
    );
    let created = seen
        .expect(|event| matches!(event, Seen::GuildCreate { .. }))
        .await;
    assert_eq!(
        created,
        Seen::GuildCreate {
            shard: 0,
            guild: GUILD,
            members: 6,
            channels: 1,
            roles: 6
        }
    );
    assert_eq!(double.connected_shards(), vec![[0, 1]]);

    double.add_user(1_001, "newcomer", false);
    double.member_join(GUILD, 1_001);
    seen.expect(|event| {
        *event
            == Seen::MemberAdd {
                shard: 0,
                user: 1_001,
            }
    })
    .await;

    double.moderator_ban(GUILD, MODERATOR, MEMBER, Some("raiding"));
    seen.expect(|event| *event == Seen::MemberRemove { user: MEMBER })
        .await;
    seen.expect(|event| *event == Seen::BanAdd { user: MEMBER })
        .await;
    let entry = seen
        .expect(|event| matches!(event, Seen::AuditEntry { .. }))
        .await;
    assert_eq!(
        entry,
        Seen::AuditEntry {
            action: audit_action::MEMBER_BAN_ADD,
            actor: MODERATOR,
            target: MEMBER,
            reason: Some("raiding".to_string()),
        }
    );
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    double.audit_log_entry(
        GUILD,
        AuditLogEntry::timeout(MODERATOR, 1_001, None, Some(&until)).reason("calm down"),
    );
    seen.expect(|event| {
        matches!(
            event,
            Seen::AuditEntry {
                action: audit_action::MEMBER_UPDATE,
                target: 1_001,
                ..
            }
        )
    })
    .await;

    // Without the MESSAGE_CONTENT intent, guild messages arrive empty unless they mention the bot.
    double.message_create(CHANNEL, 1_001, "secret");
    seen.expect(|event| {
        *event
            == Seen::Message {
                author: 1_001,
                content: String::new(),
            }
    })
    .await;
    let mention = format!("<@{BOT}> help");
    double.message_create(CHANNEL, 1_001, &mention);
    seen.expect(|event| {
        *event
            == Seen::Message {
                author: 1_001,
                content: mention.clone(),
            }
    })
    .await;

    // REST actions by the bot come back as events with the bot as the actor.
    let http = double.serenity_http();
    GuildId::new(GUILD)
        .ban_with_reason(&http, UserId::new(ADMIN), 0, "by bot")
        .await
        .unwrap();
    seen.expect(|event| *event == Seen::BanAdd { user: ADMIN })
        .await;
    seen.expect(|event| {
        matches!(
            event,
            Seen::AuditEntry {
                actor: BOT,
                target: ADMIN,
                ..
            }
        )
    })
    .await;

    // A dropped connection resumes, and events sent meanwhile are replayed.
    double.disconnect_all();
    double.add_user(1_002, "late", false);
    double.member_join(GUILD, 1_002);
    seen.expect(|event| {
        *event
            == Seen::MemberAdd {
                shard: 0,
                user: 1_002,
            }
    })
    .await;
    seen.expect(|event| *event == Seen::Resumed).await;
    assert_eq!(double.resume_count(), 1);
    assert!(double.wait_for_connected_shard([0, 1], WAIT).await);
    double.add_user(1_003, "after", false);
    double.member_join(GUILD, 1_003);
    seen.expect(|event| {
        *event
            == Seen::MemberAdd {
                shard: 0,
                user: 1_003,
            }
    })
    .await;
    assert_eq!(
        double.identifies().len(),
        1,
        "a resume is not a new IDENTIFY"
    );

    // An invalidated session cannot resume: the bot identifies again and gets a fresh READY.
    double.invalidate_sessions();
    let again = double.wait_for_identify(WAIT).await;
    assert_ne!(again.session_id, identify.session_id);
    seen.expect(|event| matches!(event, Seen::Ready { .. }))
        .await;
    assert_eq!(double.resume_count(), 1);
}

async fn register_test_commands(double: &DiscordDouble) {
    let ban = CreateCommandOption::new(CommandOptionType::SubCommand, "ban", "Ban a member")
        .add_sub_option(
            CreateCommandOption::new(CommandOptionType::User, "user", "Who").required(true),
        )
        .add_sub_option(CreateCommandOption::new(
            CommandOptionType::String,
            "reason",
            "Why",
        ));
    let case_id = CreateCommandOption::new(CommandOptionType::String, "id", "Case id")
        .required(true)
        .set_autocomplete(true);
    let commands = vec![
        CreateCommand::new("ping").description("Ping"),
        CreateCommand::new("slow").description("Deferred ephemeral"),
        CreateCommand::new("later").description("Deferred then follow-ups"),
        CreateCommand::new("form").description("Modal"),
        CreateCommand::new("twice").description("Answers twice"),
        CreateCommand::new("sleepy").description("Answers late"),
        CreateCommand::new("case")
            .description("Show a case")
            .add_option(case_id),
        CreateCommand::new("mod")
            .description("Moderation")
            .default_member_permissions(Permissions::BAN_MEMBERS)
            .add_option(ban),
        CreateCommand::new("Capture Evidence").kind(CommandType::Message),
    ];
    Command::set_global_commands(&double.serenity_http(), commands)
        .await
        .unwrap();
}

#[tokio::test]
async fn interactions_round_trip_through_a_serenity_client() {
    let double = seeded_double().await;
    let mut seen = start_client(&double, GatewayIntents::GUILDS, 1).await;
    double.wait_for_identify(WAIT).await;
    seen.expect(|event| matches!(event, Seen::GuildCreate { .. }))
        .await;
    register_test_commands(&double).await;

    let ping = double.invoke_command(GUILD, CHANNEL, MODERATOR, "ping", vec![]);
    let pong = reply(&ping).await;
    assert_eq!(
        (pong.kind, pong.content.as_deref(), pong.ephemeral),
        (4, Some("pong"), false)
    );
    assert_eq!(pong.components.len(), 1);
    assert!(double
        .channel_messages(CHANNEL)
        .iter()
        .any(|message| message["content"] == "pong"));
    let press = ping.press_button("confirm");
    let confirmed = reply(&press).await;
    assert_eq!(
        (confirmed.kind, confirmed.content.as_deref()),
        (7, Some("confirmed by moderator"))
    );
    assert!(confirmed.components.is_empty());
    assert_eq!(confirmed.message_id, pong.message_id);

    let slow = reply(&double.invoke_command(GUILD, CHANNEL, MODERATOR, "slow", vec![])).await;
    assert_eq!(
        (slow.kind, slow.content.as_deref(), slow.ephemeral),
        (5, Some("done slowly"), true)
    );
    assert!(!double
        .channel_messages(CHANNEL)
        .iter()
        .any(|message| message["content"] == "done slowly"));

    let later = double.invoke_command(GUILD, CHANNEL, MODERATOR, "later", vec![]);
    let first = reply(&later).await;
    assert_eq!(
        (first.kind, first.content.as_deref()),
        (5, Some("followed up"))
    );
    let followups = later.wait_for_followups(1, WAIT).await.unwrap();
    assert_eq!(followups[0]["content"], json!("second"));
    assert_eq!(followups[0]["flags"].as_u64().unwrap() & 64, 64);

    let form = double.invoke_command(GUILD, CHANNEL, MODERATOR, "form", vec![]);
    let modal = reply(&form).await;
    assert_eq!(modal.kind, 9);
    assert_eq!(
        modal.modal.as_ref().unwrap()["custom_id"],
        json!("reason-form")
    );
    let submitted = reply(&form.submit_modal(vec![("reason", "spamming links")])).await;
    assert_eq!(submitted.content.as_deref(), Some("reason: spamming links"));

    let typing = double.autocomplete(
        GUILD,
        CHANNEL,
        MODERATOR,
        "case",
        vec![("id", json!("1"))],
        "id",
    );
    let suggestions = reply(&typing).await;
    assert_eq!(suggestions.kind, 8);
    assert_eq!(
        suggestions.choices,
        vec![json!({ "name": "Case 12", "value": "12" })]
    );

    let options = vec![("user", json!(MEMBER)), ("reason", json!("spam"))];
    let ban = reply(&double.invoke_command(GUILD, CHANNEL, MODERATOR, "mod ban", options)).await;
    assert_eq!(
        ban.content.as_deref(),
        Some("would ban member (member: true) for spam")
    );
    let hidden = double.try_invoke_command(
        GUILD,
        CHANNEL,
        MEMBER,
        "mod ban",
        vec![("user", json!(ADMIN))],
    );
    assert!(hidden.unwrap_err().contains("BAN_MEMBERS"));

    let evidence = double.message_create(CHANNEL, MEMBER, "evil link");
    let captured = reply(&double.invoke_message_command(
        GUILD,
        CHANNEL,
        MODERATOR,
        "Capture Evidence",
        evidence,
    ))
    .await;
    assert_eq!(captured.content.as_deref(), Some("captured: evil link"));

    let twice = reply(&double.invoke_command(GUILD, CHANNEL, MODERATOR, "twice", vec![])).await;
    assert_eq!(twice.content.as_deref(), Some("first"));
    seen.expect(|event| *event == Seen::ResponseError(40060))
        .await;

    double.set_interaction_ack_deadline(Some(Duration::from_millis(200)));
    let sleepy = double.invoke_command(GUILD, CHANNEL, MODERATOR, "sleepy", vec![]);
    let error = sleepy.reply(WAIT).await.unwrap_err();
    assert!(error.contains("did not acknowledge"), "{error}");
    seen.expect(|event| *event == Seen::ResponseError(10062))
        .await;
    assert!(
        double.unrouted_requests().is_empty(),
        "{:?}",
        double.unrouted_requests()
    );
}

#[tokio::test]
async fn guild_events_reach_only_the_shard_that_owns_the_guild() {
    // (guild_id >> 22) % 2 picks the shard.
    const EVEN_GUILD: u64 = 2 << 22;
    const ODD_GUILD: u64 = 3 << 22;
    let double = seeded_double().await;
    for guild in [EVEN_GUILD, ODD_GUILD] {
        double.add_guild(guild, MODERATOR, "sharded");
        double.add_member(guild, BOT, &[]);
        double.add_member(guild, MEMBER, &[]);
    }
    let mut seen = start_client(
        &double,
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MEMBERS,
        2,
    )
    .await;

    let first = double.wait_for_identify(WAIT).await;
    let second = double.wait_for_identify(WAIT).await;
    let mut shards = vec![
        (first.shard_id, first.shard_total),
        (second.shard_id, second.shard_total),
    ];
    shards.sort_unstable();
    assert_eq!(shards, vec![(0, 2), (1, 2)]);
    let odd = seen
        .expect(|event| {
            matches!(
                event,
                Seen::GuildCreate {
                    guild: ODD_GUILD,
                    ..
                }
            )
        })
        .await;
    assert!(matches!(odd, Seen::GuildCreate { shard: 1, .. }), "{odd:?}");
    let ready = seen
        .expect(|event| matches!(event, Seen::Ready { shard: 1, .. }))
        .await;
    assert_eq!(
        ready,
        Seen::Ready {
            shard: 1,
            user: BOT,
            guilds: vec![ODD_GUILD]
        }
    );
    assert!(double.wait_for_connected_shard([0, 2], WAIT).await);

    double.add_user(1_010, "joiner", false);
    double.member_join(ODD_GUILD, 1_010);
    seen.expect(|event| {
        *event
            == Seen::MemberAdd {
                shard: 1,
                user: 1_010,
            }
    })
    .await;
    double.member_join(EVEN_GUILD, 1_010);
    seen.expect(|event| {
        *event
            == Seen::MemberAdd {
                shard: 0,
                user: 1_010,
            }
    })
    .await;
}
