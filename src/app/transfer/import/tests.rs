//! The evidence import's duplicate detection when what it keeps between batches is forgotten: under `cfg(test)`
//! a batch is 3 rows ([`super::FLUSH_ROWS`]) and the detection keeps at most 4 keys and fingerprints
//! ([`super::KEPT`]), so a few rows cross batches and a forgetting. And when the row loop yields its worker
//! ([`super::Pacer`]).

use super::*;
use crate::app::line::{parse_line, Line};
use crate::app::{dispatch, Ctx, SystemClock};
use crate::domain::Role;
use crate::store::Store;

/// A fresh workspace on a temporary SQLite file with a reseller profile whose one trait is a number, and the
/// partners Acme and Bolt.
async fn workspace() -> (tempfile::TempDir, App, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let app = App::new(Store::open(&url).await.unwrap(), Arc::new(SystemClock));
    let ctx = Ctx {
        workspace: "local".into(),
        user: "ana".into(),
        role: Role::Lead,
        channel_id: None,
    };
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell us""#,
        r#"/profile trait add type:reseller name:"Overlap" verify_by:"overlap report" min:25"#,
        r#"/partner add name:"Acme" type:reseller"#,
        r#"/partner add name:"Bolt" type:reseller"#,
    ] {
        let Ok(Line::Command(inv)) = parse_line(line) else {
            panic!("not a command: {line}");
        };
        dispatch(&app, &ctx, &inv).await.unwrap();
    }
    (dir, app, ctx)
}

/// Import `rows` (after the evidence header): (added, unchanged).
async fn import(app: &App, ctx: &Ctx, rows: &[&str]) -> (u64, u64) {
    let csv = format!(
        "partner,trait,met,value,source,note,observed\n{}\n",
        rows.join("\n")
    );
    let hidden = ProgressBar::hidden();
    let opts = Options {
        kind: ImportKind::Evidence,
        file: "e.csv".into(),
        dry_run: false,
        by: ctx.author(),
        allow_similar: false,
        confirm_similar: "--allow-similar-names",
        progress: &hidden,
    };
    let r = run(app, &ctx.workspace, &opts, csv.as_bytes())
        .await
        .unwrap();
    assert!(r.imported, "{:?}", r.errors);
    (r.added, r.unchanged)
}

#[tokio::test]
async fn stored_records_matched_before_a_forgetting_stay_matched() {
    let (_dir, app, ctx) = workspace().await;
    let a10 = "Acme,Overlap,,10,r,,2026-01-01";
    let (b20, a30) = (
        "Bolt,Overlap,,20,r,,2026-01-02",
        "Acme,Overlap,,30,r,,2026-01-03",
    );
    let (b40, b50) = (
        "Bolt,Overlap,,40,r,,2026-01-04",
        "Bolt,Overlap,,50,r,,2026-01-05",
    );
    // Nothing stored yet: all six are new, A10 twice.
    assert_eq!(
        import(&app, &ctx, &[a10, a10, b20, a30, b40, b50]).await,
        (6, 0)
    );
    // Batches [A10 B20 A30] [A10 A10 B40] [B50]. The first matches one A10 of the two stored, B20 and A30; its
    // keys (3) and the A10 left unmatched (1) reach the cap, so the second batch looks its keys up again: two
    // A10 stored, one matched already, so one of its two A10 rows is a third record; B40 and B50 are there.
    let file = [a10, b20, a30, a10, a10, b40, b50];
    assert_eq!(import(&app, &ctx, &file).await, (1, 6));
    // Now three A10 are stored: the same file finds all seven, across the same forgetting.
    assert_eq!(import(&app, &ctx, &file).await, (0, 7));
}

/// The row loop yields once [`YIELD_AFTER`] (10 ms) has passed since it started or last yielded, looking at the
/// clock only at every [`CLOCK_EVERY`]-th (16th) row.
#[test]
fn the_row_loop_yields_by_time_looking_at_the_clock_every_16_rows() {
    use std::time::{Duration, Instant};
    let ms = Duration::from_millis;
    let unread = || -> Instant { panic!("the clock is read only every 16 rows") };
    let t0 = Instant::now();
    let mut pacer = Pacer::new(t0);
    // Rows 1-15: the clock is not read. Row 16: 9 ms in, not yet.
    for _ in 1..=15 {
        assert!(!pacer.due(unread));
    }
    assert!(!pacer.due(|| t0 + ms(9)));
    // Rows 17-31 unread; row 32: 10 ms in, time to yield.
    for _ in 17..=31 {
        assert!(!pacer.due(unread));
    }
    assert!(pacer.due(|| t0 + ms(10)));
    // The worker came back at 12 ms: the next slice counts from there. Row 48 (21 ms, 9 ms into the slice): not
    // yet; row 64 (22 ms, 10 ms into it): yield.
    pacer.restart(t0 + ms(12));
    for _ in 33..=47 {
        assert!(!pacer.due(unread));
    }
    assert!(!pacer.due(|| t0 + ms(21)));
    for _ in 49..=63 {
        assert!(!pacer.due(unread));
    }
    assert!(pacer.due(|| t0 + ms(22)));
}
