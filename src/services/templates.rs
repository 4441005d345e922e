//! CaseTemplateService: named presets (action, reason, violation, duration) for common cases.

use super::case_flow::MAX_REASON_CHARS;
use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::settings::{taxonomy_for, GuildSettingsService};
use crate::domain::ModAction;
use crate::error::{GavelError, GavelResult};
use crate::store::templates::{self, CaseTemplate, NewTemplate};
use sqlx::PgPool;
use std::time::Duration;

#[derive(Clone)]
pub struct CaseTemplateService {
    pool: PgPool,
    settings: GuildSettingsService,
}

pub struct TemplateInput<'a> {
    pub name: &'a str,
    pub action: ModAction,
    pub reason: Option<&'a str>,
    pub violation: Option<&'a str>,
    pub duration: Option<Duration>,
    /// Strike points within the violation type's range; needs a violation type.
    pub points: Option<u8>,
}

impl CaseTemplateService {
    pub fn new(pool: PgPool, settings: GuildSettingsService) -> Self {
        CaseTemplateService { pool, settings }
    }

    pub async fn save(
        &self,
        guild_id: u64,
        actor_id: u64,
        input: TemplateInput<'_>,
    ) -> GavelResult<CaseTemplate> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(GavelError::invalid(
                "Template names are 1 to 50 characters.",
            ));
        }
        match input.action {
            ModAction::Ban | ModAction::Kick | ModAction::Warn | ModAction::Softban => {
                if input.duration.is_some() && input.action != ModAction::Ban {
                    return Err(GavelError::invalid(format!(
                        "A {} template cannot have a duration.",
                        input.action.as_str().to_lowercase()
                    )));
                }
            }
            ModAction::Timeout | ModAction::Mute | ModAction::Tempban => {
                if input.action != ModAction::Mute && input.duration.is_none() {
                    return Err(GavelError::invalid(format!(
                        "A {} template needs a duration.",
                        input.action.as_str().to_lowercase()
                    )));
                }
            }
            other => {
                return Err(GavelError::invalid(format!(
                    "Templates are for punishments; {} cannot be one.",
                    other.as_str().to_lowercase()
                )))
            }
        }
        if let Some(reason) = input.reason {
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(GavelError::invalid(format!(
                    "The reason is {} characters long; keep it to {MAX_REASON_CHARS}.",
                    reason.chars().count()
                )));
            }
        }
        let violation = match input.violation.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => {
                let taxonomy = taxonomy_for(&self.settings.get(guild_id).await?);
                let kind = taxonomy.resolve(v).map_err(GavelError::Invalid)?;
                if let Some(points) = input.points {
                    kind.strikes
                        .resolve(Some(points))
                        .map_err(|e| GavelError::invalid(format!("For {}, {e}.", kind.label)))?;
                }
                Some(kind.key.clone())
            }
            None if input.points.is_some() => {
                return Err(GavelError::invalid(
                    "Strike points come from a violation type; give one to set points.",
                ))
            }
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let template = templates::upsert(
            &mut tx,
            &NewTemplate {
                guild_id,
                name,
                action: input.action,
                reason: input.reason.map(str::trim).filter(|r| !r.is_empty()),
                violation_type: violation.as_deref(),
                duration_secs: input.duration.map(|d| d.as_secs() as i64),
                strike_points: input.points,
                created_by: actor_id,
            },
        )
        .await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::TEMPLATE_SAVED, actor_id)
                .violation(violation.as_deref().unwrap_or_default())
                .details(Some(name))
                .data(serde_json::to_value(&template).unwrap_or_default()),
        )
        .await?;
        tx.commit().await?;
        Ok(template)
    }

    pub async fn get(&self, guild_id: u64, name: &str) -> GavelResult<CaseTemplate> {
        templates::get(&self.pool, guild_id, name)
            .await?
            .ok_or_else(|| GavelError::not_found(format!("There is no template named `{name}`.")))
    }

    pub async fn get_by_id(&self, guild_id: u64, id: i64) -> GavelResult<CaseTemplate> {
        templates::get_by_id(&self.pool, guild_id, id)
            .await?
            .ok_or_else(|| GavelError::not_found("That template no longer exists."))
    }

    pub async fn list(&self, guild_id: u64) -> GavelResult<Vec<CaseTemplate>> {
        Ok(templates::list(&self.pool, guild_id).await?)
    }

    pub async fn delete(&self, guild_id: u64, actor_id: u64, name: &str) -> GavelResult<()> {
        let mut tx = self.pool.begin().await?;
        let deleted = templates::delete(&mut tx, guild_id, name)
            .await?
            .ok_or_else(|| {
                GavelError::not_found(format!("There is no template named `{name}`."))
            })?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::TEMPLATE_DELETED, actor_id)
                .violation(deleted.violation_type.as_deref().unwrap_or_default())
                .details(Some(&deleted.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
