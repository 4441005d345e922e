//! The double's REST side exercised through serenity's own `Http` client.

use std::fmt::Debug;
use std::time::Duration;

use serde_json::json;
use serenity::all::{
    ChannelId, Command, CommandType, CreateButton, CreateCommand, CreateEmbed, CreateMessage,
    EditMember, EditMessage, GuildId, MessageId, MessagePagination, RoleId, Timestamp, UserId,
};
use serenity::model::guild::audit_log::{Action, MemberAction};

use super::audit_action;
use super::permissions::{
    ADMINISTRATOR, BAN_MEMBERS, KICK_MEMBERS, MANAGE_GUILD, MANAGE_MESSAGES, MANAGE_NICKNAMES,
    MANAGE_ROLES, MODERATE_MEMBERS, VIEW_AUDIT_LOG,
};
use super::DiscordDouble;

pub const GUILD: u64 = 1_000;
pub const OWNER: u64 = 100;
pub const BOT: u64 = 200;
pub const APPLICATION: u64 = 201;
pub const MODERATOR: u64 = 300;
pub const MEMBER: u64 = 400;
/// Holds ADMINISTRATOR through a role below the bot's.
pub const ADMIN: u64 = 500;
/// Holds a role above the bot's.
pub const SENIOR: u64 = 600;
/// A user who is not in the guild.
pub const OUTSIDER: u64 = 700;
pub const CHANNEL: u64 = 800;
pub const BOT_ROLE: u64 = 900;
pub const MOD_ROLE: u64 = 901;
pub const SENIOR_ROLE: u64 = 902;
pub const ADMIN_ROLE: u64 = 903;
pub const REGULAR_ROLE: u64 = 904;

pub const BOT_PERMISSIONS: u64 = BAN_MEMBERS
    | KICK_MEMBERS
    | MODERATE_MEMBERS
    | MANAGE_ROLES
    | MANAGE_MESSAGES
    | MANAGE_NICKNAMES
    | MANAGE_GUILD
    | VIEW_AUDIT_LOG;

/// A guild where the bot sits at position 5 with moderation permissions.
pub async fn seeded_double() -> DiscordDouble {
    let double = DiscordDouble::start().await;
    double.set_bot(BOT, APPLICATION);
    for (id, name) in [
        (OWNER, "owner"),
        (MODERATOR, "moderator"),
        (MEMBER, "member"),
        (ADMIN, "admin"),
        (SENIOR, "senior"),
        (OUTSIDER, "outsider"),
    ] {
        double.add_user(id, name, false);
    }
    double.add_guild(GUILD, OWNER, "Gavel Test");
    double.add_role(GUILD, BOT_ROLE, "Gavel", 5, BOT_PERMISSIONS);
    double.add_role(
        GUILD,
        MOD_ROLE,
        "Moderator",
        3,
        BAN_MEMBERS | KICK_MEMBERS | MODERATE_MEMBERS,
    );
    double.add_role(GUILD, SENIOR_ROLE, "Senior", 8, 0);
    double.add_role(GUILD, ADMIN_ROLE, "Admin", 2, ADMINISTRATOR);
    double.add_role(GUILD, REGULAR_ROLE, "Regular", 1, 0);
    for (user, roles) in [
        (OWNER, vec![]),
        (BOT, vec![BOT_ROLE]),
        (MODERATOR, vec![MOD_ROLE]),
        (MEMBER, vec![REGULAR_ROLE]),
        (ADMIN, vec![ADMIN_ROLE]),
        (SENIOR, vec![SENIOR_ROLE]),
    ] {
        double.add_member(GUILD, user, &roles);
    }
    double.add_channel(GUILD, CHANNEL, "general");
    double
}

