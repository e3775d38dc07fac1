//! A connection of the store's own beside the pool, for one kind of statement that must not wait behind the
//! others for a pooled connection, nor pay the pool's checks: taking event ids on a SQLite file
//! ([`super::delivered`]) and reserving the bot's send slots ([`super::send_pace`]). It is connected when first
//! used and again after a connection-level failure (the caller drops it then), never again once the store is
//! closed. What varies between its uses is what a SQLite connection runs once connected, after the store's
//! usual pragmas (both uses commit without waiting for the disk; nothing runs on PostgreSQL).

use super::sqlite_pragmas;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicBool, Ordering};

/// A connection of its own (see the module's doc).
pub(crate) struct SideConn {
    conn: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// Set when the store is closed: never connect again.
    closed: AtomicBool,
    /// Run on a SQLite connection once connected, after the store's usual pragmas.
    sqlite_pragmas: &'static str,
    /// The URL to connect with (it may hold a password: never shown).
    url: String,
}

impl std::fmt::Debug for SideConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideConn")
            .field("closed", &self.closed)
            .field("sqlite_pragmas", &self.sqlite_pragmas)
            .finish_non_exhaustive()
    }
}

/// The connection's slot, locked: None while it is not connected (or the store is closed).
pub(crate) type Slot<'a> = tokio::sync::MutexGuard<'a, Option<sqlx::AnyConnection>>;

impl SideConn {
    /// For the database at `url` (not an in-memory SQLite database: a second connection would be another
    /// one), running `sqlite_pragmas` on a SQLite connection once connected.
    pub(crate) fn new(url: &str, sqlite_pragmas: &'static str) -> SideConn {
        SideConn {
            conn: tokio::sync::Mutex::new(None),
            closed: AtomicBool::new(false),
            sqlite_pragmas,
            url: url.to_string(),
        }
    }

    /// The connection's slot, locked (one statement at a time).
    pub(crate) async fn lock(&self) -> Slot<'_> {
        self.conn.lock().await
    }

    /// Connect `slot` when it is not connected and the store is open. An error when connecting failed (the
    /// slot stays empty); Ok with an empty slot when the store is closed.
    pub(crate) async fn connect(&self, slot: &mut Slot<'_>) -> Result<(), sqlx::Error> {
        if slot.is_some() || self.closed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut conn = sqlx::AnyConnection::connect(&self.url).await?;
        if self.url.starts_with("sqlite:") {
            sqlite_pragmas(&mut conn).await?;
            conn.execute(self.sqlite_pragmas).await?;
        }
        **slot = Some(conn);
        Ok(())
    }

    /// After a statement on the connection in `slot` ended with `result`: a connection-level error drops the
    /// connection, to connect again next time.
    pub(crate) fn after<T>(slot: &mut Slot<'_>, result: &sqlx::Result<T>) {
        if let Err(e) = result {
            if super::connection_lost(e) {
                slot.take();
            }
        }
    }

    /// Close the connection for good (the store is closing).
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        if let Some(conn) = self.conn.lock().await.take() {
            let _ = conn.close().await;
        }
    }
}
