//! The one way the store writes: every `INSERT`, `UPDATE` and `DELETE` is run to its end before its result is
//! used, so nothing is acknowledged before it is committed.
//!
//! Why: outside a transaction SQLite commits a statement when the statement finishes, and a failed commit (a
//! full disk or an I/O error writing the WAL, a deferred constraint) is reported by that last step only. A
//! statement with `RETURNING` hands out its row *before* that step. `fetch_one` and `fetch_optional` take the
//! row and stop: sqlx-sqlite 0.9.1 then resets the statement (`ExecuteIter`'s `Drop`), which ends it, runs the
//! commit and throws its error away, and the Any driver for PostgreSQL stops reading before the error of a
//! check deferred to the commit. The write was answered with an id and then rolled back. Reading every result
//! (`fetch_all`, or `execute`) steps the statement to its end, so the commit's error comes back as the
//! statement's error. Writes of several statements also run inside a transaction whose `commit()` is awaited.
//!
//! [`Write`] and [`WriteReturning`] are the only calls a write statement in `src/store/` may end with; the test
//! below reads the store's source and fails on any other (a bare `RETURNING … fetch_one`, say). The one write
//! that may also run without sqlx, the take of an event id on the calling thread ([`super::direct`]), runs in
//! an explicit transaction whose `COMMIT` is a statement of its own, its error the call's
//! (`Direct::insert_then_read`).

use sqlx::any::{Any, AnyArguments};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Encode, Executor, Type};
use std::future::Future;

/// A write statement without `RETURNING`.
pub(crate) trait Write<'q> {
    /// Run the statement to its end (outside a transaction: its commit) and answer how many rows it changed.
    fn write<'e, 'c: 'e, E>(self, exec: E) -> impl Future<Output = sqlx::Result<u64>> + Send + 'e
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>;
}

impl<'q> Write<'q> for Query<'q, Any, AnyArguments> {
    async fn write<'e, 'c: 'e, E>(self, exec: E) -> sqlx::Result<u64>
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>,
    {
        // `execute` reads every result of the statement, the last one included.
        Ok(self.execute(exec).await?.rows_affected())
    }
}

/// A write statement with `RETURNING` one value per row.
pub(crate) trait WriteReturning<'q, O> {
    /// Run the statement to its end and answer the value of its one row (`RowNotFound` when it changed none).
    fn write_one<'e, 'c: 'e, E>(self, exec: E) -> impl Future<Output = sqlx::Result<O>> + Send + 'e
    where
        'q: 'e,
        O: 'e,
        E: 'e + Executor<'c, Database = Any>;

    /// Run the statement to its end and answer the value of its row, or None when it changed no row.
    fn write_optional<'e, 'c: 'e, E>(
        self,
        exec: E,
    ) -> impl Future<Output = sqlx::Result<Option<O>>> + Send + 'e
    where
        'q: 'e,
        O: 'e,
        E: 'e + Executor<'c, Database = Any>;

    /// Run the statement to its end and answer the value of every row it changed.
    fn write_all<'e, 'c: 'e, E>(
        self,
        exec: E,
    ) -> impl Future<Output = sqlx::Result<Vec<O>>> + Send + 'e
    where
        'q: 'e,
        O: 'e,
        E: 'e + Executor<'c, Database = Any>;
}

/// The calls of [`WriteReturning`], the same for each kind of statement that returns rows: one column
/// ([`QueryScalar`]) or several ([`QueryAs`]).
macro_rules! write_returning {
    ($query:ident where $($bound:tt)*) => {
        impl<'q, O> WriteReturning<'q, O> for $query<'q, Any, O, AnyArguments>
        where
            $($bound)*
        {
            async fn write_one<'e, 'c: 'e, E>(self, exec: E) -> sqlx::Result<O>
            where
                'q: 'e,
                O: 'e,
                E: 'e + Executor<'c, Database = Any>,
            {
                self.write_optional(exec)
                    .await?
                    .ok_or(sqlx::Error::RowNotFound)
            }

            async fn write_optional<'e, 'c: 'e, E>(self, exec: E) -> sqlx::Result<Option<O>>
            where
                'q: 'e,
                O: 'e,
                E: 'e + Executor<'c, Database = Any>,
            {
                // `fetch_all`, never `fetch_one`/`fetch_optional`: it steps the statement past its row to its end.
                Ok(self.fetch_all(exec).await?.into_iter().next())
            }

            async fn write_all<'e, 'c: 'e, E>(self, exec: E) -> sqlx::Result<Vec<O>>
            where
                'q: 'e,
                O: 'e,
                E: 'e + Executor<'c, Database = Any>,
            {
                // `fetch_all` steps the statement to its end: the commit's error is the statement's.
                self.fetch_all(exec).await
            }
        }
    };
}

write_returning!(QueryScalar where
    O: Send + Unpin,
    (O,): Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
);
write_returning!(QueryAs where O: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,);

