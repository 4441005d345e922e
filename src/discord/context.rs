use crate::error::GavelError;
use crate::services::Services;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// What every handler can reach.
pub struct Data {
    pub services: Services,
    pub bot_user_id: u64,
}

pub type Context<'a> = poise::Context<'a, Data, CommandError>;

/// A handler's failure, shown to the moderator as one ephemeral sentence.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The invoker may not do this, or gave input that cannot work.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Service(#[from] GavelError),
    #[error("Discord did not accept Gavel's reply: {0}")]
    Discord(Box<serenity::Error>),
}

impl From<serenity::Error> for CommandError {
    fn from(error: serenity::Error) -> Self {
        CommandError::Discord(Box::new(error))
    }
}

impl CommandError {
    pub fn refused(message: impl Into<String>) -> Self {
        CommandError::Refused(message.into())
    }

    pub fn user_message(&self) -> String {
        match self {
            CommandError::Refused(message) => message.clone(),
            CommandError::Service(error) => error.user_message(),
            CommandError::Discord(_) => {
                "Something went wrong talking to Discord; try again in a moment.".into()
            }
        }
    }
}

/// Counts interactions being handled, so shutdown can wait for them to finish.
#[derive(Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

pub struct InFlightGuard(Arc<InFlight>);

impl InFlight {
    pub fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(self.clone())
    }

    pub fn current(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits until nothing is in flight, or the deadline passes.
    pub async fn drained(&self, deadline: std::time::Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.idle.notified();
                if self.current() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(deadline, wait).await.is_ok()
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