/// Status, Discord error code and message (with form error details) of a failed call.
pub fn discord_error<T: Debug>(result: serenity::Result<T>) -> (u16, isize, String) {
    match result {
        Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response))) => {
            let details: Vec<String> = response
                .error
                .errors
                .iter()
                .map(|error| format!("{}: {}", error.path, error.message))
                .collect();
            (
                response.status_code.as_u16(),
                response.error.code,
                format!("{} {}", response.error.message, details.join("; ")),
            )
        }
        other => panic!("expected a Discord error response, got {other:?}"),
    }
}

fn guild() -> GuildId {
    GuildId::new(GUILD)
}

impl DiscordDouble {
    /// A serenity `Http` talking to this double, rate limiter off, application id preset if
    /// the bot is seeded.
    pub(crate) fn serenity_http(&self) -> serenity::http::Http {
        let mut builder = serenity::http::HttpBuilder::new("test-bot-token")
            .proxy(self.base_url())
            .ratelimiter_disabled(true);
        if let Some(bot) = self.read(|state| state.bot) {
            builder =
                builder.application_id(serenity::model::id::ApplicationId::new(bot.application_id));
        }
        builder.build()
    }
}

#[tokio::test]
async fn serenity_reads_users_application_guild_roles_members_and_channels() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    let me = http.get_current_user().await.unwrap();
    assert_eq!(me.id.get(), BOT);
    assert!(me.bot);
    let application = http.get_current_application_info().await.unwrap();
    assert_eq!(application.id.get(), APPLICATION);
    assert_eq!(application.owner.unwrap().id.get(), APPLICATION);
    let gateway = http.get_bot_gateway().await.unwrap();
    assert_eq!(gateway.url, double.gateway_url());
    assert_eq!(gateway.shards, 1);

    let partial = http.get_guild(guild()).await.unwrap();
    assert_eq!(partial.name, "Gavel Test");
    assert_eq!(partial.owner_id.get(), OWNER);
    assert_eq!(partial.roles.len(), 6);
    let roles = http.get_guild_roles(guild()).await.unwrap();
    let senior = roles
        .iter()
        .find(|role| role.id.get() == SENIOR_ROLE)
        .unwrap();
    assert_eq!(senior.position, 8);
    let everyone = roles.iter().find(|role| role.id.get() == GUILD).unwrap();
    assert!(everyone.permissions.send_messages());

    let member = http.get_member(guild(), UserId::new(MEMBER)).await.unwrap();
    assert_eq!(member.roles, vec![RoleId::new(REGULAR_ROLE)]);
    assert_eq!(member.user.name, "member");
    let channels = http.get_channels(guild()).await.unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].name, "general");
    assert_eq!(
        http.get_user(UserId::new(OUTSIDER)).await.unwrap().name,
        "outsider"
    );

    let (status, code, _) = discord_error(http.get_member(guild(), UserId::new(OUTSIDER)).await);
    assert_eq!((status, code), (404, 10007));
    let (status, code, _) = discord_error(http.get_guild(GuildId::new(4242)).await);
    assert_eq!((status, code), (404, 10004));
    assert!(double.unrouted_requests().is_empty());
}

