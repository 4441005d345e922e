use super::permissions::Permission;
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the database and shown in logs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let upper = s.trim().to_ascii_uppercase().replace([' ', '-'], "_");
                match upper.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "`{s}` is not a valid {}; expected one of: {}",
                        stringify!($name),
                        [$($text),+].join(", ").to_lowercase()
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// What a case records being done to a user.
    ModAction {
        Ban => "BAN",
        Unban => "UNBAN",
        Kick => "KICK",
        Timeout => "TIMEOUT",
        Untimeout => "UNTIMEOUT",
        Warn => "WARN",
        Mute => "MUTE",
        Unmute => "UNMUTE",
        Softban => "SOFTBAN",
        Tempban => "TEMPBAN",
        // A case opened to hold evidence; nothing was done to the user.
        Report => "REPORT",
        // Messages deleted from a channel (`/mod purge`); the target is the user filter, or
        // Gavel itself when no user was named.
        Purge => "PURGE",
        // One message removed as a violation (the Remove Message context menu).
        DeleteMessage => "DELETE_MESSAGE",
    }
);

text_enum!(
    /// Whether a case is still being acted on (OPEN), finished (CLOSED) or withdrawn (VOID).
    CaseStatus {
        Open => "OPEN",
        Closed => "CLOSED",
        Void => "VOID",
    }
);

text_enum!(
    /// Whether the Discord side of a case took effect. A case is written PENDING before the
    /// Discord call and settled afterwards, so a crash in between is visible and reconcilable.
    CaseState {
        Pending => "PENDING",
        Applied => "APPLIED",
        Failed => "FAILED",
    }
);

text_enum!(
    MuteType {
        Text => "TEXT",
        Voice => "VOICE",
        Both => "BOTH",
    }
);

text_enum!(
    UserFlag {
        Suspicious => "SUSPICIOUS",
        Trusted => "TRUSTED",
        AltAccount => "ALT_ACCOUNT",
        UnderReview => "UNDER_REVIEW",
    }
);

impl ModAction {
    /// Human wording for replies and the mod log: "banned", "timed out".
    pub fn past_tense(self) -> &'static str {
        match self {
            ModAction::Ban => "banned",
            ModAction::Unban => "unbanned",
            ModAction::Kick => "kicked",
            ModAction::Timeout => "timed out",
            ModAction::Untimeout => "released from timeout",
            ModAction::Warn => "warned",
            ModAction::Mute => "muted",
            ModAction::Unmute => "unmuted",
            ModAction::Softban => "softbanned",
            ModAction::Tempban => "temporarily banned",
            ModAction::Report => "reported",
            ModAction::Purge => "had messages purged",
            ModAction::DeleteMessage => "had a message removed",
        }
    }

    /// Actions that punish and so may carry strike points; reversals never do.
    pub fn carries_strikes(self) -> bool {
        !matches!(
            self,
            ModAction::Unban
                | ModAction::Unmute
                | ModAction::Untimeout
                | ModAction::Report
                | ModAction::Purge
        )
    }

    /// The Discord permission a moderator needs to take this action, from any surface (slash
    /// command, panel, CLI). A reversal needs what the action it reverses needs.
    pub fn required_permission(self) -> Permission {
        match self {
            ModAction::Ban | ModAction::Tempban | ModAction::Softban | ModAction::Unban => {
                Permission::BanMembers
            }
            ModAction::Kick => Permission::KickMembers,
            ModAction::Timeout
            | ModAction::Untimeout
            | ModAction::Warn
            | ModAction::Mute
            | ModAction::Unmute
            | ModAction::Report => Permission::ModerateMembers,
            // Checked again in the message's channel, with its overwrites.
            ModAction::Purge | ModAction::DeleteMessage => Permission::ManageMessages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_round_trips() {
        for action in ModAction::ALL {
            assert_eq!(action.as_str().parse::<ModAction>().unwrap(), *action);
        }
        assert_eq!(
            "alt account".parse::<UserFlag>().unwrap(),
            UserFlag::AltAccount
        );
        assert_eq!(
            "under-review".parse::<UserFlag>().unwrap(),
            UserFlag::UnderReview
        );
        let err = "loud".parse::<MuteType>().unwrap_err();
        assert!(err.contains("text, voice, both"), "{err}");
    }

    #[test]
    fn bans_need_ban_members_kicks_kick_members_and_the_rest_moderate_members() {
        let needing = |permission: Permission| {
            ModAction::ALL
                .iter()
                .filter(|a| a.required_permission() == permission)
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            needing(Permission::BanMembers),
            ["BAN", "UNBAN", "SOFTBAN", "TEMPBAN"]
        );
        assert_eq!(needing(Permission::KickMembers), ["KICK"]);
        assert_eq!(
            needing(Permission::ModerateMembers),
            ["TIMEOUT", "UNTIMEOUT", "WARN", "MUTE", "UNMUTE", "REPORT"]
        );
        assert_eq!(
            needing(Permission::ManageMessages),
            ["PURGE", "DELETE_MESSAGE"]
        );
        assert!(needing(Permission::ManageGuild).is_empty());
    }
}
