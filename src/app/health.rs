//! What an operations listener may ask of the app about its own state: whether the database answers, how
//! busy its pool is, how much evidence is held in memory. Front ends reach the store only through here.

use super::{App, AppResult};

impl App {
    /// Whether the database answers a trivial query (the readiness check).
    pub async fn database_answers(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The database pool's connections: (idle, busy).
    pub fn pool_connections(&self) -> (usize, usize) {
        self.store.pool_connections()
    }

    /// Evidence records held in memory for screening many partners at once.
    pub fn evidence_records(&self) -> usize {
        self.evidence.records()
    }

    /// Drop what workspaces idle for 15 minutes hold in memory (their evidence, their partner names), as the
    /// scheduler does at each wake-up: for a metrics scrape, so that the figures it reports are of what is
    /// kept.
    pub fn evict_idle(&self) {
        self.evidence.evict_idle();
        self.names.evict_idle();
    }
}