#[tokio::test]
async fn bans_follow_permissions_hierarchy_and_limits() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    guild()
        .ban_with_reason(&http, UserId::new(MEMBER), 1, "spam & scam 🦀")
        .await
        .unwrap();
    assert!(double.is_banned(GUILD, MEMBER));
    assert_eq!(
        double.ban_reason(GUILD, MEMBER).as_deref(),
        Some("spam & scam 🦀")
    );
    assert_eq!(double.member(GUILD, MEMBER), None);
    let request = double.requests_matching("PUT", "/bans/").pop().unwrap();
    assert_eq!(
        request.path,
        format!("/api/v10/guilds/{GUILD}/bans/{MEMBER}")
    );
    assert_eq!(
        request.query,
        vec![("delete_message_seconds".to_string(), "86400".to_string())]
    );
    assert_eq!(request.audit_reason.as_deref(), Some("spam & scam 🦀"));
    assert_eq!(request.body, None);
    let entry = double.audit_log(GUILD).pop().unwrap();
    assert_eq!(entry["action_type"], json!(audit_action::MEMBER_BAN_ADD));
    assert_eq!(entry["user_id"], json!(BOT.to_string()));

    let ban = http
        .get_ban(guild(), UserId::new(MEMBER))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ban.reason.as_deref(), Some("spam & scam 🦀"));
    assert_eq!(http.get_bans(guild(), None, None).await.unwrap().len(), 1);

    for (target, code) in [(SENIOR, 50013), (OWNER, 50013), (4242, 10013)] {
        let (_, actual, _) = discord_error(guild().ban(&http, UserId::new(target), 0).await);
        assert_eq!(actual, code, "banning {target}");
    }
    let (status, code, message) = discord_error(
        http.ban_user(guild(), UserId::new(MODERATOR), 8, None)
            .await,
    );
    assert_eq!((status, code), (400, 50035));
    assert!(message.contains("delete_message_seconds"), "{message}");
    guild().ban(&http, UserId::new(ADMIN), 0).await.unwrap();
    guild().ban(&http, UserId::new(OUTSIDER), 0).await.unwrap();
    assert!(double.is_banned(GUILD, OUTSIDER));

    guild().unban(&http, UserId::new(MEMBER)).await.unwrap();
    assert!(!double.is_banned(GUILD, MEMBER));
    let (status, code, _) = discord_error(guild().unban(&http, UserId::new(MEMBER)).await);
    assert_eq!((status, code), (404, 10026));

    let bulk = json!({ "user_ids": [MODERATOR.to_string(), SENIOR.to_string()], "delete_message_seconds": 0 });
    let result = http
        .bulk_ban_users(guild(), &bulk, Some("raid"))
        .await
        .unwrap();
    assert_eq!(result.banned_users, vec![UserId::new(MODERATOR)]);
    assert_eq!(result.failed_users, vec![UserId::new(SENIOR)]);
    assert_eq!(double.ban_reason(GUILD, MODERATOR).as_deref(), Some("raid"));

    double.set_role_permissions(GUILD, BOT_ROLE, KICK_MEMBERS);
    let (status, code, _) = discord_error(guild().ban(&http, UserId::new(MEMBER), 0).await);
    assert_eq!((status, code), (403, 50013));
}

#[tokio::test]
async fn kicks_and_timeouts_follow_discord_rules() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    guild()
        .kick_with_reason(&http, UserId::new(MEMBER), "bye")
        .await
        .unwrap();
    assert_eq!(double.member(GUILD, MEMBER), None);
    let request = double
        .requests_matching("DELETE", "/members/")
        .pop()
        .unwrap();
    assert_eq!(request.audit_reason.as_deref(), Some("bye"));
    assert_eq!(
        double.audit_log(GUILD).pop().unwrap()["action_type"],
        json!(audit_action::MEMBER_KICK)
    );
    let (status, code, _) = discord_error(guild().kick(&http, UserId::new(MEMBER)).await);
    assert_eq!((status, code), (404, 10007));
    for target in [SENIOR, OWNER] {
        let (status, code, _) = discord_error(guild().kick(&http, UserId::new(target)).await);
        assert_eq!((status, code), (403, 50013), "kicking {target}");
    }

    let in_an_hour = Timestamp::from_unix_timestamp(chrono::Utc::now().timestamp() + 3600).unwrap();
    let timeout = EditMember::new()
        .disable_communication_until_datetime(in_an_hour)
        .audit_log_reason("cool off");
    let member = guild()
        .edit_member(&http, UserId::new(MODERATOR), timeout)
        .await
        .unwrap();
    assert_eq!(member.communication_disabled_until, Some(in_an_hour));
    let stored = double.member(GUILD, MODERATOR).unwrap();
    assert!(stored.communication_disabled_until.is_some());
    let request = double
        .requests_matching("PATCH", "/members/")
        .pop()
        .unwrap();
    assert_eq!(
        request.body.unwrap()["communication_disabled_until"],
        json!(in_an_hour.to_string())
    );
    assert_eq!(
        double.audit_log(GUILD).pop().unwrap()["reason"],
        json!("cool off")
    );

    let in_29_days =
        Timestamp::from_unix_timestamp(chrono::Utc::now().timestamp() + 29 * 86_400).unwrap();
    let too_long = EditMember::new().disable_communication_until_datetime(in_29_days);
    let (status, code, message) = discord_error(
        guild()
            .edit_member(&http, UserId::new(MODERATOR), too_long)
            .await,
    );
    assert_eq!((status, code), (400, 50035));
    assert!(message.contains("28 days"), "{message}");
    let admin_timeout = EditMember::new().disable_communication_until_datetime(in_an_hour);
    let (status, code, _) = discord_error(
        guild()
            .edit_member(&http, UserId::new(ADMIN), admin_timeout)
            .await,
    );
    assert_eq!((status, code), (403, 50013));

    let lifted = guild()
        .edit_member(
            &http,
            UserId::new(MODERATOR),
            EditMember::new().enable_communication(),
        )
        .await
        .unwrap();
    assert_eq!(lifted.communication_disabled_until, None);
    assert_eq!(
        double
            .member(GUILD, MODERATOR)
            .unwrap()
            .communication_disabled_until,
        None
    );
}

