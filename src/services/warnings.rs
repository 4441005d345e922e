//! WarningService: strike points, standing and escalation.

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::settings::GuildSettingsService;
use crate::domain::{EscalationStep, Standing};
use crate::error::{GavelError, GavelResult};
use crate::store::cases;
use crate::store::strikes::{self, Strike, StrikeTotals};
use sqlx::PgPool;

/// The most strikes one read returns; a user's whole record is counted, never loaded.
pub const STRIKES_READ: i64 = 100;

#[derive(Clone)]
pub struct WarningService {
    pool: PgPool,
    settings: GuildSettingsService,
}

/// Counts for a user's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningCounts {
    pub warnings: i64,
    pub active_strikes: i64,
    pub active_points: u32,
}

impl WarningService {
    pub fn new(pool: PgPool, settings: GuildSettingsService) -> Self {
        WarningService { pool, settings }
    }

    pub async fn active_points(&self, guild_id: u64, user_id: u64) -> GavelResult<u32> {
        let points = strikes::active_points(&self.pool, guild_id, user_id).await?;
        Ok(u32::try_from(points).unwrap_or(u32::MAX))
    }

    /// The user's newest strikes (at most [`STRIKES_READ`]), newest first; [`Self::totals`]
    /// counts them all.
    pub async fn strikes(&self, guild_id: u64, user_id: u64) -> GavelResult<Vec<Strike>> {
        Ok(strikes::recent_for_user(&self.pool, guild_id, user_id, STRIKES_READ).await?)
    }

    /// How many strikes the user has on record and still counting, without reading them.
    pub async fn totals(&self, guild_id: u64, user_id: u64) -> GavelResult<StrikeTotals> {
        Ok(strikes::totals(&self.pool, guild_id, user_id).await?)
    }

    pub async fn counts(&self, guild_id: u64, user_id: u64) -> GavelResult<WarningCounts> {
        let warnings = cases::count_applied_warnings(&self.pool, guild_id, user_id).await?;
        let totals = self.totals(guild_id, user_id).await?;
        Ok(WarningCounts {
            warnings,
            active_strikes: totals.active,
            active_points: u32::try_from(totals.active_points).unwrap_or(u32::MAX),
        })
    }

    pub async fn standing(&self, guild_id: u64, user_id: u64) -> GavelResult<Standing> {
        let points = self.active_points(guild_id, user_id).await?;
        self.standing_at(guild_id, points).await
    }

    /// The standing that `points` active strike points give under the guild's thresholds.
    pub async fn standing_at(&self, guild_id: u64, points: u32) -> GavelResult<Standing> {
        let settings = self.settings.get(guild_id).await?;
        Ok(Standing::from_points(points, &settings.escalation))
    }

    /// The escalation step that moving from `before` to `after` active points crosses.
    pub async fn should_escalate(
        &self,
        guild_id: u64,
        before: u32,
        after: u32,
    ) -> GavelResult<Option<EscalationStep>> {
        let settings = self.settings.get(guild_id).await?;
        Ok(settings.escalation.crossed(before, after).cloned())
    }

    /// Voids one strike, keeping the row with who voided it and why.
    pub async fn void_strike(
        &self,
        guild_id: u64,
        actor_id: u64,
        strike_id: i64,
        reason: &str,
    ) -> GavelResult<Strike> {
        if reason.trim().is_empty() {
            return Err(GavelError::invalid("Say why the strike is voided."));
        }
        let mut tx = self.pool.begin().await?;
        let existing = strikes::get(&mut *tx, guild_id, strike_id)
            .await?
            .ok_or_else(|| {
                GavelError::not_found(format!("There is no strike #{strike_id} here."))
            })?;
        let voided = strikes::void(&mut tx, strike_id, actor_id, reason.trim())
            .await?
            .ok_or_else(|| GavelError::invalid(format!("Strike #{strike_id} is already void.")))?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::STRIKE_VOIDED, actor_id)
                .target(existing.user_id)
                .case(existing.case_id)
                .violation(&existing.violation_type)
                .details(Some(reason.trim()))
                .data(serde_json::json!({ "strike_id": strike_id, "points": existing.points })),
        )
        .await?;
        tx.commit().await?;
        Ok(voided)
    }
}
