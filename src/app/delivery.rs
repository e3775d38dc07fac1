//! At most once per chat event: before an adapter handles an event that may record something or answer, it
//! asks [`first_delivery`], which takes the event's id in the database. Two processes running the same
//! Discord shard both receive every interaction; only the one that took the id records and answers it. The
//! statement that takes the id also reads the workspace's settings, which every command needs first (the
//! caller's role): fresh for each event, so a role changed by another process counts from the next one.

use super::{App, Settings};
use std::sync::atomic::{AtomicU64, Ordering};

/// How long taken ids are kept: platforms redeliver within minutes.
const REMEMBER: chrono::Duration = chrono::Duration::hours(24);
/// Old ids are deleted once every this many first deliveries (one short indexed `DELETE`).
const FORGET_EVERY: u64 = 1000;

/// How long taking an id may wait (for a connection, or a lock) before the event is handled without it, so an
/// unreachable database still gets its apology within Discord's three seconds (the command waits 2 s more).
const TAKE_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

static TAKEN: AtomicU64 = AtomicU64::new(0);

/// What [`first_delivery`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The event is this process's to handle. With the workspace's settings as they were when its id was
    /// taken (read by the same statement), or None when they could not be read with it (the database is away
    /// or jammed: the handler then reads them itself and meets the same database).
    First(Option<Settings>),
    /// Another process, or an earlier delivery of it, took the event: drop it.
    Repeat,
}

/// Whether this process should handle the event `key` (a platform-prefixed id, e.g. `discord:<id>`) of
/// workspace `ws`: [`Delivery::First`] the first time it is seen by any process on this database, with the
/// workspace's settings; [`Delivery::Repeat`] for a repeat. When the database cannot say within half a second
/// (it is away), [`Delivery::First`] without settings: the command then meets the same database and answers
/// why.
pub async fn first_delivery(app: &App, key: &str, ws: &str) -> Delivery {
    let now = app.now();
    let taken = tokio::time::timeout(TAKE_WITHIN, app.store.take_event(key, ws, now)).await;
    let Ok(taken) = taken else {
        // The database is away or jammed: the command meets it next and answers within Discord's 3 s.
        tracing::warn!(
            event = key,
            "could not record the event id in time; handling it anyway"
        );
        return Delivery::First(None);
    };
    match taken {
        Ok(Some(settings)) => {
            if TAKEN.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
                if let Err(e) = app.store.forget_events_before(now - REMEMBER).await {
                    tracing::warn!(error = %e, "could not forget old event ids");
                }
            }
            Delivery::First(Some(Settings::from_row(settings)))
        }
        Ok(None) => {
            tracing::info!(
                event = key,
                "event already taken by another process; dropped"
            );
            Delivery::Repeat
        }
        Err(e) => {
            tracing::warn!(error = %e, event = key, "could not record the event id; handling it anyway");
            Delivery::First(None)
        }
    }
}