#[tokio::test]
async fn role_changes_respect_manage_roles_and_positions() {
    let double = seeded_double().await;
    let http = double.serenity_http();
    let moderator = UserId::new(MODERATOR);

    http.add_member_role(
        guild(),
        moderator,
        RoleId::new(REGULAR_ROLE),
        Some("trusted"),
    )
    .await
    .unwrap();
    assert_eq!(
        double.member(GUILD, MODERATOR).unwrap().roles,
        vec![MOD_ROLE, REGULAR_ROLE]
    );
    http.remove_member_role(guild(), moderator, RoleId::new(REGULAR_ROLE), None)
        .await
        .unwrap();
    assert_eq!(
        double.member(GUILD, MODERATOR).unwrap().roles,
        vec![MOD_ROLE]
    );

    for role in [SENIOR_ROLE, BOT_ROLE] {
        let result = http
            .add_member_role(guild(), moderator, RoleId::new(role), None)
            .await;
        assert_eq!(
            discord_error(result).1,
            50013,
            "role {role} is not below the bot's"
        );
    }
    let result = http
        .add_member_role(guild(), moderator, RoleId::new(4242), None)
        .await;
    assert_eq!(discord_error(result).1, 10011);
    let result = http
        .add_member_role(
            guild(),
            UserId::new(OUTSIDER),
            RoleId::new(REGULAR_ROLE),
            None,
        )
        .await;
    assert_eq!(discord_error(result).1, 10007);

    double.set_role_permissions(GUILD, BOT_ROLE, BAN_MEMBERS);
    let result = http
        .add_member_role(guild(), moderator, RoleId::new(REGULAR_ROLE), None)
        .await;
    assert_eq!(
        discord_error(result),
        (403, 50013, "Missing Permissions ".to_string())
    );
}

