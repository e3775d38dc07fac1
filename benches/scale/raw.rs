//! The raw SQL baselines of the scale bench: each question the app answers, asked of the same database with the
//! fastest hand-written SQL we could write (rusqlite prepared statements on the SQLite file, one prepared
//! statement on a native PostgreSQL connection), so BENCHMARKS.md can give every app figure beside its floor.

use super::{
    import_csv, last_quarter, last_week, on_fresh_copies, percentiles, sqlite_copy, today,
    PREFIXES, WS,
};
use chrono::{Duration, NaiveDate, Utc};
use criterion::Criterion;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::time::Instant;
use tokio::runtime::Runtime;

/// Latest counting evidence per trait of the active profile, and whether each is met, for one partner.
/// The same facts as `/screen` shows (partner, profile, each trait with the record that counts and who
/// recorded it), one row per trait.
const RAW_SCREEN: &str = "
SELECT p.id, p.name, p.partner_type, p.stage, pr.name, pr.revision,
       t.id, t.name, t.verify_by, t.min_value, t.max_value, t.unit,
       e.id, e.met, e.value, e.source, e.note, e.observed, e.recorded_by
FROM partners p
JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
LEFT JOIN evidence e ON e.id = (
    SELECT x.id FROM evidence x
    WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= ?3
    ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1)
WHERE p.workspace_id = ?1 AND p.name_key = ?2
ORDER BY t.id";

/// The verdict counts (missed, unknown) of every partner of a cohort as of a date.
fn raw_verdicts_sql(cohort: &str) -> String {
    format!(
        "
WITH cohort AS ({cohort}),
checks AS (
    SELECT c.id AS partner_id, t.min_value, t.max_value, (
        SELECT x.id FROM evidence x
        WHERE x.partner_id = c.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= :day
        ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1) AS eid
    FROM cohort c
    JOIN profiles pr ON pr.workspace_id = :ws AND pr.partner_type = c.partner_type AND pr.retired_at IS NULL
    JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
),
status AS (
    SELECT k.partner_id, CASE
        WHEN e.id IS NULL OR e.observed < date(:day, '-365 days') THEN 'u'
        WHEN k.min_value IS NULL AND k.max_value IS NULL THEN
            CASE WHEN e.met IS NULL THEN 'u' WHEN e.met = 1 THEN 'm' ELSE 'x' END
        WHEN e.value IS NULL THEN 'u'
        WHEN (k.min_value IS NULL OR e.value >= k.min_value) AND (k.max_value IS NULL OR e.value <= k.max_value)
            THEN 'm'
        ELSE 'x' END AS s
    FROM checks k LEFT JOIN evidence e ON e.id = k.eid
)
SELECT partner_id, SUM(s = 'x') <= 1 AND SUM(s = 'u') = 0 AS matching FROM status GROUP BY partner_id"
    )
}

