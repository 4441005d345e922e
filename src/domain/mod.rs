//! Pure types: no I/O, no Discord client, no database.

pub mod action;
pub mod duration;
pub mod escalation;
pub mod evidence;
pub mod ids;
pub mod mass_ban;
pub mod message;
pub mod permissions;
pub mod reason;
pub mod result;
pub mod scheduled_job;
pub mod standing;
pub mod timeout;
pub mod violation;

pub use action::{CaseState, CaseStatus, ModAction, MuteType, UserFlag};
pub use duration::{parse_duration, DurationError};
pub use escalation::{EscalationStep, EscalationThresholds};
pub use message::{Embed, EmbedField, OutgoingMessage};
pub use reason::audit_reason;
pub use result::ModActionResult;
pub use scheduled_job::ScheduledJob;
pub use standing::{PointsChange, Standing, StandingLevel};
pub use violation::{StrikeWeight, ViolationTaxonomy, ViolationType};
