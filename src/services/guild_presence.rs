//! Servers Gavel is removed from and added back to. While Gavel is not in a server its
//! tempbans, mutes and timeout renewals cannot be carried out there: they are parked (no job,
//! left alone by reconciliation, with the reason on the row) rather than retried, and go ahead
//! once Gavel is in the server again.

use crate::error::GavelResult;
use crate::store::schedule;
use sqlx::PgPool;

const REMOVED: &str = "Gavel was removed from the server; waiting until it is added back";

#[derive(Clone)]
pub struct GuildPresenceService {
    pool: PgPool,
}

impl GuildPresenceService {
    pub fn new(pool: PgPool) -> Self {
        GuildPresenceService { pool }
    }

    /// Gavel was removed from the server (GUILD_DELETE without `unavailable`; an outage is
    /// not a removal). Returns how many rows were parked.
    pub async fn removed(&self, guild_id: u64) -> GavelResult<usize> {
        let mut tx = self.pool.begin().await?;
        let parked = schedule::park_guild(&mut tx, guild_id, REMOVED).await?;
        tx.commit().await?;
        Ok(parked)
    }

    /// Gavel is in the server (GUILD_CREATE: on connecting, or added back): parked rows get
    /// their jobs back. Returns how many.
    pub async fn present(&self, guild_id: u64) -> GavelResult<usize> {
        let mut tx = self.pool.begin().await?;
        let resumed = schedule::unpark_guild(&mut tx, guild_id).await?;
        tx.commit().await?;
        Ok(resumed)
    }
}
