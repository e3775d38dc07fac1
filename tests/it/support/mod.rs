//! Shared test support: an app over a fresh database with a clock the test controls, and a console driver.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use partnerfit::app::{App, Clock, Ctx};
use partnerfit::domain::Role;
use partnerfit::store::Store;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// A clock the test sets.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(t)))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut g = self.0.lock().unwrap();
        *g += d;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A fresh database (SQLite by default, or PostgreSQL) and an app over it.
pub struct TestApp {
    pub app: App,
    pub clock: Arc<TestClock>,
    pub url: String,
    /// Last: the database is deleted after the app is gone.
    pub db: TestDb,
}

impl TestApp {
    /// On a temporary SQLite file.
    pub async fn new(now: DateTime<Utc>) -> TestApp {
        TestApp::on(Db::Sqlite, now).await
    }

    /// On a fresh database of `backend`.
    pub async fn on(backend: Db, now: DateTime<Utc>) -> TestApp {
        let db = TestDb::new(backend).await;
        let store = Store::open(&db.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.url));
        let clock = TestClock::at(now);
        let app = App::new(store, clock.clone());
        TestApp {
            app,
            clock,
            url: db.url.clone(),
            db,
        }
    }

    pub fn ctx(&self, ws: &str, user: &str, role: Role) -> Ctx {
        Ctx {
            workspace: ws.into(),
            user: user.into(),
            role,
            channel_id: None,
        }
    }

    /// Run one console line as a lead `ana` in workspace `local` and return its JSON object.
    pub async fn lead(&self, line: &str) -> Value {
        self.run(&self.ctx("local", "ana", Role::Lead), line).await
    }

    pub async fn run(&self, ctx: &Ctx, line: &str) -> Value {
        partnerfit::console::handle_line(&self.app, ctx, line)
            .await
            .map(|o| o.to_json())
            .unwrap_or(Value::Null)
    }

    /// Run a line that must succeed; returns its reply.
    pub async fn ok(&self, line: &str) -> Value {
        let v = self.lead(line).await;
        assert_eq!(v["ok"], true, "{line} -> {v}");
        v["reply"].clone()
    }

    /// Run a line that must fail; returns the error text.
    pub async fn err(&self, line: &str) -> String {
        let v = self.lead(line).await;
        assert_eq!(v["ok"], false, "{line} -> {v}");
        v["error"].as_str().unwrap().to_string()
    }

    /// `/import what:WHAT` of the CSV file `bytes` (attached as `WHAT.csv`) as `ctx`, with the more `options`
    /// given (`dry_run`, `allow_similar`): the reply's JSON, or the words of the refusal.
    pub async fn import(
        &self,
        ctx: &Ctx,
        what: &str,
        bytes: &[u8],
        options: &[(&str, &str)],
    ) -> Result<Value, String> {
        let mut inv = partnerfit::app::Invocation::new(&["import"]).with("what", what);
        for (name, value) in options {
            inv = inv.with(name, *value);
        }
        inv.args.insert(
            "file".into(),
            partnerfit::app::ArgValue::File {
                name: format!("{what}.csv"),
                bytes: bytes.to_vec(),
            },
        );
        partnerfit::app::dispatch(&self.app, ctx, &inv)
            .await
            .map(|r| r.json())
            .map_err(|e| e.user_message())
    }
}

pub mod bot;
pub mod db;
pub mod fake_discord;
pub mod fake_slack;
pub mod http;
pub mod ipp;
pub mod prom;
pub mod proxy;
pub mod scenario;
pub mod slack_bot;
pub mod two_bots;

pub use db::{Db, TestDb};

/// `partnerfit --database URL ARGS…`: its stdout, after checking it exited 0.
pub fn partnerfit(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .arg("--database")
        .arg(url)
        .args(args)
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "partnerfit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
