//! Two `partnerfit run` processes on one shard and one database, the fake Discord sending every interaction to
//! both gateway sessions (or to one of them, when a test builds an order), and the test's hold on a SQLite
//! database's write lock, which makes a process's take of an interaction's id time out
//! (`src/app/delivery.rs`, `Delivery::Unconfirmed`): the mechanics of `discord/unconfirmed_*.rs` and
//! `duplicates.rs`, so that those tests read as the order of events they build.

use super::bot::{add_acme_corp, db_url, wait_logs_count, Bot, WAIT};
use super::fake_discord::{FakeConfig, FakeDiscord, FakeOptions, Recorded};
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};

/// What a process logs when taking an event's id timed out (`src/app/delivery.rs`).
pub const TAKE_TIMED_OUT: &str = "could not record the event id in time";

/// The fake Discord and two bots on one shard and one database: `a` started first (session 0 of the fake), `b`
/// once `a` was live (session 1).
pub struct TwoBots {
    pub fake: FakeDiscord,
    pub a: Bot,
    pub b: Bot,
    /// `bot.db` in the bots' directory: the SQLite file they run on when `url` is [`db_url`] of it (as with
    /// [`TwoBots::start_with_a_partner`]).
    pub db: PathBuf,
    pub url: String,
}

impl TwoBots {
    /// Starts a fake that sends each interaction to every session of a shard, and two bots in `dir` on the
    /// database at `url`, one after the other, so the second does not migrate the database while the first
    /// does.
    pub async fn start_on(dir: &Path, url: &str) -> TwoBots {
        let opts = FakeOptions {
            every_session_of_a_shard: true,
            ..FakeOptions::default()
        };
        let fake = FakeDiscord::start_with_options(FakeConfig::standard(), opts)
            .await
            .unwrap();
        let a = Bot::start_on(&fake, dir, url, &[], &[]);
        fake.wait_live_sessions(1, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", a.log_text()));
        let b = Bot::start_on(&fake, dir, url, &[], &[]);
        fake.wait_live_sessions(2, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", b.log_text()));
        TwoBots {
            fake,
            a,
            b,
            db: dir.join("bot.db"),
            url: url.to_string(),
        }
    }

    /// [`TwoBots::start_on`] the SQLite file `bot.db` in `dir`, with a partner added ([`add_acme_corp`]).
    pub async fn start_with_a_partner(dir: &Path) -> TwoBots {
        let two = TwoBots::start_on(dir, &db_url(dir)).await;
        add_acme_corp(&two.fake).await;
        two
    }

    /// The process of the fake's gateway session `session`: 0 is `a`, 1 is `b`.
    pub fn bot(&self, session: usize) -> &Bot {
        [&self.a, &self.b][session]
    }

    /// The fake's requests and both processes' logs, for a failure's message.
    pub fn summary(&self) -> String {
        format!(
            "{}\nA:\n{}\nB:\n{}",
            self.fake.request_summary(),
            self.a.log_text(),
            self.b.log_text()
        )
    }

    /// Sends `payload` to session `session` alone, the database not locked, and waits for that process's initial
    /// response to be held by the fake (the caller set [`FakeDiscord::hold_next_then_answer`]); checks that its
    /// take of the id did not time out (a loaded machine could still make it, and then the order a test builds
    /// is not the one it meant).
    pub async fn send_to_taken_until_held(&self, payload: Value, session: usize) {
        let bot = self.bot(session);
        self.fake
            .send_interaction_to(payload, session)
            .await
            .unwrap();
        self.fake
            .wait_held(1, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
        let name = ["A", "B"][session];
        assert!(
            !bot.log_text().contains(TAKE_TIMED_OUT),
            "{name}'s take timed out:\n{}",
            bot.log_text()
        );
    }

    /// Sends `payload` to session `session` alone while `lock` is held, waits for that process's take of its id
    /// to time out and for its initial response to be held by the fake (the caller set
    /// [`FakeDiscord::hold_next_then_answer`]), then lets the lock go. Answers the interaction's id.
    pub async fn send_to_until_held(
        &self,
        lock: &mut WriteLock,
        payload: Value,
        session: usize,
    ) -> u64 {
        let bot = self.bot(session);
        let send = async {
            self.fake
                .send_interaction_to(payload, session)
                .await
                .unwrap()
        };
        let id = lock.send_until_timed_out(&[bot], 1, send).await;
        self.fake
            .wait_held(1, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
        lock.release();
        id
    }

    /// Sends interaction `id` again, to session `session` alone, while `lock` is held: waits for that process's
    /// take of its id to time out and for the interaction's initial response to be recorded (the first that
    /// reached the fake), then lets the lock go. Answers that response.
    pub async fn send_again_until_responded(
        &self,
        lock: &mut WriteLock,
        id: u64,
        session: usize,
    ) -> Recorded {
        let bot = self.bot(session);
        let send = async { self.fake.send_interaction_again(id, session).await.unwrap() };
        lock.send_until_timed_out(&[bot], 1, send).await;
        let response = self
            .fake
            .interaction_response_recorded(id, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
        lock.release();
        response
    }
}

/// The test's own connection to a SQLite database, holding its write lock (`BEGIN IMMEDIATE`) between
/// [`WriteLock::hold`] and [`WriteLock::release`]: every write of the bots waits meanwhile, so a take of an
/// event's id times out. Let go when dropped.
pub struct WriteLock {
    conn: rusqlite::Connection,
    held: bool,
}

impl WriteLock {
    /// A connection to the SQLite file `db`, not holding the lock yet.
    pub fn on(db: &Path) -> WriteLock {
        WriteLock {
            conn: rusqlite::Connection::open(db).unwrap(),
            held: false,
        }
    }

    /// Takes the write lock (`BEGIN IMMEDIATE`).
    pub fn hold(&mut self) {
        assert!(!self.held, "the write lock is held already");
        self.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        self.held = true;
    }

    /// Lets the write lock go (`ROLLBACK`: the test wrote nothing).
    pub fn release(&mut self) {
        assert!(self.held, "the write lock is not held");
        self.conn.execute_batch("ROLLBACK").unwrap();
        self.held = false;
    }

    /// Holds the lock, then runs `send` (sending an interaction), then waits until the logs of `bots` hold
    /// [`TAKE_TIMED_OUT`] `timed_out` times in all (counting earlier interactions'). The lock stays held; answers
    /// what `send` did.
    pub async fn send_until_timed_out<T>(
        &mut self,
        bots: &[&Bot],
        timed_out: usize,
        send: impl Future<Output = T>,
    ) -> T {
        self.hold();
        let sent = send.await;
        wait_logs_count(bots, TAKE_TIMED_OUT, timed_out).await;
        sent
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if self.held {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The owner written with interaction `id`'s taken id, once there is a row for it (a take that timed out commits
/// once the lock is gone): polled on a connection of the test's own to the SQLite file `db`.
pub async fn owner_once_taken(db: &Path, id: u64) -> Option<String> {
    let key = format!("discord:{id}");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let conn = rusqlite::Connection::open(db).unwrap();
        let row = conn.query_row(
            "SELECT owner FROM delivered_events WHERE event_key = ?1",
            [&key],
            |r| r.get::<_, Option<String>>(0),
        );
        match row {
            Ok(owner) => return owner,
            Err(rusqlite::Error::QueryReturnedNoRows) => {}
            Err(e) => panic!("{key}: {e}"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{key} not taken within {WAIT:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
