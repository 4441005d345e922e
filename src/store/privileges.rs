//! What the bot's runtime role may do when migrations run as a separate owner role. Only a
//! table's owner (or a superuser) can disable, drop or replace its triggers, so a runtime role
//! that owns nothing cannot switch off the append-only rule; on top of that it is given no
//! UPDATE, DELETE or TRUNCATE on the append-only tables at all. Re-applied by the owner after
//! every migration run, so tables added later are covered; applying it twice changes nothing.

use sqlx::{Executor, PgPool};

/// Tables whose rows are never changed or removed: the runtime role may read and append.
pub const APPEND_ONLY: &[&str] = &["evidence_items", "evidence_amendments", "mod_events"];

/// Schemas of Gavel's tables (`apalis`: the job queue's).
const SCHEMAS: &[&str] = &["public", "apalis"];

/// The connected role: `current_user`.
pub async fn current_role(pool: &PgPool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT current_user::TEXT")
        .fetch_one(pool)
        .await
}

/// Who the role is to the database: (superuser, owns any of the append-only tables).
pub async fn role_powers(pool: &PgPool, role: &str) -> Result<(bool, bool), sqlx::Error> {
    sqlx::query_as(
        "SELECT r.rolsuper,
                EXISTS (SELECT 1 FROM pg_tables t
                        WHERE t.schemaname = 'public' AND t.tablename = ANY($2)
                          AND pg_has_role(r.oid, (SELECT oid FROM pg_roles
                                                  WHERE rolname = t.tableowner), 'MEMBER'))
         FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(role)
    .bind(APPEND_ONLY)
    .fetch_one(pool)
    .await
}

/// Grants `role` what the bot needs, run by the tables' owner: read and write on its working
/// tables, read and append on [`APPEND_ONLY`], read on the migration history. Functions need
/// nothing: PostgreSQL lets every role execute them unless told otherwise.
pub async fn grant_runtime(owner: &PgPool, role: &str) -> Result<(), sqlx::Error> {
    let role = quote_ident(role);
    let mut statements = Vec::new();
    for schema in SCHEMAS {
        statements.extend([
            format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
            format!("REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"),
            format!("REVOKE INSERT, UPDATE, DELETE ON {schema}._sqlx_migrations FROM {role}"),
        ]);
    }
    statements.push(format!(
        "REVOKE UPDATE, DELETE ON {} FROM {role}",
        APPEND_ONLY.join(", ")
    ));
    let mut tx = owner.begin().await?;
    for statement in statements {
        tx.execute(sqlx::AssertSqlSafe(statement)).await?;
    }
    tx.commit().await
}

/// `name` as an SQL identifier, quoted.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("gavel"), "\"gavel\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
