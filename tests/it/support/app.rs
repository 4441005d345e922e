//! `spawn_app`: a fresh database, a Discord double seeded with a small guild, and Gavel's
//! services wired to both by `startup::App`, as `gavel run` wires them, through the real
//! serenity HTTP client.

use super::db::{fresh_database, TestDb};
use discord_double::{openapi, DiscordDouble, RecordedRequest};
use gavel::config::{Config, LogFormat};
use gavel::ports::discord::permissions;
use gavel::services::Services;
use gavel::startup::{App, Needs};

pub const GUILD: u64 = 900_000_000_000_000_001;
pub const OWNER: u64 = 100_000_000_000_000_001;
pub const BOT: u64 = 100_000_000_000_000_002;
pub const APPLICATION: u64 = 100_000_000_000_000_003;
pub const ADMIN: u64 = 100_000_000_000_000_010;
pub const MODERATOR: u64 = 100_000_000_000_000_011;
pub const SENIOR_MOD: u64 = 100_000_000_000_000_012;
pub const MEMBER: u64 = 100_000_000_000_000_020;
pub const OTHER_MEMBER: u64 = 100_000_000_000_000_021;
/// A member whose top role sits above Gavel's.
pub const VIP: u64 = 100_000_000_000_000_022;
/// A user who is not in the guild.
pub const STRANGER: u64 = 100_000_000_000_000_030;

pub const ROLE_VIP: u64 = 200_000_000_000_000_001;
pub const ROLE_BOT: u64 = 200_000_000_000_000_002;
pub const ROLE_ADMIN: u64 = 200_000_000_000_000_003;
pub const ROLE_SENIOR_MOD: u64 = 200_000_000_000_000_004;
pub const ROLE_MOD: u64 = 200_000_000_000_000_005;
pub const ROLE_MUTED_TEXT: u64 = 200_000_000_000_000_006;
pub const ROLE_MUTED_VOICE: u64 = 200_000_000_000_000_007;
pub const ROLE_MUTED_ALL: u64 = 200_000_000_000_000_008;
pub const ROLE_ABOVE_BOT: u64 = 200_000_000_000_000_009;

pub const LOG_CHANNEL: u64 = 300_000_000_000_000_001;
pub const GENERAL: u64 = 300_000_000_000_000_002;
/// Hidden from @everyone; the admin role and Gavel see it (see [`add_staff_channel`]).
pub const STAFF_CHANNEL: u64 = 300_000_000_000_000_003;

/// Another server Gavel is also in, owned by someone else (see [`seed_other_guild`]).
pub const OTHER_GUILD: u64 = 900_000_000_000_000_002;
pub const OTHER_OWNER: u64 = 100_000_000_000_000_040;
pub const OTHER_CHANNEL: u64 = 300_000_000_000_000_101;

pub const MOD_PERMISSIONS: u64 =
    permissions::KICK_MEMBERS | permissions::BAN_MEMBERS | permissions::MODERATE_MEMBERS;
pub const BOT_PERMISSIONS: u64 = MOD_PERMISSIONS | permissions::MANAGE_ROLES;

pub struct TestApp {
    pub db: TestDb,
    pub discord: DiscordDouble,
    pub services: Services,
    /// What the bot started by `start_bot` uses; `None`: evidence off.
    pub evidence: Option<gavel::config::EvidenceConfig>,
}

/// Role positions, top down: VIP 12 · above-bot 11 · Gavel 10 · admin 9 · senior mod 6 · mod 5 ·
/// mute roles 2 · @everyone 0.
pub async fn seed_guild(discord: &DiscordDouble) {
    discord.set_bot(BOT, APPLICATION);
    for (id, name, bot) in [
        (OWNER, "owner", false),
        (BOT, "Gavel", true),
        (ADMIN, "admin", false),
        (MODERATOR, "moderator", false),
        (SENIOR_MOD, "senior", false),
        (MEMBER, "member", false),
        (OTHER_MEMBER, "other", false),
        (VIP, "vip", false),
        (STRANGER, "stranger", false),
    ] {
        discord.add_user(id, name, bot);
    }
    discord.add_guild(GUILD, OWNER, "Test Guild");
    for (id, name, position, perms) in [
        (ROLE_VIP, "VIP", 12, 0),
        (ROLE_ABOVE_BOT, "Above Gavel", 11, 0),
        (ROLE_BOT, "Gavel", 10, BOT_PERMISSIONS),
        (ROLE_ADMIN, "Admin", 9, permissions::ADMINISTRATOR),
        (ROLE_SENIOR_MOD, "Senior Mod", 6, MOD_PERMISSIONS),
        (ROLE_MOD, "Mod", 5, MOD_PERMISSIONS),
        (ROLE_MUTED_TEXT, "Muted", 2, 0),
        (ROLE_MUTED_VOICE, "Voice Muted", 2, 0),
        (ROLE_MUTED_ALL, "Silenced", 2, 0),
    ] {
        discord.add_role(GUILD, id, name, position, perms);
    }
    discord.add_member(GUILD, OWNER, &[]);
    discord.add_member(GUILD, BOT, &[ROLE_BOT]);
    discord.add_member(GUILD, ADMIN, &[ROLE_ADMIN]);
    discord.add_member(GUILD, MODERATOR, &[ROLE_MOD]);
    discord.add_member(GUILD, SENIOR_MOD, &[ROLE_SENIOR_MOD]);
    discord.add_member(GUILD, MEMBER, &[]);
    discord.add_member(GUILD, OTHER_MEMBER, &[]);
    discord.add_member(GUILD, VIP, &[ROLE_VIP]);
    discord.add_channel(GUILD, LOG_CHANNEL, "mod-log");
    discord.add_channel(GUILD, GENERAL, "general");
}

