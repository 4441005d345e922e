use super::standing::Standing;
use serde::Serialize;

/// What a moderation action came to, for the moderator who asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModActionResult {
    pub success: bool,
    /// Discord did not answer, so whether the action took effect is not known yet: the case
    /// stays PENDING until Gavel reads Discord's state and records the outcome.
    pub pending: bool,
    /// Present once a case was opened, even when the Discord call then failed.
    pub case_number: Option<i32>,
    /// One sentence a moderator can act on.
    pub error: Option<String>,
    /// Whether the target was told by DM.
    pub user_notified: bool,
    /// For actions that add strikes: the user's standing afterwards.
    pub standing: Option<Standing>,
    /// An escalation this action triggered, with its own outcome.
    pub escalation: Option<Box<ModActionResult>>,
    /// A short description of what was done ("banned for 7d"), for replies.
    pub summary: String,
}

impl ModActionResult {
    pub fn refused(error: impl Into<String>) -> Self {
        ModActionResult {
            success: false,
            pending: false,
            case_number: None,
            error: Some(error.into()),
            user_notified: false,
            standing: None,
            escalation: None,
            summary: String::new(),
        }
    }
}
