//! Prepare (and optionally time) a large CSV import: 10,000 partners, a 100,000-row evidence file, and
//! optionally many evidence records already in the database (to measure duplicate detection).
//!
//! ```text
//! cargo build --release --example transfer_bench --bin partnerfit
//! target/release/examples/transfer_bench /tmp/bench --existing 500000
//! /usr/bin/time -v target/release/partnerfit --database sqlite:///tmp/bench/bench.db \
//!     import evidence /tmp/bench/evidence.csv
//! ```
//!
//! With `--run`, the example also times the import itself (in-process, so peak RSS includes the set-up).

use partnerfit::app::transfer::ImportFile;
use partnerfit::app::{App, Clock, Ctx, SystemClock};
use partnerfit::domain::Role;
use partnerfit::store::Store;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const PARTNERS: usize = 10_000;
const ROWS: usize = 100_000;

const RESELLER_TRAITS: [(&str, bool); 5] = [
    ("Deal registration", false),
    ("Customer overlap", true),
    ("Named champion", false),
    ("Co-sell deals", true),
    ("Certified engineers", true),
];
const SI_TRAITS: [(&str, bool); 3] = [
    ("Implementation bench", true),
    ("Named champion", false),
    ("Joint reference customer", false),
];

fn partner_name(i: usize) -> String {
    format!("Partner {i:05} GmbH")
}

fn is_si(i: usize) -> bool {
    i % 4 == 3
}

/// `rows` evidence rows; `salt` makes files of different runs distinct records.
fn write_evidence(path: &Path, rows: usize, salt: usize) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "partner,trait,met,value,source,note,observed")?;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    for r in 0..rows {
        let i = r % PARTNERS;
        let k = r / PARTNERS + salt;
        let traits: &[(&str, bool)] = if is_si(i) {
            &SI_TRAITS
        } else {
            &RESELLER_TRAITS
        };
        let (name, threshold) = traits[(r / 7 + k) % traits.len()];
        let (met, value) = if threshold {
            (String::new(), ((i * 31 + k * 17) % 60).to_string())
        } else {
            (((i + k) % 3 != 0).to_string(), String::new())
        };
        let observed = start + chrono::Duration::days(((i * 7 + k * 13) % 1000) as i64);
        let note = if r % 5 == 0 {
            format!("\"bench note {k}, with a comma\"")
        } else {
            String::new()
        };
        writeln!(
            w,
            "{},{name},{met},{value},overlap report #{k},{note},{observed}",
            partner_name(i)
        )?;
    }
    w.flush()
}

fn write_partners(path: &Path) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        w,
        "name,type,stage,signed,dropped,drop_reason,champion,note"
    )?;
    for i in 0..PARTNERS {
        let ty = if is_si(i) { "si" } else { "reseller" };
        let (stage, signed) = if i % 3 == 0 {
            ("signed", "2025-06-01")
        } else {
            ("prospect", "")
        };
        writeln!(w, "{},{ty},{stage},{signed},,,,", partner_name(i))?;
    }
    w.flush()
}

async fn import(app: &App, what: &str, file: &Path) -> anyhow::Result<()> {
    let args = ImportFile {
        what: what.parse()?,
        path: file.to_path_buf(),
        dry_run: false,
        user: "bench".into(),
        allow_similar: false,
    };
    partnerfit::app::transfer::import_cli(app, "local", &args)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "bench".into()));
    let mut existing = 0usize;
    let mut run = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--existing" => existing = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "--run" => run = true,
            other => anyhow::bail!("unknown argument {other}: use DIR [--existing N] [--run]"),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let url = format!("sqlite://{}", db.display());
    let store = Store::open(&url).await?;
    let app = App::new(store, Arc::new(SystemClock) as Arc<dyn Clock>);
    let ctx = Ctx {
        workspace: "local".into(),
        user: "bench".into(),
        role: Role::Lead,
        channel_id: None,
    };
    let mut lines = vec![
        r#"/profile create type:reseller name:"Resellers""#.to_string(),
        r#"/profile create type:si name:"SIs""#.to_string(),
    ];
    for (ty, traits) in [("reseller", &RESELLER_TRAITS[..]), ("si", &SI_TRAITS[..])] {
        for (name, threshold) in traits {
            let bound = if *threshold { " min:5" } else { "" };
            lines.push(format!(
                r#"/profile trait add type:{ty} name:"{name}" verify_by:"call"{bound}"#
            ));
        }
    }
    for l in &lines {
        match partnerfit::console::handle_line(&app, &ctx, l).await {
            Some(o) if o.result.is_err() => anyhow::bail!("{l}: {:?}", o.result),
            _ => {}
        }
    }
    let partners = dir.join("partners.csv");
    write_partners(&partners)?;
    import(&app, "partners", &partners).await?;
    if existing > 0 {
        let seed = dir.join("existing.csv");
        write_evidence(&seed, existing, 1_000)?;
        let t = Instant::now();
        import(&app, "evidence", &seed).await?;
        eprintln!(
            "seeded {existing} existing evidence records in {:.2?}",
            t.elapsed()
        );
    }
    let file = dir.join("evidence.csv");
    write_evidence(&file, ROWS, 0)?;
    eprintln!(
        "ready: {PARTNERS} partners, {existing} evidence records, {} ({} bytes)",
        file.display(),
        std::fs::metadata(&file)?.len()
    );
    if run {
        let t = Instant::now();
        import(&app, "evidence", &file).await?;
        eprintln!("imported {ROWS} evidence rows in {:.2?}", t.elapsed());
    }
    app.store.close().await;
    Ok(())
}