/// Another server with Gavel in it and a channel of its own whose messages Gavel can read;
/// none of our server's moderators are members.
pub fn seed_other_guild(discord: &DiscordDouble) {
    discord.add_user(OTHER_OWNER, "other-owner", false);
    discord.add_guild(OTHER_GUILD, OTHER_OWNER, "Someone Else's Server");
    discord.add_role(OTHER_GUILD, ROLE_OTHER_BOT, "Gavel", 1, BOT_PERMISSIONS);
    discord.add_member(OTHER_GUILD, OTHER_OWNER, &[]);
    discord.add_member(OTHER_GUILD, BOT, &[ROLE_OTHER_BOT]);
    discord.add_channel(OTHER_GUILD, OTHER_CHANNEL, "private-talk");
}

const ROLE_OTHER_BOT: u64 = 200_000_000_000_000_101;

/// A staff channel in our server: @everyone cannot see it, the admin role and Gavel's can.
pub fn add_staff_channel(discord: &DiscordDouble) {
    use discord_double::OverwriteTarget;
    const VIEW_AND_READ: u64 = permissions::VIEW_CHANNEL | permissions::READ_MESSAGE_HISTORY;
    discord.add_channel(GUILD, STAFF_CHANNEL, "staff");
    discord.set_permission_overwrite(
        STAFF_CHANNEL,
        OverwriteTarget::Role(GUILD),
        0,
        permissions::VIEW_CHANNEL,
    );
    for role in [ROLE_ADMIN, ROLE_BOT] {
        discord.set_permission_overwrite(
            STAFF_CHANNEL,
            OverwriteTarget::Role(role),
            VIEW_AND_READ,
            0,
        );
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(None).await
}

/// Like [`spawn_app`], with evidence set up from `config` (services and the bot).
pub async fn spawn_app_with_evidence(config: gavel::config::EvidenceConfig) -> TestApp {
    spawn_app_with(Some(config)).await
}

async fn spawn_app_with(evidence: Option<gavel::config::EvidenceConfig>) -> TestApp {
    let db = fresh_database().await;
    let discord = DiscordDouble::start().await;
    seed_guild(&discord).await;
    let config = test_config(&db.url, &discord.base_url(), evidence.clone());
    let app = App::build(&config, Needs::BOT)
        .await
        .expect("the app builds against the test database and the double");
    TestApp {
        db,
        discord,
        services: app.services().clone(),
        evidence,
    }
}

/// The configuration `gavel run` would read, pointing at a test database and a Discord double.
pub fn test_config(
    database_url: &str,
    discord_api_base: &str,
    evidence: Option<gavel::config::EvidenceConfig>,
) -> Config {
    Config {
        database_url: database_url.to_string().into(),
        database_owner_url: None,
        database_max_connections: 12,
        discord_token: Some("test-token".into()),
        discord_api_base: Some(discord_api_base.to_string()),
        discord_guild_id: Some(GUILD),
        discord_request_timeout: gavel::config::DEFAULT_DISCORD_REQUEST_TIMEOUT,
        log_level: "warn".into(),
        log_format: LogFormat::Pretty,
        evidence: evidence.unwrap_or_else(|| {
            gavel::config::EvidenceConfig::local(std::env::temp_dir().join("gavel-no-evidence"))
        }),
        jobs: gavel::config::JobsConfig::default(),
    }
}

impl TestApp {
    /// Requests that change something in Discord (everything but GETs).
    pub fn mutating_requests(&self) -> Vec<RecordedRequest> {
        self.discord
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    pub async fn configure(&self, key: &str, value: &str) {
        self.services
            .settings
            .set(GUILD, ADMIN, key, value)
            .await
            .unwrap_or_else(|e| panic!("config {key}={value}: {e}"));
    }

    pub async fn case_row(&self, number: i32) -> gavel::store::cases::Case {
        self.services
            .cases
            .get(GUILD, number)
            .await
            .expect("case exists")
    }

    pub async fn events(&self) -> Vec<gavel::store::event_log::ModEvent> {
        let mut events = self.services.events.recent(GUILD, 1000).await.unwrap();
        events.reverse();
        events
    }

    pub fn check_requests_against_spec(&self) {
        openapi::assert_requests_match_spec(&self.discord.requests());
    }
}
