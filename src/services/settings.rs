//! Guild settings: who moderates, where the mod log goes (checked to be this server's channel),
//! mute roles, DMs, strikes, escalation.

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::mod_log_channel::ModLogChannel;
use crate::domain::violation::StrikeWeight;
use crate::domain::{EscalationThresholds, ViolationTaxonomy, ViolationType};
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::settings::{self, GuildSettings};
use sqlx::PgPool;
use std::sync::Arc;

/// The settings `/mod config set` accepts, with the form of their value.
pub const SETTINGS: &[(&str, &str)] = &[
    (
        "mod_roles",
        "role mentions or ids separated by spaces or commas, or `none`",
    ),
    ("log_channel", "a channel mention or id, or `none`"),
    ("mute_role_text", "a role mention or id, or `none`"),
    ("mute_role_voice", "a role mention or id, or `none`"),
    ("mute_role_both", "a role mention or id, or `none`"),
    ("dm_on_action", "`on` or `off`"),
    (
        "strike_expiry_days",
        "a whole number of days from 1 to 3650",
    ),
    (
        "escalation",
        "points:action[:duration] list, e.g. `3:timeout:1h, 5:tempban:7d, 8:ban`, or `none`",
    ),
];

#[derive(Clone)]
pub struct GuildSettingsService {
    pool: PgPool,
    mod_log: ModLogChannel,
}

impl GuildSettingsService {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>) -> Self {
        GuildSettingsService {
            mod_log: ModLogChannel::new(pool.clone(), port),
            pool,
        }
    }

    /// Where actions and scheduled jobs report: the guild's mod-log channel.
    pub fn mod_log(&self) -> &ModLogChannel {
        &self.mod_log
    }

    pub async fn get(&self, guild_id: u64) -> GavelResult<GuildSettings> {
        Ok(settings::get(&self.pool, guild_id).await?)
    }

    pub async fn taxonomy(&self, guild_id: u64) -> GavelResult<ViolationTaxonomy> {
        let settings = self.get(guild_id).await?;
        Ok(taxonomy_for(&settings))
    }

    /// Changes one setting from the text an admin typed; the old and new values go to the
    /// event log.
    pub async fn set(
        &self,
        guild_id: u64,
        actor_id: u64,
        key: &str,
        value: &str,
    ) -> GavelResult<GuildSettings> {
        let key = key.trim().to_lowercase();
        if key == "log_channel" {
            if let Some(channel_id) = optional(clears(value), value, "<#", "channel")? {
                self.mod_log.check(guild_id, channel_id).await?;
            }
        }
        let mut tx = self.pool.begin().await?;
        let before = settings::lock(&mut tx, guild_id).await?;
        let mut after = before.clone();
        apply_setting(&mut after, &key, value)?;
        settings::save(&mut *tx, &after).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::SETTINGS_CHANGED, actor_id)
                .details(Some(&key))
                .data(serde_json::json!({ "key": key, "value": value.trim() })),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Adds or replaces a guild violation type (or disables a default one).
    pub async fn set_violation_type(
        &self,
        guild_id: u64,
        actor_id: u64,
        custom: ViolationType,
    ) -> GavelResult<GuildSettings> {
        let key = custom.key.clone();
        self.change_violation_type(guild_id, actor_id, &key, |_| Ok(custom))
            .await
            .map(|(settings, _)| settings)
    }

    /// A new violation type for this server; refused when one with that key is in force.
    pub async fn add_violation_type(
        &self,
        guild_id: u64,
        actor_id: u64,
        custom: ViolationType,
    ) -> GavelResult<ViolationType> {
        let key = custom.key.clone();
        self.change_violation_type(guild_id, actor_id, &key, |current| match current {
            Some(existing) => Err(GavelError::invalid(format!(
                "`{}` ({}) already exists; change it with /mod violation edit.",
                existing.key, existing.label
            ))),
            None => Ok(custom),
        })
        .await
        .map(|(_, changed)| changed)
    }

    /// Changes what is given of a type in force (a default one becomes this server's override).
    pub async fn edit_violation_type(
        &self,
        guild_id: u64,
        actor_id: u64,
        key: &str,
        edit: ViolationEdit,
    ) -> GavelResult<ViolationType> {
        if edit.label.is_none() && edit.strikes.is_none() && edit.message.is_none() {
            return Err(GavelError::invalid(
                "Give a new label, points or message to change.",
            ));
        }
        self.change_violation_type(guild_id, actor_id, key, |current| {
            let mut changed = current.cloned().ok_or_else(|| unknown_type(key))?;
            if let Some(label) = edit.label {
                changed.label = label;
            }
            if let Some(strikes) = edit.strikes {
                changed.strikes = strikes;
            }
            if let Some(message) = edit.message {
                changed.message = message;
            }
            Ok(changed)
        })
        .await
        .map(|(_, changed)| changed)
    }

    /// Switches a type off for this server: it can no longer be picked; past cases keep it.
    pub async fn disable_violation_type(
        &self,
        guild_id: u64,
        actor_id: u64,
        key: &str,
    ) -> GavelResult<ViolationType> {
        self.change_violation_type(guild_id, actor_id, key, |current| {
            let mut changed = current.cloned().ok_or_else(|| unknown_type(key))?;
            changed.disabled = true;
            Ok(changed)
        })
        .await
        .map(|(_, changed)| changed)
    }

    /// The one way a guild's taxonomy changes: under the settings row's lock, from the type in
    /// force with this key (if any), validated, saved as an override, with an event.
    async fn change_violation_type(
        &self,
        guild_id: u64,
        actor_id: u64,
        key: &str,
        change: impl FnOnce(Option<&ViolationType>) -> GavelResult<ViolationType>,
    ) -> GavelResult<(GuildSettings, ViolationType)> {
        let key = key.trim().to_lowercase();
        let mut tx = self.pool.begin().await?;
        let mut current = settings::lock(&mut tx, guild_id).await?;
        let taxonomy = taxonomy_for(&current);
        let custom = change(taxonomy.get(&key))?;
        validate_violation_type(&custom)?;
        current.violation_overrides.retain(|t| t.key != custom.key);
        current.violation_overrides.push(custom.clone());
        settings::save(&mut *tx, &current).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::SETTINGS_CHANGED, actor_id)
                .violation(&custom.key)
                .details(Some("violation_type"))
                .data(serde_json::to_value(&custom).unwrap_or_default()),
        )
        .await?;
        tx.commit().await?;
        Ok((current, custom))
    }
}

