//! The bot's send budget, shared by its processes through the database: Discord's global rate limit (50 requests a
//! second) is one budget per bot token, however many processes use it. A chat adapter that paces its own requests
//! (Discord's, `discord::ratelimit`) reserves its send slots here, a few at a time, so that all the processes of
//! the bot together keep to its pace; when the database cannot answer quickly it is told so, and paces alone.

use super::App;
use crate::store::{Backend, Store};
use std::time::Duration;

/// One bot's send budget in the database.
#[derive(Debug, Clone)]
pub struct SendBudget {
    store: Store,
    /// The bot's user id: every process of one bot names the same budget.
    bot: String,
}

impl SendBudget {
    /// The budget the processes of the bot `bot` (its user id) share, when `app`'s database is one they can
    /// share (PostgreSQL); None on SQLite, where the process paces alone.
    pub fn of_bot(app: &App, bot: impl Into<String>) -> Option<SendBudget> {
        (app.store.backend() == Backend::Postgres).then(|| SendBudget::new(app, bot))
    }

    /// The budget of the bot `bot` (its user id), kept in `app`'s database, whichever it is.
    pub fn new(app: &App, bot: impl Into<String>) -> SendBudget {
        SendBudget {
            store: app.store.clone(),
            bot: bot.into(),
        }
    }

    /// Reserve `count` send slots `spacing` apart: how long from now until the first one (the others follow it,
    /// `spacing` apart). None when the database did not answer within `within`, or failed: the caller then paces
    /// on its own (the reason is logged).
    pub async fn reserve(
        &self,
        count: u32,
        spacing: Duration,
        within: Duration,
    ) -> Option<Duration> {
        match self
            .store
            .reserve_sends(&self.bot, count, spacing, within)
            .await
        {
            Ok(delay) => Some(delay),
            Err(e) => {
                tracing::warn!(error = %e, "could not reserve send slots in the database; pacing this process alone for now");
                None
            }
        }
    }

    /// Hold back every process of the bot for `hold` (a global 429's wait, which applies to the whole token): no
    /// slot is reserved before the database's now + `hold`; slots already reserved are not recalled. False when
    /// the database did not answer within `within`, or failed (logged): the other processes then keep sending
    /// until their own 429s, as without a shared budget.
    pub async fn hold_back(&self, hold: Duration, within: Duration) -> bool {
        match self.store.hold_back_sends(&self.bot, hold, within).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, "could not hold the bot's other processes back after a global 429");
                false
            }
        }
    }
}
