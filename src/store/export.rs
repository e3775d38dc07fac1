//! CSV export's reads: each kind's rows streamed in the export's order, a row at a time through the pool or,
//! on a SQLite file, a batch at a time from a blocking thread ([`super::bulk::export_rows`]).

use super::bulk::{text, RowError};
use super::{day, parse_col};
use super::{Result, Store, StoreError};
use crate::domain::evidence::Observation;
use crate::domain::{Amount, Hours, OutcomeKind};
use chrono::NaiveDate;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use sqlx::any::AnyRow;
use sqlx::Row;

/// One exported evidence record: the partner and trait by name.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceOut {
    pub partner: String,
    pub trait_name: String,
    pub observation: Observation,
    pub source: Option<String>,
    pub note: Option<String>,
    pub observed: NaiveDate,
}

/// One exported allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationOut {
    pub partner: String,
    pub week: String,
    pub hours: Hours,
    pub spend: Amount,
    pub note: Option<String>,
}

/// One exported outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeOut {
    pub partner: String,
    pub kind: OutcomeKind,
    pub amount: Option<Amount>,
    pub date: NaiveDate,
    pub reference: Option<String>,
}

/// The decoder of an export's row read through the pool.
type FromAny<T> = fn(&AnyRow) -> Result<T>;
/// The decoder of an export's row read on SQLite's connection of its own ([`super::bulk::export_rows`]).
type FromLite<T> = fn(&rusqlite::Row<'_>) -> std::result::Result<T, RowError>;

/// One export: its statement (`$1` the workspace), and the decoder of its row for each way it is read, each
/// of them the export's one decoder (`…_of`) fed that driver's columns.
struct Export<T> {
    sql: &'static str,
    any: FromAny<T>,
    lite: FromLite<T>,
}

/// [`Store::export_evidence`]: its statement's columns are [`evidence_of`]'s.
static EVIDENCE: Export<EvidenceOut> = Export {
    sql: "SELECT p.name AS partner, t.name AS trait_name, e.met, e.value, e.source, e.note, e.observed \
          FROM evidence e JOIN partners p ON p.id = e.partner_id JOIN traits t ON t.id = e.trait_id \
          JOIN profiles pr ON pr.id = t.profile_id \
          WHERE e.workspace_id = $1 AND e.retracted_at IS NULL AND t.removed_in IS NULL \
          AND pr.retired_at IS NULL AND pr.partner_type = p.partner_type \
          ORDER BY p.name_key, e.observed, e.recorded_at, e.id",
    any: evidence_out,
    lite: evidence_lite,
};

/// [`Store::export_allocations`]: its statement's columns are [`allocation_of`]'s.
static ALLOCATIONS: Export<AllocationOut> = Export {
    sql: "SELECT p.name AS partner, a.week, a.hours_centi, a.spend_cents, a.note \
          FROM allocations a JOIN partners p ON p.id = a.partner_id \
          WHERE a.workspace_id = $1 AND a.retracted_at IS NULL \
          ORDER BY p.name_key, a.week, a.recorded_at, a.id",
    any: allocation_out,
    lite: allocation_lite,
};

/// [`Store::export_outcomes`]: its statement's columns are [`outcome_of`]'s.
static OUTCOMES: Export<OutcomeOut> = Export {
    sql: "SELECT p.name AS partner, o.kind, o.amount_cents, o.occurred_on, o.ref \
          FROM outcomes o JOIN partners p ON p.id = o.partner_id \
          WHERE o.workspace_id = $1 AND o.retracted_at IS NULL \
          ORDER BY p.name_key, o.occurred_on, o.recorded_at, o.id",
    any: outcome_out,
    lite: outcome_lite,
};

/// An exported evidence record of its columns, as [`Store::export_evidence`] selects them: the one decoder of
/// both reads (the pool's, and SQLite's connection of its own).
fn evidence_of(
    (partner, trait_name): (String, String),
    (met, value): (Option<i64>, Option<f64>),
    (source, note): (Option<String>, Option<String>),
    observed: &str,
) -> Result<EvidenceOut> {
    Ok(EvidenceOut {
        partner,
        trait_name,
        observation: super::evidence::observation(met, value)?,
        source,
        note,
        observed: day(observed)?,
    })
}

fn evidence_out(r: &AnyRow) -> Result<EvidenceOut> {
    evidence_of(
        (r.try_get(0)?, r.try_get(1)?),
        (r.try_get(2)?, r.try_get(3)?),
        (r.try_get(4)?, r.try_get(5)?),
        &r.try_get::<String, _>(6)?,
    )
}

fn evidence_lite(r: &rusqlite::Row<'_>) -> std::result::Result<EvidenceOut, RowError> {
    Ok(evidence_of(
        (r.get(0)?, r.get(1)?),
        (r.get(2)?, r.get(3)?),
        (r.get(4)?, r.get(5)?),
        text(r, 6)?,
    )?)
}

/// An exported allocation of its columns, as [`Store::export_allocations`] selects them.
fn allocation_of(
    (partner, week): (String, String),
    (hours, spend): (i64, i64),
    note: Option<String>,
) -> AllocationOut {
    AllocationOut {
        partner,
        week,
        hours: Hours::from_centi(hours),
        spend: Amount::from_cents(spend),
        note,
    }
}

fn allocation_out(r: &AnyRow) -> Result<AllocationOut> {
    Ok(allocation_of(
        (r.try_get(0)?, r.try_get(1)?),
        (r.try_get(2)?, r.try_get(3)?),
        r.try_get(4)?,
    ))
}

fn allocation_lite(r: &rusqlite::Row<'_>) -> std::result::Result<AllocationOut, RowError> {
    Ok(allocation_of(
        (r.get(0)?, r.get(1)?),
        (r.get(2)?, r.get(3)?),
        r.get(4)?,
    ))
}

/// An exported outcome of its columns, as [`Store::export_outcomes`] selects them.
fn outcome_of(
    partner: String,
    (kind, amount): (&str, Option<i64>),
    date: &str,
    reference: Option<String>,
) -> Result<OutcomeOut> {
    Ok(OutcomeOut {
        partner,
        kind: parse_col(kind, "outcome kind")?,
        amount: amount.map(Amount::from_cents),
        date: day(date)?,
        reference,
    })
}

fn outcome_out(r: &AnyRow) -> Result<OutcomeOut> {
    outcome_of(
        r.try_get(0)?,
        (&r.try_get::<String, _>(1)?, r.try_get(2)?),
        &r.try_get::<String, _>(3)?,
        r.try_get(4)?,
    )
}

fn outcome_lite(r: &rusqlite::Row<'_>) -> std::result::Result<OutcomeOut, RowError> {
    Ok(outcome_of(
        r.get(0)?,
        (text(r, 1)?, r.get(2)?),
        text(r, 3)?,
        r.get(4)?,
    )?)
}

impl Store {
    /// The non-retracted evidence of the workspace for the current traits of each partner's active profile,
    /// ordered by partner name, observation date, then the order it was recorded in — so that importing the
    /// export and exporting again yields the same file.
    #[tracing::instrument(skip_all)]
    pub fn export_evidence<'a>(
        &'a self,
        ws: &'a str,
    ) -> impl Stream<Item = Result<EvidenceOut>> + Send + 'a {
        self.export_rows(&EVIDENCE, ws)
    }

    /// The non-retracted allocations of the workspace by partner name, week, then recording order.
    #[tracing::instrument(skip_all)]
    pub fn export_allocations<'a>(
        &'a self,
        ws: &'a str,
    ) -> impl Stream<Item = Result<AllocationOut>> + Send + 'a {
        self.export_rows(&ALLOCATIONS, ws)
    }

    /// The non-retracted outcomes of the workspace by partner name, date, then recording order.
    #[tracing::instrument(skip_all)]
    pub fn export_outcomes<'a>(
        &'a self,
        ws: &'a str,
    ) -> impl Stream<Item = Result<OutcomeOut>> + Send + 'a {
        self.export_rows(&OUTCOMES, ws)
    }

    /// The rows of one export, streamed: on a SQLite file read on a blocking thread over a connection of its
    /// own ([`super::bulk::export_rows`]), otherwise (and when that connection cannot be had) through the pool.
    /// PostgreSQL keeps the pool's read: a native connection of its own did not make its exports measurably
    /// faster (BENCHMARKS.md, "Findings not fixed here").
    fn export_rows<'a, T: Send + 'static>(
        &'a self,
        export: &'static Export<T>,
        ws: &'a str,
    ) -> BoxStream<'a, Result<T>> {
        let Some(direct) = &self.direct else {
            return self.pooled_export_rows(export, ws);
        };
        futures_util::stream::once(async move {
            match super::bulk::export_rows(direct, export.sql, ws, export.lite).await {
                Some(rows) => rows.boxed(),
                None => self.pooled_export_rows(export, ws),
            }
        })
        .flatten()
        .boxed()
    }

    /// The rows of one export through the pool.
    fn pooled_export_rows<'a, T: Send + 'static>(
        &'a self,
        export: &'static Export<T>,
        ws: &'a str,
    ) -> BoxStream<'a, Result<T>> {
        let row = export.any;
        sqlx::query(export.sql)
            .bind(ws)
            .fetch(self.pool())
            .map(move |r| r.map_err(StoreError::from).and_then(|r| row(&r)))
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::Observation;
    use futures_util::TryStreamExt;

    /// Every export, read on SQLite's connection of its own, is the pool's read of the same statement, row for
    /// row; a stored value that does not decode is the export's error on both; with that connection closed, the
    /// export is the pool's read.
    #[tokio::test]
    async fn exports_on_a_connection_of_their_own_are_the_pools() {
        use super::super::write::Write;
        let (_dir, store, ws) = super::super::bulk::tests::seeded().await;
        // Sources and notes with quotes, commas and other scripts on some records; hours and outcomes.
        for sql in [
            "UPDATE evidence SET source = 'crm, \"q\" ' || id, note = 'Übersicht 概要 ' || id WHERE id % 7 = 0",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
             INSERT INTO allocations (workspace_id, partner_id, week, hours_centi, spend_cents, note, recorded_by, \
             recorded_at, retracted_at) \
             SELECT 'ws1', 1 + i % 300, '2026-W' || printf('%02d', 1 + i % 40), i * 25, i * 1000, \
             iif(i % 4 = 0, NULL, 'note ' || i), 'lead', '2026-01-01T00:00:00.000000Z', \
             iif(i % 11 = 0, '2026-11-01T00:00:00.000000Z', NULL) FROM n",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900) \
             INSERT INTO outcomes (workspace_id, partner_id, kind, amount_cents, occurred_on, ref, recorded_by, \
             recorded_at, retracted_at) \
             SELECT 'ws1', 1 + i % 300, \
             CASE i % 3 WHEN 0 THEN 'sourced-pipeline' WHEN 1 THEN 'registered-deal' ELSE 'closed-won' END, \
             iif(i % 3 = 1, NULL, i * 100), date('2026-01-01', '+' || (i % 300) || ' days'), \
             iif(i % 2 = 0, 'R-' || i, NULL), 'lead', '2026-01-01T00:00:00.000000Z', \
             iif(i % 13 = 0, '2026-11-01T00:00:00.000000Z', NULL) FROM n",
        ] {
            sqlx::query(sql).write(store.pool()).await.unwrap();
        }
        /// The rows on the connection of its own (which must open), the pool's, and the store's: all the same.
        async fn both<T: Send + PartialEq + std::fmt::Debug + 'static>(
            store: &Store,
            ws: &str,
            export: &'static Export<T>,
        ) -> Vec<T> {
            let direct = store.direct.as_ref().expect("a SQLite file has one");
            let own: Vec<T> = super::super::bulk::export_rows(direct, export.sql, ws, export.lite)
                .await
                .expect("a connection of its own")
                .try_collect()
                .await
                .unwrap();
            let pooled: Vec<T> = store
                .pooled_export_rows(export, ws)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(own, pooled);
            let through_store: Vec<T> = store.export_rows(export, ws).try_collect().await.unwrap();
            assert_eq!(through_store, own);
            own
        }
        // 9,600 records of ws1, less the 564 retracted (multiples of 17 that are not of 5): 12,000 / 17 = 705,
        // 12,000 / 85 = 141.
        let evidence = both(&store, &ws, &EVIDENCE).await;
        assert_eq!(evidence.len(), 9_036);
        assert!(evidence.iter().any(|e| e
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("Übersicht 概要"))));
        assert!(evidence
            .iter()
            .any(|e| matches!(e.observation, Observation::Value(_))));
        // 3,000 less the 272 multiples of 11; 900 less the 69 multiples of 13.
        let allocations = both(&store, &ws, &ALLOCATIONS).await;
        assert_eq!(allocations.len(), 2_728);
        let outcomes = both(&store, &ws, &OUTCOMES).await;
        assert_eq!(outcomes.len(), 831);
        assert!(
            outcomes.iter().any(|o| o.amount.is_none())
                && outcomes.iter().any(|o| o.reference.is_some())
        );
        assert!(store
            .export_outcomes("another")
            .boxed()
            .next()
            .await
            .is_none());

        // A stored kind that is not one: the export's error, either way.
        sqlx::query("UPDATE outcomes SET kind = 'won-ish' WHERE id = 500")
            .write(store.pool())
            .await
            .unwrap();
        let own: Result<Vec<_>> = store.export_outcomes(&ws).try_collect().await;
        let pooled: Result<Vec<_>> = store.pooled_export_rows(&OUTCOMES, &ws).try_collect().await;
        for read in [own, pooled] {
            assert!(
                matches!(&read, Err(StoreError::Corrupt(m)) if m.contains("won-ish")),
                "{read:?}"
            );
        }

        // No connection of its own: the pool's read, whole.
        store.direct.as_ref().unwrap().close();
        let read: Vec<_> = store.export_evidence(&ws).try_collect().await.unwrap();
        assert_eq!(read, evidence);
    }
}
