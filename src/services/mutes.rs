//! MuteService: role-based text, voice or full mutes.

use super::case_flow::{ActionPlan, ActionRequest, CaseFlow, DmTiming, Effect};
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::moderation::ModerationService;
use super::mute_plan::mute_plan;
use super::settings::GuildSettingsService;
use crate::domain::audit_reason;
use crate::domain::{ModAction, ModActionResult, MuteType};
use crate::error::{GavelError, GavelResult};
use crate::store::mutes::{self, Mute, MuteInForce};
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