#[tokio::test]
async fn dms_and_channel_messages_are_stored_and_validated() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    let dm = UserId::new(MEMBER).create_dm_channel(&http).await.unwrap();
    dm.say(&http, "You were warned: spam").await.unwrap();
    assert_eq!(
        UserId::new(MEMBER)
            .create_dm_channel(&http)
            .await
            .unwrap()
            .id,
        dm.id
    );
    assert_eq!(
        double.dms_to(MEMBER)[0]["content"],
        json!("You were warned: spam")
    );
    double.set_dms_open(MODERATOR, false);
    let closed = UserId::new(MODERATOR)
        .create_dm_channel(&http)
        .await
        .unwrap();
    let (status, code, _) = discord_error(closed.say(&http, "hello").await);
    assert_eq!((status, code), (403, 50007));
    assert!(double.dms_to(MODERATOR).is_empty());

    let channel = ChannelId::new(CHANNEL);
    let case = CreateMessage::new()
        .content("Case #1")
        .embed(
            CreateEmbed::new()
                .title("Ban")
                .field("Reason", "spam", false),
        )
        .button(CreateButton::new("case-1-appeal").label("Appeal"));
    let sent = channel.send_message(&http, case).await.unwrap();
    assert_eq!(sent.author.id.get(), BOT);
    assert_eq!(sent.embeds[0].title.as_deref(), Some("Ban"));
    assert_eq!(sent.components[0].components.len(), 1);
    let fetched = channel.message(&http, sent.id).await.unwrap();
    assert_eq!(fetched.content, "Case #1");

    let user_message = double.message_create(CHANNEL, MEMBER, "buy nitro here");
    let reply = channel
        .send_message(
            &http,
            CreateMessage::new()
                .content("removed")
                .reference_message((channel, MessageId::new(user_message))),
        )
        .await
        .unwrap();
    assert_eq!(reply.referenced_message.unwrap().content, "buy nitro here");
    let older = http
        .get_messages(channel, Some(MessagePagination::Before(reply.id)), Some(10))
        .await
        .unwrap();
    assert_eq!(older.len(), 2);
    assert!(older[0].id > older[1].id, "newest first");

    let edited = channel
        .edit_message(
            &http,
            sent.id,
            EditMessage::new().content("Case #1 (closed)"),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "Case #1 (closed)");
    assert!(edited.edited_timestamp.is_some());
    channel
        .delete_message(&http, MessageId::new(user_message))
        .await
        .unwrap();
    assert_eq!(double.channel_messages(CHANNEL).len(), 2);

    let (status, code, _) = discord_error(http.send_message(channel, vec![], &json!({})).await);
    assert_eq!((status, code), (400, 50006));
    let too_long = json!({ "content": "x".repeat(2001) });
    let (status, code, message) =
        discord_error(http.send_message(channel, vec![], &too_long).await);
    assert_eq!((status, code), (400, 50035));
    assert!(message.contains("content"), "{message}");
    let (status, code, _) = discord_error(ChannelId::new(4242).say(&http, "hi").await);
    assert_eq!((status, code), (404, 10003));
}

#[tokio::test]
async fn failures_can_be_injected_and_unknown_routes_are_recorded() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    double.fail_next("PUT", "/bans/", 500, 0, "Internal Server Error");
    let (status, _, message) = discord_error(guild().ban(&http, UserId::new(MEMBER), 0).await);
    assert_eq!(status, 500);
    assert!(message.contains("Internal Server Error"));
    assert!(!double.is_banned(GUILD, MEMBER));
    guild().ban(&http, UserId::new(MEMBER), 0).await.unwrap();
    assert_eq!(double.requests_matching("PUT", "/bans/").len(), 2);

    double.fail_always(
        "GET",
        "/members/",
        503,
        130000,
        "API resource is currently overloaded.",
    );
    for _ in 0..2 {
        let (status, code, _) = discord_error(http.get_member(guild(), UserId::new(ADMIN)).await);
        assert_eq!((status, code), (503, 130000));
    }
    double.clear_failures();
    http.get_member(guild(), UserId::new(ADMIN)).await.unwrap();

    double.clear_requests();
    double.set_response_delay("GET", "/members/", Duration::from_millis(300));
    let started = std::time::Instant::now();
    let slow_http = double.serenity_http();
    let slow = tokio::spawn(async move {
        slow_http
            .get_member(GuildId::new(GUILD), UserId::new(ADMIN))
            .await
    });
    let seen = double
        .wait_for_request("GET", "/members/", Duration::from_secs(5))
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "recorded before the delay"
    );
    assert_eq!(
        seen.path,
        format!("/api/v10/guilds/{GUILD}/members/{ADMIN}")
    );
    slow.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    double.clear_response_delays();

    let (status, _, _) = discord_error(http.get_guild_webhooks(guild()).await);
    assert_eq!(status, 404);
    let unrouted = double.unrouted_requests();
    assert_eq!(unrouted.len(), 1);
    assert_eq!(
        unrouted[0].path,
        format!("/api/v10/guilds/{GUILD}/webhooks")
    );
    double.clear_requests();
    assert!(double.requests().is_empty());
    assert!(double.unrouted_requests().is_empty());
}

