//! The rules. Services know nothing of poise: they take ids and options, act through the
//! Discord port, and record everything in PostgreSQL.

pub mod audit_log_cases;
pub mod case_flow;
pub mod cases;
pub mod event_log;
pub mod evidence;
pub mod flags;
pub mod guild_presence;
pub mod hierarchy;
pub mod mass_ban;
pub mod messages;
pub mod mod_log;
pub mod mod_log_channel;
pub mod moderation;
pub mod mute_plan;
pub mod mutes;
pub mod notes;
pub mod settings;
pub mod templates;
pub mod warnings;

use crate::ports::discord::DiscordPort;
use sqlx::PgPool;
use std::sync::Arc;

pub use audit_log_cases::AuditLogCaseService;
pub use case_flow::ActionRequest;
pub use cases::CaseService;
pub use event_log::ModEventLogger;
pub use evidence::EvidenceService;
pub use flags::UserFlagService;
pub use guild_presence::GuildPresenceService;
pub use mass_ban::MassBanService;
pub use messages::MessageModerationService;
pub use moderation::ModerationService;
pub use mutes::MuteService;
pub use notes::NotesService;
pub use settings::GuildSettingsService;
pub use templates::CaseTemplateService;
pub use warnings::WarningService;

/// Every service, wired to one pool and one Discord port.
#[derive(Clone)]
pub struct Services {
    pub moderation: ModerationService,
    pub mass_ban: MassBanService,
    pub mutes: MuteService,
    pub cases: CaseService,
    pub notes: NotesService,
    pub warnings: WarningService,
    pub flags: UserFlagService,
    pub templates: CaseTemplateService,
    pub settings: GuildSettingsService,
    pub events: ModEventLogger,
    pub audit_log_cases: AuditLogCaseService,
    pub guild_presence: GuildPresenceService,
    pub evidence: EvidenceService,
    pub messages: MessageModerationService,
}

impl Services {
    /// Evidence is off (its commands say so) until [`Services::with_evidence`] sets it up.
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>) -> Self {
        Self::with_evidence(pool, port, None)
    }

    pub fn with_evidence(
        pool: PgPool,
        port: Arc<dyn DiscordPort>,
        evidence: Option<evidence::Evidence>,
    ) -> Self {
        let events = ModEventLogger::new(pool.clone());
        let settings = GuildSettingsService::new(pool.clone(), port.clone());
        let warnings = WarningService::new(pool.clone(), settings.clone());
        let flow = case_flow::CaseFlow::new(pool.clone(), port.clone(), settings.clone());
        let cases = CaseService::new(
            pool.clone(),
            port.clone(),
            settings.clone(),
            warnings.clone(),
        );
        let moderation = ModerationService::new(flow.clone(), warnings.clone(), settings.clone());
        let evidence = EvidenceService::new(pool.clone(), port.clone(), cases.clone(), evidence);
        let messages = MessageModerationService::new(
            flow.clone(),
            moderation.clone(),
            evidence.clone(),
            port.clone(),
        );
        Services {
            messages,
            evidence,
            audit_log_cases: AuditLogCaseService::new(pool.clone(), port.bot_user_id()),
            guild_presence: GuildPresenceService::new(pool.clone()),
            mutes: MuteService::new(pool.clone(), flow, settings.clone(), moderation.clone()),
            mass_ban: MassBanService::new(pool.clone(), port.clone(), settings.clone()),
            moderation,
            cases,
            notes: NotesService::new(pool.clone(), port.clone()),
            flags: UserFlagService::new(pool.clone(), port.clone()),
            templates: CaseTemplateService::new(pool.clone(), settings.clone()),
            warnings,
            settings,
            events,
        }
    }
}
