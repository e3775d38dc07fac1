//! A connection of the store's own beside the pool, for one kind of statement that must not wait behind the
//! others for a pooled connection, nor pay the pool's checks: taking event ids on a SQLite file
//! ([`super::delivered`]) and reserving the bot's send slots ([`super::send_pace`]). It is connected when first
//! used and again after a connection-level failure (the caller drops it then), never again once the store is
//! closed. What varies between its uses is what the connection runs once connected ([`Setup`]): on SQLite after
//! the store's usual pragmas, on PostgreSQL as it is.

use super::sqlite_pragmas;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a side connection runs once connected, by backend (an empty statement: nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup {
    /// On a SQLite file, after the store's usual pragmas.
    pub sqlite: &'static str,
    /// On PostgreSQL.
    pub postgres: &'static str,
}

/// A connection of its own (see the module's doc).
pub(crate) struct SideConn {
    conn: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// Set when the store is closed: never connect again.
    closed: AtomicBool,
    setup: Setup,
    /// The URL to connect with (it may hold a password: never shown).
    url: String,
}

impl std::fmt::Debug for SideConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideConn")
            .field("closed", &self.closed)
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

/// The connection's slot, locked: None while it is not connected (or the store is closed).
pub(crate) type Slot<'a> = tokio::sync::MutexGuard<'a, Option<sqlx::AnyConnection>>;

impl SideConn {
    /// For the database at `url` (not an in-memory SQLite database: a second connection would be another
    /// one), running `setup` once connected.
    pub(crate) fn new(url: &str, setup: Setup) -> SideConn {
        SideConn {
            conn: tokio::sync::Mutex::new(None),
            closed: AtomicBool::new(false),
            setup,
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
        let setup = if self.url.starts_with("sqlite:") {
            sqlite_pragmas(&mut conn).await?;
            self.setup.sqlite
        } else {
            self.setup.postgres
        };
        if !setup.is_empty() {
            conn.execute(setup).await?;
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