/// What `/mod violation edit` changes; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct ViolationEdit {
    pub label: Option<String>,
    pub strikes: Option<StrikeWeight>,
    pub message: Option<String>,
}

/// The most strike points one violation may carry.
pub const MAX_VIOLATION_POINTS: u8 = 100;
const MAX_LABEL_CHARS: usize = 50;
const MAX_MESSAGE_CHARS: usize = 500;

fn unknown_type(key: &str) -> GavelError {
    GavelError::invalid(format!(
        "`{key}` is not a violation type here; /mod violation list shows them."
    ))
}

fn validate_violation_type(custom: &ViolationType) -> GavelResult<()> {
    if !crate::domain::violation::is_valid_key(&custom.key) {
        return Err(GavelError::invalid(format!(
            "`{}` is not a valid key: use lower-case letters, digits and underscores (at most 32)",
            custom.key
        )));
    }
    if custom.key == crate::domain::violation::UNSPECIFIED {
        return Err(GavelError::invalid("`unspecified` is reserved"));
    }
    if custom.disabled {
        return Ok(());
    }
    let label = custom.label.trim().chars().count();
    if label == 0 || label > MAX_LABEL_CHARS {
        return Err(GavelError::invalid(format!(
            "A violation label is 1 to {MAX_LABEL_CHARS} characters."
        )));
    }
    if custom.message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(GavelError::invalid(format!(
            "The message to the user is {} characters long; keep it to {MAX_MESSAGE_CHARS}.",
            custom.message.chars().count()
        )));
    }
    let highest = match custom.strikes {
        StrikeWeight::Fixed(points) => points,
        StrikeWeight::Range { max, .. } => max,
    };
    if highest > MAX_VIOLATION_POINTS {
        return Err(GavelError::invalid(format!(
            "A violation type carries at most {MAX_VIOLATION_POINTS} strike points, not {highest}."
        )));
    }
    Ok(())
}

