//! The operations listener of `partnerfit run` (off unless `[http] listen` is set): `GET /healthz` (the
//! runtime answers), `GET /readyz` (the database answers, every gateway shard of this process is connected
//! and, when it runs Slack, its Socket Mode connection is up, the slash commands are registered, and the
//! process is not stopping), `GET /metrics`
//! (Prometheus text), 404 for anything else. It is served from the moment it is bound, while the database is
//! still being opened and migrated (`/readyz` then says the database is starting). It is an adapter like the
//! chat ones: it reads the process's state through [`ServiceStatus`] and the app, never through another
//! adapter.
//!
//! It must not disturb the bot, whoever connects: at most [`MAX_CONNECTIONS`] connections are served at once
//! (the rest wait in the kernel's backlog), a request's headers must arrive within [`HEADER_TIMEOUT`] and fit
//! in [`MAX_HEADER_BYTES`], a connection lives at most [`CONNECTION_TIMEOUT`], and the database is asked at
//! most once per [`DB_CHECK_TTL`] however often `/readyz` is called.

use crate::app::App;
use crate::config::ConfigError;
use crate::service::metrics::{self, Exporter};
use crate::service::ServiceStatus;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a connection is kept, busy or idle.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// The most a request's head may weigh (larger: 431).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long one answer of the database serves `/readyz`.
pub const DB_CHECK_TTL: Duration = Duration::from_secs(1);
/// How long the database may take to answer the readiness check.
const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Bind the listener now, so that a port in use stops `partnerfit run` before it connects anywhere.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ConfigError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the port is in use: stop what holds it or choose another [http] listen".to_string()
            }
            std::io::ErrorKind::AddrNotAvailable => {
                "no interface of this machine has that address: use 127.0.0.1 or one of its own"
                    .into()
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied: ports below 1024 need privileges; choose a higher one".into()
            }
            _ => e.to_string().replace('\n', " "),
        };
        ConfigError(format!("cannot listen on {addr}: {why}"))
    })
}

/// What the listener reads.
#[derive(Clone)]
pub struct Ops {
    /// Set once the database is open and migrated ([`Ops::database_open`]).
    app: Arc<std::sync::OnceLock<App>>,
    pub status: Arc<ServiceStatus>,
    pub exporter: Exporter,
    /// The database URL, so that an error naming it is shown without its password.
    pub database_url: String,
    db: Arc<tokio::sync::Mutex<Option<DbAnswer>>>,
}

/// When the database was last asked, and its answer (the error in one line).
type DbAnswer = (Instant, Result<(), String>);

impl Ops {
    /// What the listener reads, before the database is open: until [`Ops::database_open`], `/readyz` answers
    /// 503 with the database starting.
    pub fn new(status: Arc<ServiceStatus>, exporter: Exporter, database_url: &str) -> Ops {
        Ops {
            app: Arc::default(),
            status,
            exporter,
            database_url: database_url.to_string(),
            db: Arc::default(),
        }
    }

    /// The database is open and migrated: `/readyz` asks it from now on (the first call counts).
    pub fn database_open(&self, app: App) {
        if self.app.set(app).is_err() {
            tracing::warn!(
                "the operations listener was given the database twice: the first is kept"
            );
        }
    }

    /// Whether the database answers: one query at a time, its answer reused for [`DB_CHECK_TTL`]. None while
    /// it is not open yet.
    async fn database(&self) -> Option<Result<(), String>> {
        let app = self.app.get()?;
        let mut last = self.db.lock().await;
        if let Some((at, r)) = &*last {
            if at.elapsed() < DB_CHECK_TTL {
                return Some(r.clone());
            }
        }
        let r = match tokio::time::timeout(DB_CHECK_TIMEOUT, app.database_answers()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(crate::config::redact_error(
                &internal_cause(&e),
                &self.database_url,
            )),
            Err(_) => Err(format!("no answer within {} s", DB_CHECK_TIMEOUT.as_secs())),
        };
        *last = Some((Instant::now(), r.clone()));
        Some(r)
    }
}

/// The routes.
pub fn router(ops: Ops) -> Router {
    let not_found = || async { (StatusCode::NOT_FOUND, "not found\n") };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(ops)
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

async fn readyz(State(ops): State<Ops>) -> Response {
    // The database first (it awaits), then every other part read at once, so that `ready` agrees with the
    // parts the body shows.
    let db = ops.database().await;
    let shards: Vec<_> = ops
        .status
        .shards()
        .into_iter()
        .map(|(id, s)| {
            json!({
                "shard": id,
                "connected": s.connected,
                "latency_ms": s.latency.map(|l| l.as_secs_f64() * 1000.0),
            })
        })
        .collect();
    let gateway = shards.iter().all(|s| s["connected"] == true);
    let slack = ops.status.slack_connected();
    let stopping = ops.status.is_stopping();
    let commands_registered = ops.status.commands_registered();
    // Up as systemd's READY=1 counts it (every connection, the slash commands registered), the database
    // answering, not stopping.
    let ready = gateway
        && slack != Some(false)
        && commands_registered
        && matches!(db, Some(Ok(())))
        && !stopping;
    let database = match &db {
        Some(Ok(())) => json!({"ok": true}),
        Some(Err(e)) => json!({"ok": false, "error": e}),
        // Being opened and migrated.
        None => json!({"ok": false, "starting": true}),
    };
    let body = json!({
        "ready": ready,
        // From the stop signal on: the process finishes what is in flight and takes nothing new.
        "stopping": stopping,
        "database": database,
        "gateway": {"connected": gateway, "shards": shards},
        // null when this process does not run Slack
        "slack": slack.map(|up| json!({"connected": up})),
        "commands_registered": commands_registered,
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn scrape(State(ops): State<Ops>) -> Response {
    if let Some(app) = ops.app.get() {
        app.evict_idle();
        let (idle, busy) = app.pool_connections();
        metrics::db_pool(idle, busy);
        metrics::evidence_cache(app.evidence_records());
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ops.exporter.render(),
    )
        .into_response()
}

/// Serve `listener` until the process ends.
pub fn spawn(listener: TcpListener, ops: Ops) -> tokio::task::JoinHandle<()> {
    let router = router(ops);
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    }
    tokio::spawn(async move {
        loop {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // e.g. out of file descriptors: wait a little rather than spin.
                    tracing::warn!(error = %e, "the operations listener could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let service = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(MAX_HEADER_BYTES)
                    .serve_connection(TokioIo::new(stream), service);
                let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
                drop(permit);
            });
        }
    })
}

/// The cause of a failed check, not the apology a user would see.
fn internal_cause(e: &crate::app::AppError) -> String {
    match e {
        crate::app::AppError::Internal(cause) => format!("{cause:#}"),
        other => other.to_string(),
    }
}
