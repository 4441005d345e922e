//! What a scheduled job asks for. Stored as JSON in `apalis.jobs.job`, so variant and field
//! names are part of the stored format.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduledJob {
    EndTempban {
        tempban_id: i64,
        /// Earlier attempts that Discord answered with a transient error.
        #[serde(default)]
        retry: u32,
    },
    EndMute {
        mute_id: i64,
        #[serde(default)]
        retry: u32,
    },
    RenewTimeout {
        case_id: i64,
        #[serde(default)]
        retry: u32,
    },
    Reconcile,
    DecayStrikes,
    Retention,
}

impl ScheduledJob {
    /// The stored `kind` tag, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ScheduledJob::EndTempban { .. } => "end_tempban",
            ScheduledJob::EndMute { .. } => "end_mute",
            ScheduledJob::RenewTimeout { .. } => "renew_timeout",
            ScheduledJob::Reconcile => "reconcile",
            ScheduledJob::DecayStrikes => "decay_strikes",
            ScheduledJob::Retention => "retention",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_stored_tag() {
        let jobs = [
            ScheduledJob::EndTempban {
                tempban_id: 1,
                retry: 0,
            },
            ScheduledJob::EndMute {
                mute_id: 1,
                retry: 2,
            },
            ScheduledJob::RenewTimeout {
                case_id: 1,
                retry: 0,
            },
            ScheduledJob::Reconcile,
            ScheduledJob::DecayStrikes,
            ScheduledJob::Retention,
        ];
        for job in jobs {
            let stored = serde_json::to_value(&job).unwrap();
            assert_eq!(stored["kind"], job.kind());
        }
    }

    #[test]
    fn jobs_stored_without_a_retry_count_read_as_first_attempts() {
        let job: ScheduledJob =
            serde_json::from_str(r#"{"kind":"end_tempban","tempban_id":7}"#).unwrap();
        assert_eq!(
            job,
            ScheduledJob::EndTempban {
                tempban_id: 7,
                retry: 0
            }
        );
    }
}
