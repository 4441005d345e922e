//! Escalation: when a user's active strike points reach a threshold, a harsher action follows.

use super::action::ModAction;
use super::duration::{format_duration, parse_duration};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    pub points: u32,
    pub action: ModAction,
    /// For timeouts, mutes and tempbans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
}

impl EscalationStep {
    pub fn duration(&self) -> Option<Duration> {
        self.duration_secs.map(Duration::from_secs)
    }

    /// Whether applying this step after `action` (lasting `duration`; `None` = no end) would
    /// add anything. Only a harsher kind of action, or the same kind for longer, does: a
    /// permanent ban that crosses a tempban step is not shortened, a kicked user is not timed
    /// out, a week's timeout is not replaced by an hour's.
    pub fn goes_beyond(&self, action: ModAction, duration: Option<Duration>) -> bool {
        fn rank(action: ModAction) -> u8 {
            match action {
                ModAction::Ban => 4,
                ModAction::Tempban => 3,
                ModAction::Kick | ModAction::Softban => 2,
                ModAction::Timeout | ModAction::Mute => 1,
                _ => 0,
            }
        }
        let (step, taken) = (rank(self.action), rank(action));
        if step != taken {
            return step > taken;
        }
        // Same kind: only a longer one adds anything (no duration = indefinite).
        match (self.duration(), duration) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(step), Some(taken)) => step > taken,
        }
    }

    pub fn describe(&self) -> String {
        let action = match self.action {
            ModAction::Timeout => "timeout",
            ModAction::Tempban => "tempban",
            ModAction::Ban => "ban",
            ModAction::Kick => "kick",
            ModAction::Mute => "mute",
            other => other.as_str(),
        };
        match self.duration() {
            Some(d) => format!("{} {action}", format_duration(d)),
            None => action.to_string(),
        }
    }
}

/// A guild's thresholds, kept sorted by points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EscalationThresholds(Vec<EscalationStep>);

impl Default for EscalationThresholds {
    /// 3 points → 1 h timeout, 5 → 7-day tempban, 8 → ban.
    fn default() -> Self {
        EscalationThresholds(vec![
            EscalationStep {
                points: 3,
                action: ModAction::Timeout,
                duration_secs: Some(3_600),
            },
            EscalationStep {
                points: 5,
                action: ModAction::Tempban,
                duration_secs: Some(7 * 86_400),
            },
            EscalationStep {
                points: 8,
                action: ModAction::Ban,
                duration_secs: None,
            },
        ])
    }
}

impl EscalationThresholds {
    pub fn new(mut steps: Vec<EscalationStep>) -> Result<Self, String> {
        steps.sort_by_key(|s| s.points);
        for pair in steps.windows(2) {
            if pair[0].points == pair[1].points {
                return Err(format!("two thresholds at {} points", pair[0].points));
            }
        }
        for step in &steps {
            if step.points == 0 {
                return Err("a threshold must be at least 1 point".into());
            }
            match step.action {
                ModAction::Timeout | ModAction::Mute | ModAction::Tempban => {
                    if step.duration_secs.is_none() {
                        return Err(format!(
                            "the {}-point {} needs a duration",
                            step.points,
                            step.action.as_str().to_lowercase()
                        ));
                    }
                }
                ModAction::Ban | ModAction::Kick => {}
                other => {
                    return Err(format!(
                        "{} cannot be an escalation; use timeout, mute, kick, tempban or ban",
                        other.as_str().to_lowercase()
                    ))
                }
            }
        }
        Ok(EscalationThresholds(steps))
    }