#[tokio::test]
async fn commands_are_registered_with_stable_ids_and_validated() {
    let double = seeded_double().await;
    let http = double.serenity_http();
    let commands = || {
        vec![
            CreateCommand::new("ping").description("Ping the bot"),
            CreateCommand::new("Capture Evidence").kind(CommandType::Message),
        ]
    };

    let first = Command::set_global_commands(&http, commands())
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].application_id.get(), APPLICATION);
    let again = Command::set_global_commands(&http, commands())
        .await
        .unwrap();
    assert_eq!(first[0].id, again[0].id);
    assert_eq!(http.get_global_commands().await.unwrap().len(), 2);

    let in_guild = guild()
        .set_commands(
            &http,
            vec![CreateCommand::new("case").description("Show a case")],
        )
        .await
        .unwrap();
    assert_eq!(in_guild[0].guild_id, Some(guild()));
    assert_eq!(double.registered_commands(Some(GUILD)).len(), 1);

    let invalid =
        Command::set_global_commands(&http, vec![CreateCommand::new("Bad Name").description("x")])
            .await;
    let (status, code, message) = discord_error(invalid);
    assert_eq!((status, code), (400, 50035));
    assert!(message.contains("0.name"), "{message}");
    assert_eq!(double.registered_commands(None).len(), 2);
}

