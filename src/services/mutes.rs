//! MuteService: role-based text, voice or full mutes.

use super::case_flow::{ActionPlan, ActionRequest, CaseFlow, DmTiming, Effect};
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::moderation::ModerationService;
use super::settings::GuildSettingsService;
use crate::domain::audit_reason;
use crate::domain::{ModAction, ModActionResult, MuteType};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::mutes::{self, Mute, MuteInForce};
use crate::store::settings::GuildSettings;
use sqlx::PgPool;
use std::time::Duration;

#[derive(Clone)]
pub struct MuteService {
    pool: PgPool,
    flow: CaseFlow,
    settings: GuildSettingsService,
    /// Mutes add strikes, so they run where strikes are turned into escalations.
    moderation: ModerationService,
}

/// The mute role an escalation's mute step hands out: the full mute (`mute_role_both`) when
/// one is set, else the text mute, else the voice mute.
pub(crate) fn escalation_mute_type(settings: &GuildSettings) -> Option<MuteType> {
    [MuteType::Both, MuteType::Text, MuteType::Voice]
        .into_iter()
        .find(|t| settings.mute_role(*t).is_some())
}

/// A mute with the guild's `mute_type` role, refused before any case exists when that role is
/// unset, gone, or above Gavel's highest role. Moderators' mutes and escalations both use it.
pub(crate) async fn mute_plan(
    port: &dyn DiscordPort,
    settings: &GuildSettings,
    guild_id: u64,
    mute_type: MuteType,
    duration: Option<Duration>,
) -> GavelResult<ActionPlan> {
    let setting = format!("mute_role_{}", mute_type.as_str().to_lowercase());
    let role_id = settings.mute_role(mute_type).ok_or_else(|| {
        GavelError::invalid(format!(
            "No {} mute role is set; an admin can set one with /mod config set {setting} @role.",
            mute_type.as_str().to_lowercase()
        ))
    })?;
    check_role_is_usable(port, guild_id, role_id, &setting).await?;
    Ok(ActionPlan {
        action: ModAction::Mute,
        duration,
        target_must_be_member: true,
        dm: DmTiming::After,
        effect: Effect::AddMuteRole { role_id, mute_type },
    })
}

impl MuteService {
    pub fn new(
        pool: PgPool,
        flow: CaseFlow,
        settings: GuildSettingsService,
        moderation: ModerationService,
    ) -> Self {
        MuteService {
            pool,
            flow,
            settings,
            moderation,
        }
    }

    /// A mute; its strikes, like any action's, may set off an escalation.
    pub async fn mute(
        &self,
        req: ActionRequest,
        mute_type: MuteType,
        duration: Option<Duration>,
    ) -> GavelResult<ModActionResult> {
        let settings = self.settings.get(req.guild_id).await?;
        let plan = mute_plan(
            self.flow.port(),
            &settings,
            req.guild_id,
            mute_type,
            duration,
        )
        .await?;
        self.moderation.act(&req, plan).await
    }

    /// Ends the user's active mutes of `mute_type` (all types when `None`).
    pub async fn unmute(
        &self,
        req: ActionRequest,
        mute_type: Option<MuteType>,
    ) -> GavelResult<ModActionResult> {
        let active: Vec<Mute> = self
            .active_mutes(req.guild_id, req.target_id)
            .await?
            .into_iter()
            .filter(|m| mute_type.is_none_or(|t| m.mute_type == t))
            .collect();
        if active.is_empty() {
            let which = mute_type
                .map(|t| format!("{} ", t.as_str().to_lowercase()))
                .unwrap_or_default();
            return Err(GavelError::invalid(format!(
                "<@{}> has no active {which}mute.",
                req.target_id
            )));
        }
        Ok(self
            .flow
            .run(
                &req,
                ActionPlan {
                    action: ModAction::Unmute,
                    duration: None,
                    target_must_be_member: false,
                    dm: DmTiming::Never,
                    effect: Effect::RemoveMuteRoles { mutes: active },
                },
            )
            .await?
            .result)
    }

    /// Mute evasion: a member who leaves and rejoins gets their mute roles back. Returns the
    /// mutes restored.
    pub async fn restore_on_rejoin(&self, guild_id: u64, user_id: u64) -> GavelResult<Vec<Mute>> {
        let port = self.flow.port();
        let mut restored = Vec::new();
        for MuteInForce { mute, case_number } in
            mutes::in_force_for_user(&self.pool, guild_id, user_id).await?
        {
            let reason = audit_reason(
                case_number,
                Some("mute evasion: mute role restored on rejoin"),
            );
            port.add_role(guild_id, user_id, mute.role_id, &reason)
                .await?;
            ModEventLogger::log(
                &self.pool,
                &event(guild_id, kinds::MUTE_RESTORED, port.bot_user_id())
                    .target(user_id)
                    .case(mute.case_id)
                    .details(Some("member rejoined while muted"))
                    .data(serde_json::json!({
                        "mute_type": mute.mute_type.as_str(),
                        "role_id": mute.role_id.to_string(),
                        "case_number": case_number,
                    })),
            )
            .await?;
            restored.push(mute);
        }
        Ok(restored)
    }

    pub async fn active_mutes(&self, guild_id: u64, user_id: u64) -> GavelResult<Vec<Mute>> {
        Ok(mutes::active_for_user(&self.pool, guild_id, user_id).await?)
    }
}

/// A mute role that is gone, or that Gavel cannot hand out, fails before any case exists.
async fn check_role_is_usable(
    port: &dyn DiscordPort,
    guild_id: u64,
    role_id: u64,
    setting: &str,
) -> GavelResult<()> {
    let guild = port.guild(guild_id).await?;
    let Some(role) = guild.role(role_id) else {
        return Err(GavelError::invalid(format!(
            "The mute role set in {setting} no longer exists; set a new one with /mod config set {setting} @role."
        )));
    };
    let bot_top = match port.member(guild_id, port.bot_user_id()).await? {
        Some(bot) => guild.top_position(&bot),
        None => 0,
    };
    if role.position >= bot_top {
        return Err(GavelError::invalid(format!(
            "The mute role @{} is at or above Gavel's highest role, so Gavel cannot assign it; move Gavel's role above it.",
            role.name
        )));
    }
    Ok(())
}