    /// Parses the form admins type: `3:timeout:1h, 5:tempban:7d, 8:ban` (empty or `none` clears).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("none") {
            return Ok(EscalationThresholds(Vec::new()));
        }
        let mut steps = Vec::new();
        for part in text.split(',') {
            let fields: Vec<&str> = part.trim().split(':').map(str::trim).collect();
            let usage = || {
                format!(
                    "`{}` is not a threshold; write points:action[:duration], e.g. 3:timeout:1h, 5:tempban:7d, 8:ban",
                    part.trim()
                )
            };
            let (points, action, duration) = match fields.as_slice() {
                [points, action] => (points, action, None),
                [points, action, duration] => (points, action, Some(*duration)),
                _ => return Err(usage()),
            };
            let points: u32 = points.parse().map_err(|_| usage())?;
            let action: ModAction = action.parse().map_err(|_| usage())?;
            let duration_secs = duration
                .map(|d| parse_duration(d).map(|d| d.as_secs()))
                .transpose()
                .map_err(|e| e.to_string())?;
            steps.push(EscalationStep {
                points,
                action,
                duration_secs,
            });
        }
        Self::new(steps)
    }

    pub fn steps(&self) -> &[EscalationStep] {
        &self.0
    }

    /// The step a change from `before` to `after` active points crosses; when one warning
    /// crosses several, the harshest applies.
    pub fn crossed(&self, before: u32, after: u32) -> Option<&EscalationStep> {
        self.0
            .iter()
            .rev()
            .find(|s| before < s.points && s.points <= after)
    }

    /// The next step above `points`, for telling a moderator how close a user is.
    pub fn next_above(&self, points: u32) -> Option<&EscalationStep> {
        self.0.iter().find(|s| s.points > points)
    }

    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "none".into();
        }
        self.0
            .iter()
            .map(|s| {
                let mut text = format!("{}:{}", s.points, s.action.as_str().to_lowercase());
                if let Some(d) = s.duration() {
                    text.push(':');
                    text.push_str(&format_duration(d).replace(' ', ""));
                }
                text
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_picks_the_harshest_step_crossed() {
        let t = EscalationThresholds::default();
        assert_eq!(t.crossed(0, 2), None);
        assert_eq!(t.crossed(2, 3).unwrap().action, ModAction::Timeout);
        assert_eq!(t.crossed(3, 4), None, "already past 3, not yet 5");
        assert_eq!(t.crossed(2, 6).unwrap().action, ModAction::Tempban);
        assert_eq!(t.crossed(4, 20).unwrap().action, ModAction::Ban);
        assert_eq!(t.next_above(3).unwrap().points, 5);
    }

    #[test]
    fn a_step_goes_beyond_only_a_milder_or_shorter_action() {
        let step = |text: &str| EscalationThresholds::parse(text).unwrap().steps()[0].clone();
        let hours = |h: u64| Some(Duration::from_secs(h * 3_600));
        let tempban_1d = step("3:tempban:1d");
        assert!(tempban_1d.goes_beyond(ModAction::Warn, None));
        assert!(tempban_1d.goes_beyond(ModAction::Kick, None));
        assert!(tempban_1d.goes_beyond(ModAction::Softban, None));
        assert!(tempban_1d.goes_beyond(ModAction::Timeout, hours(1_000)));
        assert!(tempban_1d.goes_beyond(ModAction::Mute, None));
        assert!(tempban_1d.goes_beyond(ModAction::Tempban, hours(1)));
        assert!(!tempban_1d.goes_beyond(ModAction::Tempban, hours(24)));
        assert!(!tempban_1d.goes_beyond(ModAction::Ban, None));
        let ban = step("3:ban");
        assert!(ban.goes_beyond(ModAction::Tempban, hours(24 * 365)));
        assert!(!ban.goes_beyond(ModAction::Ban, None));
        let kick = step("3:kick");
        assert!(kick.goes_beyond(ModAction::Mute, None));
        assert!(!kick.goes_beyond(ModAction::Softban, None));
        let mute_1h = step("3:mute:1h");
        assert!(mute_1h.goes_beyond(ModAction::Warn, None));
        assert!(mute_1h.goes_beyond(ModAction::Timeout, Some(Duration::from_secs(600))));
        assert!(!mute_1h.goes_beyond(ModAction::Timeout, hours(2)));
        assert!(
            !mute_1h.goes_beyond(ModAction::Mute, None),
            "an indefinite mute"
        );
        assert!(!mute_1h.goes_beyond(ModAction::Kick, None));
    }

    #[test]
    fn parses_and_describes_thresholds() {
        let t = EscalationThresholds::parse("8:ban, 3:timeout:1h, 5:tempban:7d").unwrap();
        assert_eq!(t, EscalationThresholds::default());
        assert_eq!(t.describe(), "3:timeout:1h, 5:tempban:1w, 8:ban");
        assert!(EscalationThresholds::parse("none")
            .unwrap()
            .steps()
            .is_empty());
        assert!(EscalationThresholds::parse("3:timeout")
            .unwrap_err()
            .contains("needs a duration"));
        assert!(EscalationThresholds::parse("3:unban")
            .unwrap_err()
            .contains("cannot be an escalation"));
        assert!(EscalationThresholds::parse("3:ban,3:kick")
            .unwrap_err()
            .contains("two thresholds"));
        assert!(EscalationThresholds::parse("x:ban")
            .unwrap_err()
            .contains("points:action"));
    }
}
