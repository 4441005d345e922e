//! The violation taxonomy: what rule was broken, what the user is told, and how many strike
//! points it carries. Gavel ships a default (`assets/violation_types.toml`); each guild may
//! override or add types.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The key recorded when a moderator gives no violation type, so no event is ever typeless.
pub const UNSPECIFIED: &str = "unspecified";

const DEFAULT_TAXONOMY: &str = include_str!("../../assets/violation_types.toml");

/// Strike points are either fixed or a range the moderator picks within (`"0-3"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrikeWeight {
    Fixed(u8),
    Range { min: u8, max: u8 },
}

impl StrikeWeight {
    /// The points for a moderator's pick; `None` takes the low end of a range, so the
    /// lighter reading applies unless the moderator says otherwise.
    pub fn resolve(self, chosen: Option<u8>) -> Result<u8, String> {
        match (self, chosen) {
            (StrikeWeight::Fixed(points), None) => Ok(points),
            (StrikeWeight::Fixed(points), Some(chosen)) if chosen == points => Ok(points),
            (StrikeWeight::Fixed(points), Some(chosen)) => Err(format!(
                "this violation type is worth exactly {points} strike points, not {chosen}"
            )),
            (StrikeWeight::Range { min, .. }, None) => Ok(min),
            (StrikeWeight::Range { min, max }, Some(chosen)) if (min..=max).contains(&chosen) => {
                Ok(chosen)
            }
            (StrikeWeight::Range { min, max }, Some(chosen)) => Err(format!(
                "strike points for this violation type must be between {min} and {max}, not {chosen}"
            )),
        }
    }
}

impl fmt::Display for StrikeWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrikeWeight::Fixed(points) => write!(f, "{points}"),
            StrikeWeight::Range { min, max } => write!(f, "{min}-{max}"),
        }
    }
}

impl std::str::FromStr for StrikeWeight {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a strike weight; use a number (2) or a range (0-3)");
        match text.trim().split_once('-') {
            None => text
                .trim()
                .parse()
                .map(StrikeWeight::Fixed)
                .map_err(|_| bad()),
            Some((low, high)) => {
                let min: u8 = low.trim().parse().map_err(|_| bad())?;
                let max: u8 = high.trim().parse().map_err(|_| bad())?;
                match min.cmp(&max) {
                    std::cmp::Ordering::Less => Ok(StrikeWeight::Range { min, max }),
                    std::cmp::Ordering::Equal => Ok(StrikeWeight::Fixed(min)),
                    std::cmp::Ordering::Greater => Err(bad()),
                }
            }
        }
    }
}

