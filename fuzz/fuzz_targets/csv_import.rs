//! Fuzz the CSV import end to end (parsing, validation, the all-or-nothing transaction) on a seeded
//! workspace: any file must give a summary or a user error — never a panic, never an internal error — and a
//! refused file must leave the database as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnerfit::app::{dispatch, App, AppError, ArgValue, Clock, Ctx, Invocation};
use partnerfit::domain::Role;
use partnerfit::store::Store;
use std::sync::{Arc, OnceLock};

#[derive(Debug)]
struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").map(|t| t.to_utc()).unwrap_or_default()
    }
}

struct World {
    rt: tokio::runtime::Runtime,
    app: App,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let app = rt.block_on(async {
            let store = Store::open(&url).await.expect("store");
            let app = App::new(store, Arc::new(Fixed));
            let ctx = ctx();
            for line in [
                r#"/profile create type:reseller name:"Resellers""#,
                r#"/profile trait add type:reseller name:"Deal registration""#,
                r#"/profile trait add type:reseller name:"Customer overlap" min:25"#,
                r#"/partner add name:"Acme Corp" type:reseller"#,
            ] {
                let _ = partnerfit::console::handle_line(&app, &ctx, line).await;
            }
            app
        });
        World { rt, app, _dir: dir }
    })
}

fn ctx() -> Ctx {
    Ctx { workspace: "fuzz".into(), user: "fuzzer".into(), role: Role::Lead, channel_id: None }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let what = ["partners", "evidence", "allocations", "outcomes"][usize::from(selector % 4)];
    let dry_run = selector & 4 != 0;
    let w = world();
    let mut inv = Invocation::new(&["import"]).with("what", what).with("dry_run", dry_run.to_string());
    inv.args.insert("file".into(), ArgValue::File { name: "fuzz.csv".into(), bytes: bytes.to_vec() });
    w.rt.block_on(async {
        let before = w.app.store.snapshot(Some("fuzz")).await.expect("snapshot");
        match dispatch(&w.app, &ctx(), &inv).await {
            Ok(_) => {}
            Err(AppError::User(_)) => {
                let after = w.app.store.snapshot(Some("fuzz")).await.expect("snapshot");
                assert!(before == after, "a refused import changed the database");
            }
            Err(AppError::Internal(e)) => panic!("internal error on a user file: {e:#}"),
        }
        if dry_run {
            let after = w.app.store.snapshot(Some("fuzz")).await.expect("snapshot");
            assert!(before == after, "a dry run changed the database");
        }
    });
});