pub fn taxonomy_for(settings: &GuildSettings) -> ViolationTaxonomy {
    ViolationTaxonomy::default_set().with_overrides(&settings.violation_overrides)
}

fn apply_setting(settings: &mut GuildSettings, key: &str, value: &str) -> GavelResult<()> {
    let value = value.trim();
    let clears = clears(value);
    match key {
        "mod_roles" => {
            settings.mod_role_ids = if clears {
                Vec::new()
            } else {
                value
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|part| !part.is_empty())
                    .map(|part| parse_snowflake(part, "<@&", "role"))
                    .collect::<GavelResult<Vec<_>>>()?
            }
        }
        "log_channel" => {
            settings.log_channel_id = optional(clears, value, "<#", "channel")?;
            settings.log_channel_problem = None;
        }
        "mute_role_text" => settings.mute_role_text = optional(clears, value, "<@&", "role")?,
        "mute_role_voice" => settings.mute_role_voice = optional(clears, value, "<@&", "role")?,
        "mute_role_both" => settings.mute_role_both = optional(clears, value, "<@&", "role")?,
        "dm_on_action" => {
            settings.dm_on_action = match value.to_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => true,
                "off" | "false" | "no" | "0" => false,
                _ => {
                    return Err(GavelError::invalid(format!(
                        "`{value}` is not on or off; dm_on_action takes `on` or `off`"
                    )))
                }
            }
        }
        "strike_expiry_days" => {
            settings.strike_expiry_days = value
                .parse::<i32>()
                .ok()
                .filter(|days| (1..=3650).contains(days))
                .ok_or_else(|| {
                    GavelError::invalid(format!("`{value}` is not a number of days from 1 to 3650"))
                })?;
        }
        "escalation" => {
            settings.escalation =
                EscalationThresholds::parse(value).map_err(GavelError::Invalid)?;
        }
        _ => {
            let names: Vec<&str> = SETTINGS.iter().map(|(name, _)| *name).collect();
            return Err(GavelError::invalid(format!(
                "`{key}` is not a setting; choose one of: {}",
                names.join(", ")
            )));
        }
    }
    Ok(())
}

/// `none` or nothing: the setting is cleared.
fn clears(value: &str) -> bool {
    let value = value.trim();
    value.eq_ignore_ascii_case("none") || value.is_empty()
}

fn optional(clears: bool, value: &str, mention: &str, what: &str) -> GavelResult<Option<u64>> {
    if clears {
        Ok(None)
    } else {
        parse_snowflake(value, mention, what).map(Some)
    }
}

/// Accepts `<@&123>` / `<#123>` mentions or a bare id.
pub fn parse_snowflake(text: &str, mention_prefix: &str, what: &str) -> GavelResult<u64> {
    let text = text.trim();
    let inner = text
        .strip_prefix(mention_prefix)
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or(text);
    inner
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0 && *id < (1 << 63))
        .ok_or_else(|| {
            GavelError::invalid(format!(
                "`{text}` is not a {what}; mention the {what} or paste its id"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_settings_from_admin_text() {
        let mut s = GuildSettings::defaults(1);
        apply_setting(&mut s, "mod_roles", "<@&10>, 11 <@&12>").unwrap();
        assert_eq!(s.mod_role_ids, vec![10, 11, 12]);
        apply_setting(&mut s, "log_channel", "<#99>").unwrap();
        assert_eq!(s.log_channel_id, Some(99));
        apply_setting(&mut s, "log_channel", "none").unwrap();
        assert_eq!(s.log_channel_id, None);
        apply_setting(&mut s, "dm_on_action", "off").unwrap();
        assert!(!s.dm_on_action);
        let err = apply_setting(&mut s, "log_channel", "general").unwrap_err();
        assert!(err.to_string().contains("not a channel"), "{err}");
        let err = apply_setting(&mut s, "volume", "11").unwrap_err();
        assert!(err.to_string().contains("mod_roles"), "{err}");
        assert!(apply_setting(&mut s, "strike_expiry_days", "0").is_err());
    }
}
