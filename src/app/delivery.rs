//! At most once per chat event: before an adapter handles an event that may record something or answer, it
//! asks [`first_delivery`], which takes the event's id in the database. Two processes running the same
//! Discord shard both receive every interaction; only the one that took the id records and answers it. The
//! statement that takes the id also reads the workspace's settings, which every command needs first (the
//! caller's role): fresh for each event, so a role changed by another process counts from the next one.
//! When the database cannot say in time, whether the event is this process's is [`Delivery::Unconfirmed`]:
//! the adapter then lets the platform decide before it records anything (on Discord, the interaction's single
//! initial response, which only one process can send).
//! Ids older than a day are deleted by [`forget_old_events`], which the scheduler runs every
//! [`FORGET_EVERY`], off the path of any event.

use super::{App, Settings};
use crate::store::StoreError;

/// How long taken ids are kept: platforms redeliver within minutes.
pub const REMEMBER: chrono::Duration = chrono::Duration::hours(24);
/// How often the scheduler deletes the ids older than [`REMEMBER`] (one `DELETE` that reads the table, at most a
/// day of ids: the table has no index by time, so that each event's insert writes one B-tree).
pub const FORGET_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How long taking an id may wait (for a connection, or a lock) before the event is [`Delivery::Unconfirmed`],
/// so an unreachable database still gets its apology within Discord's three seconds (the command waits 2 s
/// more).
const TAKE_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

/// What [`first_delivery`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The event is this process's to handle: its id was taken here. With the workspace's settings as they
    /// were then (read by the same statement).
    First(Settings),
    /// Whether the event is this process's is not known: taking its id timed out or failed (the database is
    /// away or jammed). Another process on the same shard may be handling it too, so the adapter handles it
    /// only once something else made it this process's (Discord accepting its initial response), or when
    /// handling it twice records nothing. The settings were not read: the handler reads them itself and meets
    /// the same database.
    Unconfirmed,
    /// The database refuses every write (its disk is full, or its file cannot be written): the event is handled
    /// at once, as the first — no process on this database can record it, so none can record it twice; its
    /// reads are answered, and a write it tries is refused with the reason. The settings were not read.
    Unwritable,
    /// Another process, or an earlier delivery of it, took the event: drop it.
    Repeat,
}

/// Whether this process should handle the event `key` (a platform-prefixed id, e.g. `discord:<id>`) of
/// workspace `ws`: [`Delivery::First`] the first time it is seen by any process on this database, with the
/// workspace's settings; [`Delivery::Repeat`] for a repeat. When the database cannot say within half a second
/// (it is away, or jammed), [`Delivery::Unconfirmed`]; when it refuses to write the id (a full disk, a file that
/// cannot be written), [`Delivery::Unwritable`].
pub async fn first_delivery(app: &App, key: &str, ws: &str) -> Delivery {
    let now = app.now();
    let taken = tokio::time::timeout(TAKE_WITHIN, app.store.take_event(key, ws, now)).await;
    let Ok(taken) = taken else {
        // The database is away or jammed: the command meets it next and answers within Discord's 3 s.
        tracing::warn!(
            event = key,
            "could not record the event id in time; handling it unless another process does"
        );
        return Delivery::Unconfirmed;
    };
    match taken {
        Ok(Some(settings)) => Delivery::First(Settings::from_row(settings)),
        Ok(None) => {
            tracing::info!(
                event = key,
                "event already taken by another process; dropped"
            );
            Delivery::Repeat
        }
        Err(e @ (StoreError::Full(_) | StoreError::Unwritable(_))) => {
            tracing::warn!(
                error = %e,
                event = key,
                "could not record the event id: the database refuses writes; handling it"
            );
            Delivery::Unwritable
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                event = key,
                "could not record the event id; handling it unless another process does"
            );
            Delivery::Unconfirmed
        }
    }
}

/// Delete the ids taken more than [`REMEMBER`] before now (by the app's clock); answers how many. The
/// scheduler runs it every [`FORGET_EVERY`]: an event's own path only inserts its id.
pub async fn forget_old_events(app: &App) -> crate::store::Result<u64> {
    app.store.forget_events_before(app.now() - REMEMBER).await
}
