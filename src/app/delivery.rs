//! At most once per chat event: before an adapter handles an event that may record something or answer, it
//! asks [`first_delivery`], which takes the event's id in the database. Two processes running the same
//! Discord shard both receive every interaction; only the one that took the id records and answers it. The
//! statement that takes the id also reads the workspace's settings, which every command needs first (the
//! caller's role): fresh for each event, so a role changed by another process counts from the next one.
//! Ids older than a day are deleted by [`forget_old_events`], which the scheduler runs every
//! [`FORGET_EVERY`], off the path of any event.

use super::{App, Settings};

/// How long taken ids are kept: platforms redeliver within minutes.
pub const REMEMBER: chrono::Duration = chrono::Duration::hours(24);
/// How often the scheduler deletes the ids older than [`REMEMBER`] (one `DELETE` that reads the table, at most a
/// day of ids: the table has no index by time, so that each event's insert writes one B-tree).
pub const FORGET_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How long taking an id may wait (for a connection, or a lock) before the event is handled without it, so an
/// unreachable database still gets its apology within Discord's three seconds (the command waits 2 s more).
const TAKE_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

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
        Ok(Some(settings)) => Delivery::First(Some(Settings::from_row(settings))),
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

/// Delete the ids taken more than [`REMEMBER`] before now (by the app's clock); answers how many. The
/// scheduler runs it every [`FORGET_EVERY`]: an event's own path only inserts its id.
pub async fn forget_old_events(app: &App) -> crate::store::Result<u64> {
    app.store.forget_events_before(app.now() - REMEMBER).await
}
