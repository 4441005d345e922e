use crate::ports::discord::DiscordError;

/// Failures a service reports. Everything but `Database` is a message for the moderator.
#[derive(Debug, thiserror::Error)]
pub enum GavelError {
    /// Bad input or a request the rules refuse; nothing was changed.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{}", .0.moderator_message())]
    Discord(#[from] DiscordError),
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
}

impl GavelError {
    pub fn invalid(message: impl Into<String>) -> Self {
        GavelError::Invalid(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        GavelError::NotFound(message.into())
    }

    /// The sentence a moderator sees. Database details stay in the logs.
    pub fn user_message(&self) -> String {
        match self {
            GavelError::Database(_) => {
                "Gavel could not reach its database; nothing was changed. Try again in a moment."
                    .into()
            }
            other => other.to_string(),
        }
    }
}

pub type GavelResult<T> = Result<T, GavelError>;
