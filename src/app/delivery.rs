//! At most once per chat event: before an adapter handles an event that may record something or answer, it
//! asks [`first_delivery`], which takes the event's id in the database. Two processes running the same
//! Discord shard both receive every interaction; only the one that took the id records and answers it.

use super::App;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long taken ids are kept: platforms redeliver within minutes.
const REMEMBER: chrono::Duration = chrono::Duration::hours(24);
/// Old ids are deleted once every this many first deliveries (one short indexed `DELETE`).
const FORGET_EVERY: u64 = 1000;

/// How long taking an id may wait (for a connection, or a lock) before the event is handled without it, so an
/// unreachable database still gets its apology within Discord's three seconds (the command waits 2 s more).
const TAKE_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

static TAKEN: AtomicU64 = AtomicU64::new(0);

/// Whether this process should handle the event `key` (a platform-prefixed id, e.g. `discord:<id>`) of
/// workspace `ws`: true the first time it is seen by any process on this database, false for a repeat. When the
/// database cannot say within half a second (it is away), true: the command then meets the same database and
/// answers why.
pub async fn first_delivery(app: &App, key: &str, ws: &str) -> bool {
    let now = app.now();
    let taken = tokio::time::timeout(TAKE_WITHIN, app.store.take_event(key, ws, now)).await;
    let Ok(taken) = taken else {
        // The database is away or jammed: the command meets it next and answers within Discord's 3 s.
        tracing::warn!(
            event = key,
            "could not record the event id in time; handling it anyway"
        );
        return true;
    };
    match taken {
        Ok(true) => {
            if TAKEN.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
                if let Err(e) = app.store.forget_events_before(now - REMEMBER).await {
                    tracing::warn!(error = %e, "could not forget old event ids");
                }
            }
            true
        }
        Ok(false) => {
            tracing::info!(
                event = key,
                "event already taken by another process; dropped"
            );
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, event = key, "could not record the event id; handling it anyway");
            true
        }
    }
}
