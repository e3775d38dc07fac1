//! Our errors on their way to a user are logged, once, with their cause — on every path that answers one,
//! since the apology says "it has been logged": a command, a list's page, a screen or evidence button, the
//! evidence form sent, a question, and the settings a chat caller's role is read from. The database is closed
//! under the app to make them; the log is captured in-process.

use crate::support::{utc, TestApp};
use partnerfit::app::lists::{self, ListId};
use partnerfit::app::{self, AppError, Invocation, APOLOGY};
use partnerfit::domain::Role;
use std::io;
use std::sync::{Arc, Mutex};

/// What is logged on this thread while the guard of [`Captured::start`] lives.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Capture what is logged on this thread (a `#[tokio::test]` runs on one), as the bot writes it: text,
    /// with span and event fields.
    fn start() -> (Captured, tracing::subscriber::DefaultGuard) {
        let c = Captured::default();
        let w = c.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || w.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (c, tracing::subscriber::set_default(subscriber))
    }

    /// What was logged since the last call.
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

/// The partner's name: user text, never logged.
const NAME: &str = "Secret Name Co";

/// `e` is ours, its user sees the apology, and the log since the last check holds one error line naming
/// `command`, the workspace and the role, with the cause (the closed pool) and without the user's words.
fn logged_once(log: &Captured, path: &str, command: &str, e: AppError) {
    assert!(matches!(e, AppError::Internal(_)), "{path}: {e}");
    assert_eq!(e.user_message(), APOLOGY, "{path}");
    let text = log.take();
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert_eq!(errors.len(), 1, "{path}: logged once\n{text}");
    let line = errors[0];
    for field in [command, "workspace=local", "role=lead"] {
        assert!(line.contains(field), "{path}: {field}\n{text}");
    }
    assert!(text.contains("closed pool"), "{path}: the cause\n{text}");
    assert!(!text.contains(NAME), "{path}: the user's words\n{text}");
}

#[tokio::test]
async fn every_internal_error_a_user_is_shown_is_logged_once_with_its_cause() {
    let t = TestApp::new(utc(2026, 3, 2, 9, 0)).await;
    t.ok(r#"/profile create type:reseller name:"Resellers""#)
        .await;
    t.ok(r#"/profile trait add type:reseller name:"Deal registration""#)
        .await;
    let added = t
        .ok(&format!(r#"/partner add name:"{NAME}" type:reseller"#))
        .await;
    let partner = added["id"].as_i64().unwrap();
    let trait_id = *t
        .app
        .store
        .trait_names_by_id("local")
        .await
        .unwrap()
        .keys()
        .next()
        .unwrap();
    let ctx = t.ctx("local", "ana", Role::Lead);
    let (log, _guard) = Captured::start();
    t.app.store.close().await;
    log.take();

    let a = &t.app;
    let roster = ListId::Roster {
        partner_type: None,
        stage: None,
        verdict: None,
    };
    let e = app::dispatch(a, &ctx, &Invocation::new(&["partner", "list"])).await;
    logged_once(&log, "a command", "partner list", e.unwrap_err());
    let e = lists::page(a, &ctx, roster, 1).await;
    logged_once(&log, "a roster page", "partner list", e.unwrap_err());
    let e = lists::page(a, &ctx, ListId::Evidence { partner }, 0).await;
    logged_once(&log, "an evidence page", "evidence list", e.unwrap_err());
    let e = app::screen::screen_by_id(a, &ctx, partner).await;
    logged_once(&log, "a screen button", "screen", e.unwrap_err());
    let e = app::evidence::form(a, &ctx, partner, trait_id).await;
    logged_once(&log, "an evidence button", "evidence add", e.unwrap_err());
    let fields = [("met".to_string(), "yes".to_string())];
    let e = app::evidence::submit_form(a, &ctx, partner, trait_id, &fields).await;
    logged_once(&log, "an evidence form", "evidence add", e.unwrap_err());
    let e = app::answer_question(a, &ctx, &format!("does {NAME} fit?")).await;
    logged_once(&log, "a question", "question", e.unwrap_err());

    // The settings a chat caller's role is judged by, read before any command: no command, no role yet.
    let e = a.caller_settings("local").await.unwrap_err();
    assert!(matches!(e, AppError::Internal(_)), "{e}");
    let text = log.take();
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0].contains("workspace=local"), "{text}");
    assert!(text.contains("closed pool"), "{text}");
}

/// A write that meets another connection's write lock and gives up waiting for it (here at once: busy timeout
/// 0, where the store's connections wait 15 s) is `StoreError::Busy`, the user's to retry, not our error: the
/// message says so instead of the apology.
#[tokio::test]
async fn busy_is_told_not_apologised_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let store = partnerfit::store::Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut conn = store.pool().acquire().await.unwrap().detach();
    use sqlx::{Connection, Executor};
    conn.execute("PRAGMA busy_timeout = 0").await.unwrap();
    let e = conn
        .execute("CREATE TABLE busy_probe (x INTEGER)")
        .await
        .unwrap_err();
    let e = AppError::from(partnerfit::store::StoreError::from(e));
    assert!(matches!(e, AppError::User(_)), "{e:?}");
    assert_eq!(e.user_message(), app::DATABASE_BUSY);
    holder.execute_batch("ROLLBACK").unwrap();
    conn.close().await.unwrap();
    store.close().await;
}