impl Serialize for StrikeWeight {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StrikeWeight::Fixed(points) => serializer.serialize_u8(*points),
            StrikeWeight::Range { .. } => serializer.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for StrikeWeight {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u8),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(points) => Ok(StrikeWeight::Fixed(points)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationType {
    pub key: String,
    pub label: String,
    /// Shown to the user in the DM that tells them what happened.
    pub message: String,
    pub strikes: StrikeWeight,
    /// A guild override may switch a default type off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

#[derive(Debug, Deserialize)]
struct TaxonomyFile {
    violation: Vec<ViolationType>,
}

/// The violation types in force for one guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationTaxonomy {
    types: Vec<ViolationType>,
}

impl ViolationTaxonomy {
    pub fn parse_toml(text: &str) -> Result<Self, String> {
        let file: TaxonomyFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let taxonomy = ViolationTaxonomy {
            types: file.violation,
        };
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    /// The shipped default taxonomy.
    pub fn default_set() -> Self {
        Self::parse_toml(DEFAULT_TAXONOMY).expect("assets/violation_types.toml is valid")
    }

    /// The defaults with a guild's overrides applied: an override with an existing key replaces
    /// it (or removes it when `disabled`), a new key is added.
    pub fn with_overrides(&self, overrides: &[ViolationType]) -> Self {
        let mut types = self.types.clone();
        for custom in overrides {
            match types.iter_mut().find(|t| t.key == custom.key) {
                Some(existing) => *existing = custom.clone(),
                None => types.push(custom.clone()),
            }
        }
        types.retain(|t| !t.disabled);
        ViolationTaxonomy { types }
    }

    fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for t in &self.types {
            if !is_valid_key(&t.key) {
                return Err(format!(
                    "violation key `{}` must be lower-case letters, digits and underscores",
                    t.key
                ));
            }
            if t.key == UNSPECIFIED {
                return Err(format!(
                    "`{UNSPECIFIED}` is reserved for cases without a type"
                ));
            }
            if !seen.insert(t.key.as_str()) {
                return Err(format!("violation key `{}` appears twice", t.key));
            }
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&ViolationType> {
        self.types.iter().find(|t| t.key == key)
    }

    pub fn all(&self) -> &[ViolationType] {
        &self.types
    }

    /// Looks a moderator's input up by key or label, with a message listing the valid keys.
    pub fn resolve(&self, input: &str) -> Result<&ViolationType, String> {
        let wanted = input.trim().to_lowercase().replace([' ', '-'], "_");
        self.types
            .iter()
            .find(|t| t.key == wanted || t.label.to_lowercase() == input.trim().to_lowercase())
            .ok_or_else(|| {
                let keys: Vec<&str> = self.types.iter().map(|t| t.key.as_str()).collect();
                format!(
                    "`{}` is not a violation type here; choose one of: {}",
                    input.trim(),
                    keys.join(", ")
                )
            })
    }
}

pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 32
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_has_the_documented_keys() {
        let taxonomy = ViolationTaxonomy::default_set();
        for key in [
            "spam",
            "harassment",
            "hate",
            "nsfw",
            "scam",
            "raid",
            "impersonation",
            "doxxing",
            "self_promo",
            "graphic_violence",
            "illegal_content",
            "minor_safety",
            "other",
        ] {
            assert!(taxonomy.get(key).is_some(), "missing {key}");
        }
        assert_eq!(
            taxonomy.resolve("Self Promo").unwrap().key,
            "self_promo",
            "labels and spaced keys resolve"
        );
        assert!(taxonomy.resolve("jaywalking").unwrap_err().contains("spam"));
    }

    #[test]
    fn strike_weights_parse_and_resolve() {
        assert_eq!("2".parse::<StrikeWeight>().unwrap(), StrikeWeight::Fixed(2));
        assert_eq!(
            "0-3".parse::<StrikeWeight>().unwrap(),
            StrikeWeight::Range { min: 0, max: 3 }
        );
        assert!("3-1".parse::<StrikeWeight>().is_err());
        assert!("x".parse::<StrikeWeight>().is_err());
        let range = StrikeWeight::Range { min: 1, max: 3 };
        assert_eq!(range.resolve(None).unwrap(), 1);
        assert_eq!(range.resolve(Some(3)).unwrap(), 3);
        assert!(range
            .resolve(Some(4))
            .unwrap_err()
            .contains("between 1 and 3"));
        assert!(StrikeWeight::Fixed(2).resolve(Some(1)).is_err());
    }

    #[test]
    fn overrides_replace_add_and_disable() {
        let base = ViolationTaxonomy::default_set();
        let overrides = vec![
            ViolationType {
                key: "spam".into(),
                label: "Spam".into(),
                message: "No spam.".into(),
                strikes: StrikeWeight::Fixed(4),
                disabled: false,
            },
            ViolationType {
                key: "nsfw".into(),
                label: "NSFW".into(),
                message: String::new(),
                strikes: StrikeWeight::Fixed(0),
                disabled: true,
            },
            ViolationType {
                key: "ticket_abuse".into(),
                label: "Ticket abuse".into(),
                message: "Tickets are for support.".into(),
                strikes: StrikeWeight::Range { min: 0, max: 2 },
                disabled: false,
            },
        ];
        let guild = base.with_overrides(&overrides);
        assert_eq!(guild.get("spam").unwrap().strikes, StrikeWeight::Fixed(4));
        assert!(guild.get("nsfw").is_none());
        assert!(guild.get("ticket_abuse").is_some());
        let json = serde_json::to_string(&overrides).unwrap();
        let back: Vec<ViolationType> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, overrides);
    }
}