#[tokio::test]
async fn audit_logs_member_lists_channels_and_bulk_deletes_are_served() {
    let double = seeded_double().await;
    let http = double.serenity_http();

    double.moderator_kick(GUILD, MODERATOR, SENIOR, Some("manual"));
    guild()
        .ban_with_reason(&http, UserId::new(MEMBER), 0, "by the bot")
        .await
        .unwrap();
    let bans = Action::Member(MemberAction::BanAdd);
    let logs = http
        .get_audit_logs(guild(), Some(bans), None, None, None)
        .await
        .unwrap();
    assert_eq!(logs.entries.len(), 1);
    assert_eq!(logs.entries[0].user_id.get(), BOT);
    assert_eq!(logs.entries[0].reason.as_deref(), Some("by the bot"));
    assert!(logs.users.contains_key(&UserId::new(MEMBER)));
    let by_moderator = http
        .get_audit_logs(guild(), None, Some(UserId::new(MODERATOR)), None, None)
        .await
        .unwrap();
    assert_eq!(by_moderator.entries.len(), 1);
    assert_eq!(
        by_moderator.entries[0].action.num(),
        audit_action::MEMBER_KICK
    );

    let first_two = http
        .get_guild_members(guild(), Some(2), None)
        .await
        .unwrap();
    let ids: Vec<u64> = first_two
        .iter()
        .map(|member| member.user.id.get())
        .collect();
    assert_eq!(ids, vec![OWNER, BOT]);
    let channel = ChannelId::new(CHANNEL).to_channel(&http).await.unwrap();
    assert_eq!(channel.guild().unwrap().name, "general");

    let spam: Vec<MessageId> = (0..3)
        .map(|index| {
            MessageId::new(double.message_create(CHANNEL, MODERATOR, &format!("spam {index}")))
        })
        .collect();
    ChannelId::new(CHANNEL)
        .delete_messages(&http, &spam)
        .await
        .unwrap();
    assert!(double.channel_messages(CHANNEL).is_empty());
    let request = double
        .requests_matching("POST", "/bulk-delete")
        .pop()
        .unwrap();
    assert_eq!(
        request.body.unwrap()["messages"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn channel_overwrites_threads_and_deleted_channels_decide_what_the_bot_sees() {
    use super::OverwriteTarget;
    use crate::permissions::{MANAGE_THREADS, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL};
    use serenity::all::{ChannelType, PermissionOverwriteType};
    const STAFF: u64 = 810;
    const THREAD: u64 = 811;
    const PRIVATE_THREAD: u64 = 812;
    let double = seeded_double().await;
    let http = double.serenity_http();
    double.add_channel(GUILD, STAFF, "staff");
    let secret = double.message_create(STAFF, MODERATOR, "staff only");
    double.set_permission_overwrite(STAFF, OverwriteTarget::Role(GUILD), 0, VIEW_CHANNEL);
    double.set_permission_overwrite(
        STAFF,
        OverwriteTarget::Role(MOD_ROLE),
        VIEW_CHANNEL | READ_MESSAGE_HISTORY,
        0,
    );

    // Hidden from the bot: every channel route answers Missing Access.
    let staff = ChannelId::new(STAFF);
    for result in [
        discord_error(staff.to_channel(&http).await),
        discord_error(staff.message(&http, MessageId::new(secret)).await),
        discord_error(staff.say(&http, "hello").await),
    ] {
        assert_eq!((result.0, result.1), (403, 50001), "{result:?}");
    }

    // A member overwrite for the bot lets it read but not write.
    double.set_permission_overwrite(
        STAFF,
        OverwriteTarget::Member(BOT),
        VIEW_CHANNEL | READ_MESSAGE_HISTORY,
        SEND_MESSAGES,
    );
    let channel = staff.to_channel(&http).await.unwrap().guild().unwrap();
    assert_eq!(channel.guild_id.get(), GUILD);
    let kinds: Vec<_> = channel
        .permission_overwrites
        .iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            PermissionOverwriteType::Role(RoleId::new(GUILD)),
            PermissionOverwriteType::Role(RoleId::new(MOD_ROLE)),
            PermissionOverwriteType::Member(UserId::new(BOT)),
        ]
    );
    assert_eq!(
        staff
            .message(&http, MessageId::new(secret))
            .await
            .unwrap()
            .content,
        "staff only"
    );
    let (status, code, _) = discord_error(staff.say(&http, "hello").await);
    assert_eq!((status, code), (403, 50013));

    // Threads follow their parent; private ones also need membership or Manage Threads.
    double.add_thread(STAFF, THREAD, "appeal", MODERATOR);
    double.add_private_thread(STAFF, PRIVATE_THREAD, "evidence", MODERATOR, &[]);
    let thread = ChannelId::new(THREAD)
        .to_channel(&http)
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id, Some(staff));
    let (status, code, _) = discord_error(ChannelId::new(PRIVATE_THREAD).to_channel(&http).await);
    assert_eq!((status, code), (403, 50001));
    double.set_role_permissions(GUILD, BOT_ROLE, BOT_PERMISSIONS | MANAGE_THREADS);
    let private = ChannelId::new(PRIVATE_THREAD)
        .to_channel(&http)
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(private.kind, ChannelType::PrivateThread);

    // A deleted channel and its threads are unknown.
    double.delete_channel(STAFF);
    for id in [STAFF, THREAD] {
        let (status, code, _) = discord_error(ChannelId::new(id).to_channel(&http).await);
        assert_eq!((status, code), (404, 10003));
    }
    assert!(http.get_channels(guild()).await.unwrap().len() == 1);
    crate::openapi::assert_requests_match_spec(&double.requests());
}

