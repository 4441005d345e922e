use super::escalation::{EscalationStep, EscalationThresholds};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StandingLevel {
    /// No active strike points.
    Good,
    /// Some points, below the first escalation threshold.
    Caution,
    /// At or past a threshold, with harsher ones still ahead.
    Escalated,
    /// At or past the last threshold.
    Critical,
}

/// A user's active strike points just before and just after an action's strikes were written,
/// read in the same transaction under the user's strike lock: the input to escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PointsChange {
    pub before: u32,
    pub after: u32,
}

/// A user's standing, derived only from their active (unexpired, unvoided) strike points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub active_points: u32,
    pub level: StandingLevel,
    pub next_step: Option<EscalationStep>,
}

impl Standing {
    pub fn from_points(active_points: u32, thresholds: &EscalationThresholds) -> Self {
        let steps = thresholds.steps();
        let level = match (steps.first(), steps.last()) {
            _ if active_points == 0 => StandingLevel::Good,
            (Some(first), _) if active_points < first.points => StandingLevel::Caution,
            (_, Some(last)) if active_points >= last.points => StandingLevel::Critical,
            (Some(_), Some(_)) => StandingLevel::Escalated,
            _ => StandingLevel::Caution,
        };
        Standing {
            active_points,
            level,
            next_step: thresholds.next_above(active_points).cloned(),
        }
    }

    pub fn describe(&self) -> String {
        let level = match self.level {
            StandingLevel::Good => "good standing",
            StandingLevel::Caution => "caution",
            StandingLevel::Escalated => "escalated",
            StandingLevel::Critical => "critical",
        };
        let mut text = format!("{} active strike points ({level})", self.active_points);
        if let Some(next) = &self.next_step {
            text.push_str(&format!(
                "; {} more → {}",
                next.points - self.active_points,
                next.describe()
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds() {
        let t = EscalationThresholds::default();
        assert_eq!(Standing::from_points(0, &t).level, StandingLevel::Good);
        assert_eq!(Standing::from_points(2, &t).level, StandingLevel::Caution);
        assert_eq!(Standing::from_points(5, &t).level, StandingLevel::Escalated);
        assert_eq!(Standing::from_points(9, &t).level, StandingLevel::Critical);
        assert_eq!(
            Standing::from_points(2, &t).describe(),
            "2 active strike points (caution); 1 more → 1h timeout"
        );
        let none = EscalationThresholds::parse("none").unwrap();
        assert_eq!(
            Standing::from_points(4, &none).level,
            StandingLevel::Caution
        );
    }
}