fn raw_screen(conn: &Connection, name: &str, day: NaiveDate) -> usize {
    let (max_misses, max_age): (i64, i64) = conn
        .prepare_cached(
            "SELECT max_misses, evidence_max_age_days FROM workspace_settings WHERE workspace_id = ?1",
        )
        .and_then(|mut s| s.query_row([WS], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .expect("settings")
        .unwrap_or((1, 365));
    let mut stmt = conn.prepare_cached(RAW_SCREEN).expect("prepare");
    let key = name.to_lowercase();
    let rows = stmt
        .query_map(params![WS, key, day.to_string()], |r| {
            // Read (and own) every column the reply shows, as the app does.
            for shown in [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 18] {
                let _: rusqlite::types::Value = r.get(shown)?;
            }
            let min: Option<f64> = r.get(9)?;
            let max: Option<f64> = r.get(10)?;
            let met: Option<i64> = r.get(13)?;
            let value: Option<f64> = r.get(14)?;
            let observed: Option<String> = r.get(17)?;
            Ok((min, max, met, value, observed))
        })
        .expect("query");
    let cutoff = (day - Duration::days(max_age)).to_string();
    let (mut missed, mut unknown) = (0, 0);
    for row in rows {
        let (min, max, met, value, observed) = row.expect("row");
        let fresh = observed.is_some_and(|o| o >= cutoff);
        match raw_status(fresh, min, max, met, value) {
            Some(false) => missed += 1,
            None => unknown += 1,
            Some(true) => {}
        }
    }
    usize::from(missed > max_misses) * 2 + usize::from(unknown > 0)
}

/// The same question as the app's autocomplete: up to 25 names starting with the text, then (when fewer)
/// those containing it elsewhere (the bench prefixes have no LIKE wildcards to escape).
fn raw_autocomplete(conn: &Connection, prefix: &str) -> usize {
    let mut end = prefix.to_string();
    end.push(char::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT name FROM partners WHERE workspace_id = ?1 AND name_key >= ?2 AND name_key < ?3 \
             ORDER BY name_key LIMIT 25",
        )
        .expect("prepare");
    let mut names: Vec<String> = stmt
        .query_map(params![WS, prefix, end], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    if names.len() < 25 {
        let mut more = conn
            .prepare_cached(
                "SELECT name FROM partners WHERE workspace_id = ?1 AND name_key LIKE ?4 \
                 AND NOT (name_key >= ?2 AND name_key < ?3) ORDER BY name_key LIMIT ?5",
            )
            .expect("prepare");
        let rest = 25 - names.len() as i64;
        let contains = format!("%{prefix}%");
        for name in more
            .query_map(params![WS, prefix, end, contains, rest], |r| r.get(0))
            .expect("query")
        {
            names.push(name.expect("row"));
        }
    }
    names.len()
}

fn raw_record(conn: &Connection, name: &str) {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO evidence (workspace_id, partner_id, trait_id, value, source, observed, recorded_by, recorded_at)
             SELECT ?1, p.id, t.id, 31, 'bench', ?3, 'bench', ?4
             FROM partners p
             JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
             JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL AND t.name_key = 'shared customers'
             WHERE p.workspace_id = ?1 AND p.name_key = ?2",
        )
        .expect("prepare");
    let n = stmt
        .execute(params![
            WS,
            name.to_lowercase(),
            today().to_string(),
            Utc::now().to_rfc3339()
        ])
        .expect("insert");
    assert_eq!(n, 1);
}

/// The weekly question: for each of the 8 trend weeks, hours and spend in all and on matching partners
/// (screened as of the week's Sunday); then the neglected matching partners of the last 4 weeks.
fn raw_weekly(conn: &Connection) -> i64 {
    let week = last_week();
    let sql = format!(
        "WITH v AS ({}),
         a AS (SELECT partner_id, SUM(hours_centi) AS h, SUM(spend_cents) AS s FROM allocations
               WHERE workspace_id = :ws AND week = :week AND retracted_at IS NULL GROUP BY partner_id)
         SELECT SUM(a.h), SUM(a.s), SUM(CASE WHEN v.matching THEN a.h ELSE 0 END),
                SUM(CASE WHEN v.matching THEN a.s ELSE 0 END)
         FROM a LEFT JOIN v ON v.partner_id = a.partner_id",
        raw_verdicts_sql(
            "SELECT DISTINCT p.id, p.partner_type FROM partners p JOIN allocations al ON al.partner_id = p.id \
             WHERE al.workspace_id = :ws AND al.week = :week AND al.retracted_at IS NULL"
        )
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare weekly");
    let mut total = 0;
    for k in (0..8).rev() {
        let w = week.plus(-k);
        let (h, _s, _mh, _ms): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) = stmt
            .query_row(
                rusqlite::named_params! {":ws": WS, ":week": w.to_string(), ":day": w.sunday().to_string()},
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("weekly row");
        total += h.unwrap_or(0);
    }
    let neglected_sql = format!(
        "WITH v AS ({}) SELECT COUNT(*) FROM v WHERE v.matching",
        raw_verdicts_sql(
            "SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws \
             AND p.signed_on <= :day AND (p.dropped_on IS NULL OR p.dropped_on > :day) \
             AND NOT EXISTS (SELECT 1 FROM allocations al WHERE al.partner_id = p.id AND al.week BETWEEN :from AND :week \
                             AND al.retracted_at IS NULL AND (al.hours_centi > 0 OR al.spend_cents > 0))"
        )
    );
    let _neglected: i64 = conn
        .prepare_cached(&neglected_sql)
        .expect("prepare neglected")
        .query_row(
            rusqlite::named_params! {":ws": WS, ":week": week.to_string(), ":from": week.plus(-3).to_string(),
            ":day": week.sunday().to_string()},
            |r| r.get(0),
        )
        .expect("neglected");
    total
}

/// The quarterly question: the cohort's sourced pipeline per partner, with whether it matched at quarter end.
fn raw_quarterly(conn: &Connection) -> usize {
    let q = last_quarter();
    let sql = format!(
        "WITH v AS ({})
         SELECT v.partner_id, v.matching, COALESCE((SELECT SUM(o.amount_cents) FROM outcomes o
             WHERE o.partner_id = v.partner_id AND o.kind = 'sourced-pipeline' AND o.retracted_at IS NULL
             AND o.occurred_on BETWEEN :first AND :day), 0)
         FROM v",
        raw_verdicts_sql(
            "SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws \
             AND p.signed_on <= :day AND (p.dropped_on IS NULL OR p.dropped_on >= :first)"
        )
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare quarterly");
    let rows: Vec<(i64, bool, i64)> = stmt
        .query_map(
            rusqlite::named_params! {":ws": WS, ":first": q.first_day().to_string(), ":day": q.last_day().to_string()},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.len()
}

/// The roster with each partner's verdict today, as CSV.
fn raw_roster(conn: &Connection) -> usize {
    let sql = format!(
        "WITH v AS ({})
         SELECT p.name, p.partner_type, p.stage, p.signed_on, p.dropped_on, p.drop_reason, p.champion, p.note, v.matching
         FROM partners p LEFT JOIN v ON v.partner_id = p.id WHERE p.workspace_id = :ws ORDER BY p.name_key",
        raw_verdicts_sql("SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws")
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare roster");
    let mut out = csv::Writer::from_writer(Vec::with_capacity(4 << 20));
    let mut rows = stmt
        .query(rusqlite::named_params! {":ws": WS, ":day": today().to_string()})
        .expect("query");
    let mut n = 0;
    while let Some(r) = rows.next().expect("row") {
        let cells: Vec<String> = (0..9)
            .map(|i| match r.get_ref(i).expect("cell") {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                _ => String::new(),
            })
            .collect();
        out.write_record(&cells).expect("csv");
        n += 1;
    }
    n
}

/// Insert the 100,000 rows of the import, resolving names to ids in memory, in one transaction.
fn raw_import(conn: &mut Connection, csv_bytes: &[u8]) {
    let tx = conn.transaction().expect("begin");
    {
        let mut ids = std::collections::HashMap::new();
        let mut s = tx
            .prepare(
                "SELECT p.name_key, t.name_key, p.id, t.id FROM partners p
                 JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
                 JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL WHERE p.workspace_id = ?1",
            )
            .expect("prepare ids");
        let rows = s
            .query_map([WS], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    (r.get::<_, i64>(2)?, r.get::<_, i64>(3)?),
                ))
            })
            .expect("ids");
        for row in rows {
            let (k, v) = row.expect("id row");
            ids.insert(k, v);
        }
        let mut ins = tx
            .prepare(
                "INSERT INTO evidence (workspace_id, partner_id, trait_id, met, value, source, observed, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'import', ?8)",
            )
            .expect("prepare insert");
        let now = Utc::now().to_rfc3339();
        let mut reader = csv::Reader::from_reader(csv_bytes);
        for rec in reader.records() {
            let rec = rec.expect("csv row");
            let key = (rec[0].to_lowercase(), rec[1].to_lowercase());
            let (pid, tid) = ids[&key];
            let met = match &rec[2] {
                "yes" => Some(1),
                "no" => Some(0),
                _ => None,
            };
            let value: Option<f64> = rec[3].parse().ok();
            ins.execute(params![WS, pid, tid, met, value, &rec[4], &rec[6], now])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

pub(crate) fn raw_benches(c: &mut Criterion, rt: &Runtime, master: &Path, names: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = sqlite_copy(master, dir.path(), "raw.db");
    let conn = Connection::open(&path).expect("open raw");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    let name = |i: usize| names[i % names.len()].as_str();
    let year_ago = today() - Duration::days(365);
    let mut g = c.benchmark_group("sqlite_raw");
    let mut i = 0;
    g.bench_function("screen_one", |b| {
        b.iter(|| {
            i += 1;
            raw_screen(&conn, name(i), today())
        })
    });
    g.bench_function("screen_as_of", |b| {
        b.iter(|| {
            i += 1;
            raw_screen(&conn, name(i), year_ago)
        })
    });
    g.bench_function("autocomplete", |b| {
        b.iter(|| {
            i += 1;
            raw_autocomplete(&conn, PREFIXES[i % PREFIXES.len()])
        })
    });
    g.bench_function("record_evidence", |b| {
        b.iter(|| {
            i += 1;
            raw_record(&conn, name(i))
        })
    });
    g.bench_function("weekly_digest", |b| b.iter(|| raw_weekly(&conn)));
    g.bench_function("quarterly_recheck", |b| b.iter(|| raw_quarterly(&conn)));
    g.bench_function("roster_export", |b| b.iter(|| raw_roster(&conn)));
    g.finish();

    let sync = |label: &str, n: usize, f: &mut dyn FnMut(usize)| {
        percentiles(rt, label, n, |i| {
            f(i);
            std::future::ready(())
        })
    };
    sync("sqlite_raw/screen_one", 3000, &mut |i| {
        raw_screen(&conn, name(i), today());
    });
    sync("sqlite_raw/screen_as_of", 3000, &mut |i| {
        raw_screen(&conn, name(i), year_ago);
    });
    sync("sqlite_raw/autocomplete", 3000, &mut |i| {
        raw_autocomplete(&conn, PREFIXES[i % PREFIXES.len()]);
    });
    sync("sqlite_raw/record_evidence", 1000, &mut |i| {
        raw_record(&conn, name(i))
    });
    sync("sqlite_raw/weekly_digest", 10, &mut |_| {
        raw_weekly(&conn);
    });
    sync("sqlite_raw/quarterly_recheck", 10, &mut |_| {
        raw_quarterly(&conn);
    });
    sync("sqlite_raw/roster_export", 10, &mut |_| {
        raw_roster(&conn);
    });
    drop(conn);

    let csv_bytes = import_csv(names, 0);
    let mut g = c.benchmark_group("sqlite_raw");
    g.sample_size(10);
    g.bench_function("import_evidence_100k", |b| {
        b.iter_custom(|iters| {
            on_fresh_copies(master, dir.path(), "raw-import", iters, |copy| {
                let mut conn = Connection::open(copy).expect("open copy");
                let t = Instant::now();
                raw_import(&mut conn, &csv_bytes);
                t.elapsed()
            })
        })
    });
    g.finish();
}

/// The same question as `/screen`, on PostgreSQL, as one hand-written prepared statement: the settings, the
/// partner, its profile's traits and, per trait, the record that counts (one row per trait).
const RAW_SCREEN_PG: &str = "
SELECT p.id, p.name, p.partner_type, p.stage, pr.name, pr.revision,
       t.id, t.name, t.verify_by, t.min_value, t.max_value, t.unit,
       e.id, e.met, e.value, e.source, e.note, e.observed, e.recorded_by,
       COALESCE(s.max_misses, 1), COALESCE(s.evidence_max_age_days, 365)
FROM partners p
LEFT JOIN workspace_settings s ON s.workspace_id = p.workspace_id
JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
LEFT JOIN evidence e ON e.id = (
    SELECT x.id FROM evidence x
    WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= $3
    ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1)
WHERE p.workspace_id = $1 AND p.name_key = $2
ORDER BY t.id";

/// [`RAW_SCREEN_PG`] on one connection of sqlx's PostgreSQL driver (no pool, no `Any` layer; the statement is
/// prepared once and kept): one round trip per question, the floor the app's PostgreSQL `/screen` is
/// compared with. Returns the verdict as `raw_screen` does.
async fn raw_screen_pg(conn: &mut sqlx::PgConnection, name: &str, day: NaiveDate) -> usize {
    use sqlx::Row;
    let rows = sqlx::query(RAW_SCREEN_PG)
        .bind(WS)
        .bind(partnerfit::domain::name_key(name))
        .bind(day.to_string())
        .fetch_all(&mut *conn)
        .await
        .expect("raw screen");
    let (mut missed, mut unknown, mut max_misses) = (0, 0, 1);
    for r in &rows {
        // Own every column the reply shows, as the app does.
        let _: (i64, String, String, String, String, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        let _: (i64, String, Option<String>, Option<String>) =
            (r.get(6), r.get(7), r.get(8), r.get(11));
        let _: (Option<i64>, Option<String>, Option<String>, Option<String>) =
            (r.get(12), r.get(15), r.get(16), r.get(18));
        let min: Option<f64> = r.get(9);
        let max: Option<f64> = r.get(10);
        let met: Option<i64> = r.get(13);
        let value: Option<f64> = r.get(14);
        let observed: Option<String> = r.get(17);
        max_misses = r.get::<i64, _>(19);
        let max_age: i64 = r.get(20);
        let cutoff = (day - Duration::days(max_age)).to_string();
        let fresh = observed.is_some_and(|o| o >= cutoff);
        match raw_status(fresh, min, max, met, value) {
            Some(false) => missed += 1,
            None => unknown += 1,
            Some(true) => {}
        }
    }
    assert!(!rows.is_empty(), "raw screen of {name}: no rows");
    usize::from(missed > max_misses) * 2 + usize::from(unknown > 0)
}

/// The raw PostgreSQL `/screen` beside the app's, in the same run.
pub(crate) fn raw_postgres_benches(c: &mut Criterion, rt: &Runtime, url: &str, names: &[String]) {
    use sqlx::Connection;
    let conn = rt
        .block_on(sqlx::PgConnection::connect(url))
        .expect("connect to PostgreSQL");
    // One call at a time: criterion and `percentiles` await each before the next.
    let conn = tokio::sync::Mutex::new(conn);
    let name = |i: usize| names[i % names.len()].as_str();
    let screen = |i: usize| {
        let (conn, name) = (&conn, name(i));
        async move {
            raw_screen_pg(&mut *conn.lock().await, name, today()).await;
        }
    };
    let mut g = c.benchmark_group("postgres_raw");
    let mut i = 0;
    g.bench_function("screen_one", |b| {
        b.to_async(rt).iter(|| {
            i += 1;
            screen(i)
        })
    });
    g.finish();
    percentiles(rt, "postgres_raw/screen_one", 3000, screen);
    rt.block_on(conn.into_inner().close()).ok();
}

/// The raw baselines' rule for one trait, written once: met (Some(true)), missed (Some(false)) or unknown (None)
/// from a record's freshness, the trait's bounds and the record's flag or value.
fn raw_status(
    fresh: bool,
    min: Option<f64>,
    max: Option<f64>,
    met: Option<i64>,
    value: Option<f64>,
) -> Option<bool> {
    match (fresh, min.is_some() || max.is_some(), met, value) {
        (false, _, _, _) => None,
        (true, false, Some(m), _) => Some(m == 1),
        (true, true, _, Some(v)) => Some(min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)),
        _ => None,
    }
}