/// Bulk ban as Discord has it: Ban Members and Manage Server, 1 to 200 users, the bot left out
/// of both lists, the already banned and those above the bot in `failed_users`, and 400 with
/// code 500000 when nobody could be banned.
#[tokio::test]
async fn bulk_ban_follows_discords_shape_and_limits() {
    let double = seeded_double().await;
    let http = double.serenity_http();
    let ids =
        |users: &[u64]| json!({ "user_ids": users.iter().map(u64::to_string).collect::<Vec<_>>() });

    let too_many: Vec<u64> = (0..201).map(|i| 10_000 + i).collect();
    let (status, code, message) =
        discord_error(http.bulk_ban_users(guild(), &ids(&too_many), None).await);
    assert_eq!((status, code), (400, 50035), "{message}");
    assert!(message.contains("user_ids"), "{message}");
    let (status, code, _) = discord_error(http.bulk_ban_users(guild(), &ids(&[]), None).await);
    assert_eq!((status, code), (400, 50035));

    let result = http
        .bulk_ban_users(guild(), &ids(&[BOT, MEMBER, SENIOR]), Some("raid"))
        .await
        .unwrap();
    assert_eq!(result.banned_users, vec![UserId::new(MEMBER)]);
    assert_eq!(
        result.failed_users,
        vec![UserId::new(SENIOR)],
        "the bot is in neither list; Senior outranks it"
    );

    // Everyone already banned or above the bot: an error, not an empty success.
    let (status, code, message) = discord_error(
        http.bulk_ban_users(guild(), &ids(&[MEMBER, SENIOR]), None)
            .await,
    );
    assert_eq!((status, code), (400, 500_000), "{message}");

    // Ban Members alone is not enough.
    double.set_role_permissions(GUILD, BOT_ROLE, BOT_PERMISSIONS & !MANAGE_GUILD);
    let (status, code, _) =
        discord_error(http.bulk_ban_users(guild(), &ids(&[OUTSIDER]), None).await);
    assert_eq!((status, code), (403, 50013));
    assert!(!double.is_banned(GUILD, OUTSIDER));
}

#[tokio::test]
async fn bulk_delete_takes_2_to_100_distinct_messages_under_14_days_and_manage_messages() {
    use super::permissions::MANAGE_MESSAGES;
    let double = seeded_double().await;
    let http = double.serenity_http();
    let channel = ChannelId::new(CHANNEL);
    let bulk = |ids: &[u64]| {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        json!({ "messages": ids })
    };
    let young: Vec<u64> = (0..3)
        .map(|i| double.message_create(CHANNEL, MEMBER, &format!("spam {i}")))
        .collect();
    let old = double.message_create_at(
        CHANNEL,
        MEMBER,
        "old",
        Some(chrono::Utc::now() - chrono::Duration::days(15)),
    );
    assert!(old < young[0], "an old message's snowflake is older");

    // Without Manage Messages: refused, nothing deleted.
    double.set_role_permissions(GUILD, BOT_ROLE, BOT_PERMISSIONS & !MANAGE_MESSAGES);
    let (status, code, _) = discord_error(http.delete_messages(channel, &bulk(&young), None).await);
    assert_eq!((status, code), (403, 50013));
    double.set_role_permissions(GUILD, BOT_ROLE, BOT_PERMISSIONS | MANAGE_MESSAGES);

    for ids in [vec![young[0]], vec![young[0], young[0]]] {
        let (status, code, _) =
            discord_error(http.delete_messages(channel, &bulk(&ids), None).await);
        assert_eq!((status, code), (400, 50035), "{ids:?}");
    }
    let too_many: Vec<u64> = (1..=101).collect();
    let (status, code, _) =
        discord_error(http.delete_messages(channel, &bulk(&too_many), None).await);
    assert_eq!((status, code), (400, 50035));
    let (status, code, message) = discord_error(
        http.delete_messages(channel, &bulk(&[young[0], old]), None)
            .await,
    );
    assert_eq!((status, code), (400, 50034), "{message}");
    assert_eq!(double.channel_messages(CHANNEL).len(), 4, "nothing deleted");

    http.delete_messages(channel, &bulk(&young), Some("[#1] purge"))
        .await
        .unwrap();
    // An old message goes one by one.
    http.delete_message(channel, MessageId::new(old), Some("[#1] purge"))
        .await
        .unwrap();
    assert!(double.channel_messages(CHANNEL).is_empty());
    let request = double
        .requests_matching("POST", "/bulk-delete")
        .pop()
        .unwrap();
    assert_eq!(request.audit_reason.as_deref(), Some("[#1] purge"));
}
