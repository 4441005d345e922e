//! A live case flow's hold on its PENDING case, so reconciliation never settles a case whose
//! Discord call is still running.
//!
//! The flow takes one pooled connection for itself ([`CaseLease::acquire`]), inserts the case on
//! it and, in the same transaction, takes a session-level advisory lock keyed on the case id
//! ([`hold`]). The lock outlives the commit and is held until the flow has settled
//! the case ([`CaseLease::release`]). Reconciliation takes the same key with
//! `pg_try_advisory_xact_lock` ([`try_take`]) and skips the case when it cannot. When the
//! flow's process dies its connection closes and the server drops the lock, so the case is
//! reconciled as before. A lease dropped without being released (an error, a cancelled
//! future) closes its connection instead of returning it to the pool with the lock still held.

use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};

pub struct CaseLease {
    conn: PoolConnection<Postgres>,
    released: bool,
}

impl CaseLease {
    /// Takes the connection the flow will use from the case's insert to its settle.
    pub async fn acquire(pool: &PgPool) -> Result<CaseLease, sqlx::Error> {
        Ok(CaseLease {
            conn: pool.acquire().await?,
            released: false,
        })
    }

    /// A transaction on the lease's connection: the flow's statements all run on it.
    pub async fn begin(&mut self) -> Result<Transaction<'_, Postgres>, sqlx::Error> {
        Connection::begin(&mut *self.conn).await
    }

    /// Lets go of case `case_id` (settled, or left for reconciliation) and returns the
    /// connection to the pool.
    pub async fn release(mut self, case_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(case_id)
            .execute(&mut *self.conn)
            .await?;
        self.released = true;
        Ok(())
    }
}

impl Drop for CaseLease {
    fn drop(&mut self) {
        if !self.released {
            // Never hand a connection that may still hold a case back to the pool: closing it
            // drops the hold, and reconciliation takes the case from there.
            self.conn.close_on_drop();
        }
    }
}

/// Holds case `case_id` for the flow whose lease `conn` belongs to (call it in the
/// transaction that inserts the case, so the case is never visible unheld). Session-level:
/// it outlives the commit, until [`CaseLease::release`] or the connection closes.
pub async fn hold(conn: &mut PgConnection, case_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes case `case_id` for the caller's transaction; `false` when a live flow (or another
/// reconciliation) holds it. Released at the transaction's end.
pub async fn try_take(conn: &mut PgConnection, case_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(case_id)
        .fetch_one(conn)
        .await
}