/// A statement whose parameters are being bound: a plain one ([`Write`]) or one with `RETURNING`
/// ([`WriteReturning`]). A row's values are bound by one function whichever statement writes it: one row, or
/// one row of a multi-row `INSERT`.
pub(crate) trait Bind<'q>: Sized {
    /// Bind the next parameter.
    fn value<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self;
}

impl<'q> Bind<'q> for Query<'q, Any, AnyArguments> {
    fn value<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, O> Bind<'q> for QueryScalar<'q, Any, O, AnyArguments> {
    fn value<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self {
        self.bind(value)
    }
}

/// How many write statements a source file has, and those that do not end with a call of this module, as
/// `line: statement`.
/// A write statement is the text from an SQL `INSERT INTO`, `UPDATE … SET` or `DELETE FROM` to the next
/// `.await`; the statement is built and run in between (`let sql = format!("UPDATE …"); …; q.write(&pool).await`
/// included).
#[cfg(test)]
fn unfinished_writes(source: &str) -> (usize, Vec<String>) {
    const ENDS: [&str; 4] = [".write(", ".write_one(", ".write_optional(", ".write_all("];
    const SHORTCUTS: [&str; 5] = [
        ".execute(",
        ".fetch_one(",
        ".fetch_optional(",
        ".fetch_all(",
        ".fetch(",
    ];
    let (mut writes, mut found) = (0, Vec::new());
    let mut from = 0;
    while let Some(at) = next_write_sql(&source[from..]).map(|i| from + i) {
        let rest = &source[at..];
        let end = rest.find(".await").unwrap_or(rest.len());
        let statement = &rest[..end];
        writes += 1;
        let ended_by_helper = ENDS.iter().any(|e| statement.contains(e));
        let shortcut = SHORTCUTS.iter().any(|s| statement.contains(s));
        if !ended_by_helper || shortcut {
            let line = source[..at].lines().count();
            let first = statement.lines().next().unwrap_or_default();
            found.push(format!("{line}: {first}"));
        }
        from = at + end.max(1);
    }
    (writes, found)
}

/// Where the next write SQL starts in `text`.
#[cfg(test)]
fn next_write_sql(text: &str) -> Option<usize> {
    let insert = text.find("INSERT INTO ");
    let delete = text.find("DELETE FROM ");
    // `UPDATE t SET` and `UPDATE {t} SET`, not the word in prose.
    let update = text.match_indices("UPDATE ").map(|(i, _)| i).find(|&i| {
        let tail = &text[i + "UPDATE ".len()..];
        let word_end = tail.find(' ').unwrap_or(tail.len());
        tail[word_end..].starts_with(" SET ")
    });
    [insert, delete, update].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_of_the_store_runs_to_its_end() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        let mut writes = 0;
        let mut unfinished = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("write.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let (n, found) = unfinished_writes(&source);
            writes += n;
            for w in found {
                unfinished.push(format!("{}:{w}", path.display()));
            }
        }
        assert!(
            unfinished.is_empty(),
            "write statements that do not end with .write/.write_one/.write_optional (store/write.rs says \
             why):\n{}",
            unfinished.join("\n")
        );
        // The scan found the store's writes (it is not looking at nothing): partners, evidence, allocations,
        // outcomes, profiles, settings, schedules, runs, re-checks and the import each have some.
        assert!(writes >= 25, "only {writes} write statements found");
    }

    #[test]
    fn the_scan_catches_a_returning_row_taken_before_the_commit() {
        let bad = r#"
            let id: i64 = sqlx::query_scalar("INSERT INTO partners (name) VALUES ($1) RETURNING id")
                .bind(name)
                .fetch_one(self.pool())
                .await?;
            let n = sqlx::query(AssertSqlSafe(format!("UPDATE {t} SET retracted_at = $1 WHERE id = $2")))
                .bind(now)
                .execute(self.pool())
                .await?;
            let id: Option<i64> = sqlx::query_scalar("UPDATE digest_runs SET attempts = attempts + 1 RETURNING attempts")
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM x WHERE id = $1").bind(1).write(self.pool()).await?;
        "#;
        let (writes, found) = unfinished_writes(bad);
        assert_eq!((writes, found.len()), (4, 3), "{found:?}");
        assert!(found[0].starts_with("2: INSERT INTO partners"), "{found:?}");
        assert!(found[1].starts_with("6: UPDATE {t} SET"), "{found:?}");
        assert!(
            found[2].starts_with("10: UPDATE digest_runs SET"),
            "{found:?}"
        );
        let good = r#"
            let id: i64 = sqlx::query_scalar("INSERT INTO partners (name) VALUES ($1) RETURNING id")
                .bind(name)
                .write_one(self.pool())
                .await?;
            // Reads and prose: an UPDATE of the roster, SELECT … FROM partners.
            let rows = sqlx::query("SELECT id FROM partners").fetch_all(self.pool()).await?;
        "#;
        assert_eq!(unfinished_writes(good), (1, Vec::new()));
    }
}
