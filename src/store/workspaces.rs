//! Which workspaces hold data: what the command line names when a workspace it reads is empty (most likely a
//! mistyped `--workspace`).

use super::{Backend, Result, Store};
use sqlx::AssertSqlSafe;

/// The workspaces beside `$1` (see [`Store::workspaces_beside_empty`]), ordered by `{order}`, at most `$2`.
const SQL: &str = "SELECT w FROM (SELECT workspace_id AS w FROM partners \
     UNION SELECT workspace_id FROM profiles) AS u \
     ORDER BY {order} \
     LIMIT (CASE WHEN EXISTS (SELECT 1 FROM partners WHERE workspace_id = $1) \
                  OR EXISTS (SELECT 1 FROM profiles WHERE workspace_id = $1) \
            THEN 0 ELSE $2 END)";

impl Store {
    /// The workspaces that hold a partner or a profile (retired ones too), in byte order, at most `limit` of
    /// them — when `ws` holds neither; empty when it does (or when no workspace does). One statement whose
    /// limit is 0 when `ws` holds something: then it is two lookups (both backends skip the listing
    /// under a limit of 0), and only for an empty `ws` are the other workspaces read.
    #[tracing::instrument(skip_all)]
    pub async fn workspaces_beside_empty(&self, ws: &str, limit: usize) -> Result<Vec<String>> {
        // Byte order on both: PostgreSQL's default collation depends on the server's locale.
        let sql = match self.backend() {
            Backend::Sqlite => SQL.replace("{order}", "w"),
            Backend::Postgres => SQL.replace("{order}", "w COLLATE \"C\""),
        };
        let names: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(ws)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        Ok(names)
    }
}
