//! At most once per chat event: before an adapter handles an event that may record something or answer, it
//! asks [`first_delivery`], which takes the event's id in the database. Two processes running the same
//! Discord shard both receive every interaction; only the one that took the id records and answers it. The
//! statement that takes the id also reads the workspace's settings, which every command needs first (the
//! caller's role): fresh for each event, so a role changed by another process counts from the next one.
//! When the database cannot say in time, whether the event is this process's is [`Delivery::Unconfirmed`]:
//! the adapter then lets the platform decide before it records anything (on Discord, the interaction's single
//! initial response, which only one process can send), then asks [`holds`]: after the initial response is
//! decided, the delivery that holds the event's id in the database (its take, or one that timed out and
//! committed after all) handles it, and any other drops it. Each delivery has an owner token of its own
//! (the process's random id and a counter, [`crate::store::Store::next_event_owner`]), written with the id it
//! takes: one process given the same event twice tells its two deliveries apart.
//! Ids older than a day are deleted by [`forget_old_events`], which the scheduler runs every
//! [`FORGET_EVERY`], off the path of any event.

use super::{App, Settings};
use crate::store::{Held, StoreError};

/// How long taken ids are kept: platforms redeliver within minutes.
pub const REMEMBER: chrono::Duration = chrono::Duration::hours(24);
/// How often the scheduler deletes the ids older than [`REMEMBER`] (one `DELETE` that reads the table, at most a
/// day of ids: the table has no index by time, so that each event's insert writes one B-tree).
pub const FORGET_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How long taking an id may wait (for a connection, or a lock) before the event is [`Delivery::Unconfirmed`],
/// so an unreachable database still gets its apology within Discord's three seconds (the command waits 2 s
/// more).
const TAKE_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

/// How long [`holds`] waits in all for the database to say who holds an id (one question at a time, asked again
/// only after one that failed): longer than SQLite's busy timeout (15 s), so that a question waiting behind a
/// jammed writer is answered, and finds this delivery's own take that committed late. It is asked after a
/// deferral, when Discord gives the answer 15 minutes: the bound only keeps an interaction from waiting forever.
const HOLD_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// The wait after [`holds`]'s first question that failed; doubled after each, up to [`HOLD_BACKOFF_MAX`].
const HOLD_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);

/// The longest wait between two of [`holds`]'s questions.
const HOLD_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(4);

/// What [`first_delivery`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The event is this process's to handle: its id was taken here. With the workspace's settings as they
    /// were then (read by the same statement).
    First(Settings),
    /// Whether the event is this process's is not known: taking its id timed out or failed (the database is
    /// away or jammed), and a take that timed out may still commit. Another process on the same shard may be
    /// handling it too, so the adapter first settles the platform's initial response (on Discord, a deferral),
    /// then handles it only when [`holds`] says the id is this delivery's (or, when the database cannot say,
    /// when the platform took this process's response), or when handling it twice records nothing. The
    /// settings were not read: the handler reads them itself and meets the same database. With the delivery's
    /// owner token, which the take wrote if it committed, and which [`holds`] asks with.
    Unconfirmed(String),
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
    let owner = app.store.next_event_owner();
    let taking = app.store.take_event(key, ws, now, &owner);
    let taken = tokio::time::timeout(TAKE_WITHIN, taking).await;
    let Ok(taken) = taken else {
        // The database is away or jammed: the command meets it next and answers within Discord's 3 s.
        tracing::warn!(
            event = key,
            "could not record the event id in time; handling it unless another process does"
        );
        return Delivery::Unconfirmed(owner);
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
            Delivery::Unconfirmed(owner)
        }
    }
}

/// Whether the delivery `owner` holds the event `key` of workspace `ws`, asked by an adapter whose
/// [`first_delivery`] was [`Delivery::Unconfirmed`] (with that `owner`), once the platform decided the event's
/// initial response: the id is taken now if it is still free (Some(true)); when another delivery took it,
/// Some(false); when it was this delivery's own take, which timed out but committed, Some(true). One question
/// at a time: a question that waits (for a connection, or behind the write lock) is waited for, not asked again
/// beside it, so that questions do not pile up on the pool's connections while the database is jammed; one that
/// fails is asked again after a wait that grows. For [`HOLD_FOR`] in all. None when the database could not say
/// by then, when it refuses every write (a full disk, a file that cannot be written: nothing can be recorded
/// then, by any process; answered at once), or when the id has no owner (taken by a version without owners,
/// during a rolling upgrade): the adapter then goes by the platform's decision alone (logged).
pub async fn holds(app: &App, key: &str, ws: &str, owner: &str) -> Option<bool> {
    let until = tokio::time::Instant::now() + HOLD_FOR;
    let mut backoff = HOLD_BACKOFF;
    loop {
        let now = app.now();
        let asked = tokio::time::timeout_at(until, app.store.hold_event(key, ws, now, owner));
        match asked.await {
            Ok(Ok(Held::Ours)) => return Some(true),
            Ok(Ok(Held::Another)) => return Some(false),
            Ok(Ok(Held::Unknown)) => {
                tracing::warn!(
                    event = key,
                    "the event id was taken by a version that does not write who took it"
                );
                return None;
            }
            Ok(Err(e @ (StoreError::Full(_) | StoreError::Unwritable(_)))) => {
                tracing::warn!(
                    error = %e,
                    event = key,
                    "could not read who holds the event id: the database refuses writes"
                );
                return None;
            }
            Ok(Err(e)) => {
                tracing::warn!(
                    error = %e,
                    event = key,
                    "could not read who holds the event id"
                );
            }
            Err(_) => {
                tracing::warn!(
                    event = key,
                    "could not read who holds the event id within {HOLD_FOR:?}; gave up"
                );
                return None;
            }
        }
        if tokio::time::Instant::now() + backoff >= until {
            tracing::warn!(
                event = key,
                "gave up reading who holds the event id after {HOLD_FOR:?}"
            );
            return None;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(HOLD_BACKOFF_MAX);
    }
}

/// Delete the ids taken more than [`REMEMBER`] before now (by the app's clock); answers how many. The
/// scheduler runs it every [`FORGET_EVERY`]: an event's own path only inserts its id.
pub async fn forget_old_events(app: &App) -> crate::store::Result<u64> {
    app.store.forget_events_before(app.now() - REMEMBER).await
}
