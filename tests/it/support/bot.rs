//! Running the real `partnerfit run` binary against the fake Discord.

use super::fake_discord::{FakeDiscord, Invoker, Recorded, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID};
use partnerfit::discord::reply;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(15);

/// What the scheduler logs after each tick (`src/schedule/runner.rs`).
pub const TICK_LINE: &str = "scheduler sleeping";

/// `sqlite://DIR/bot.db`: the database file `Bot::start` runs the bot on in `dir`.
pub fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bot.db").display())
}

/// The bot process; killed when dropped.
pub struct Bot {
    pub child: Child,
    pub log: PathBuf,
}

impl Bot {
    /// Start `partnerfit run` on `db` against the fake, with extra environment variables.
    pub fn start(fake: &FakeDiscord, dir: &Path, extra_env: &[(&str, &str)]) -> Bot {
        Bot::start_on(fake, dir, &db_url(dir), &[], extra_env)
    }

    /// Like `start_on`, with the operations listener on a port the OS picks (`PARTNERFIT_HTTP_LISTEN=127.0.0.1:0`
    /// added to `extra_env`): the bot and the port it bound (read from its log), once the listener accepts
    /// connections.
    pub async fn start_listening(
        fake: &FakeDiscord,
        dir: &Path,
        db: &str,
        run_args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> (Bot, u16) {
        super::http::listening(extra_env, |env| Bot::start_on(fake, dir, db, run_args, env)).await
    }

    /// Start `partnerfit --database URL run ARGS…` against the fake.
    pub fn start_on(
        fake: &FakeDiscord,
        dir: &Path,
        db: &str,
        run_args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Bot {
        Bot::start_configured(fake, dir, db, run_args, extra_env, |_| {})
    }

    /// Like `start_on`, with `configure` applied to the command before it is spawned (e.g. a resource limit).
    pub fn start_configured(
        fake: &FakeDiscord,
        dir: &Path,
        db: &str,
        run_args: &[&str],
        extra_env: &[(&str, &str)],
        configure: impl FnOnce(&mut Command),
    ) -> Bot {
        let mut env = vec![
            ("DISCORD_TOKEN", "test-token".to_string()),
            ("PARTNERFIT_DISCORD_PROXY_URL", fake.base_url()),
        ];
        env.extend(extra_env.iter().map(|(k, v)| (*k, v.to_string())));
        Bot::spawn_configured(dir, db, run_args, &env, configure)
    }

    /// Start `partnerfit --database URL run ARGS…` with exactly `env` on top of a clean environment (no
    /// chat token, no shard range, no config file; the log at trace level for partnerfit).
    pub fn spawn(dir: &Path, db: &str, run_args: &[&str], env: &[(&str, String)]) -> Bot {
        Bot::spawn_configured(dir, db, run_args, env, |_| {})
    }

    fn spawn_configured(
        dir: &Path,
        db: &str,
        run_args: &[&str],
        env: &[(&str, String)],
        configure: impl FnOnce(&mut Command),
    ) -> Bot {
        let log = dir.join(format!("bot-{}.log", super::fake_discord::next_snowflake()));
        let log_file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
        cmd.current_dir(dir)
            .arg("--database")
            .arg(db)
            .arg("run")
            .args(run_args);
        for k in [
            "PARTNERFIT_SHARD_RANGE",
            "PARTNERFIT_SHARD_TOTAL",
            "PARTNERFIT_DATABASE_URL",
            "PARTNERFIT_CONFIG",
            "DISCORD_TOKEN",
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("PARTNERFIT_LOG", "info,partnerfit=trace")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        for (k, v) in env {
            cmd.env(k, v);
        }
        configure(&mut cmd);
        Bot {
            child: cmd.spawn().unwrap(),
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Scheduler ticks this process has finished: the scheduler logs [`TICK_LINE`] (at trace level, which
    /// `start_on` turns on) after each tick, before it waits for the next fire time.
    pub fn ticks(&self) -> usize {
        self.log_text().matches(TICK_LINE).count()
    }

    /// Waits until the scheduler has finished `n` more ticks than it had when called. With an every-second
    /// schedule, three more ticks mean at least two more fire times were looked at, so "still one post"
    /// after this proves something a fixed sleep on a loaded machine might not. The log is a file, so it is
    /// read again every 20 ms until then.
    pub async fn wait_ticks(&self, n: usize) {
        let target = self.ticks() + n;
        let deadline = std::time::Instant::now() + WAIT;
        while self.ticks() < target {
            assert!(
                std::time::Instant::now() < deadline,
                "the scheduler did not tick {n} more times within {WAIT:?}\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the bot's log holds `needle` (the log is a file: read again every 20 ms, as
    /// [`Bot::wait_ticks`] does); returns the log then. Fails with the log when it does not within [`WAIT`].
    pub async fn wait_log(&self, needle: &str) -> String {
        self.wait_log_count(needle, 1).await
    }

    /// Waits until the bot's log holds `needle` at least `n` times (read as [`Bot::wait_log`] does); returns the
    /// log then.
    pub async fn wait_log_count(&self, needle: &str, n: usize) -> String {
        wait_logs_count(&[self], needle, n).await.swap_remove(0)
    }

    /// Send SIGTERM and wait for the exit code (polling without blocking the runtime the fake runs on).
    pub async fn terminate(mut self) -> Option<i32> {
        send_signal(self.child.id(), "TERM");
        self.wait_exit().await
    }

    /// Wait up to [`WAIT`] for the process to exit by itself (e.g. after a signal sent earlier): its exit code,
    /// or None when it is still running then (it is killed when dropped).
    pub async fn wait_exit(&mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + WAIT;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// SIGKILL, at once.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A standard fake Discord and one bot on the SQLite file `bot.db` in `dir`, once its session is ready.
pub async fn start_one(dir: &Path) -> (FakeDiscord, Bot) {
    let fake = FakeDiscord::start(super::fake_discord::FakeConfig::standard())
        .await
        .unwrap();
    let bot = Bot::start(&fake, dir, &[]);
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    (fake, bot)
}

/// Waits until the logs of `bots` hold `needle` at least `n` times in all (each log is a file: read again every
/// 20 ms, as [`Bot::wait_ticks`] does); returns their logs then. Fails with the logs when they do not within
/// [`WAIT`].
pub async fn wait_logs_count(bots: &[&Bot], needle: &str, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let logs: Vec<String> = bots.iter().map(|b| b.log_text()).collect();
        let seen: usize = logs.iter().map(|l| l.matches(needle).count()).sum();
        if seen >= n {
            return logs;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{needle:?} {seen} times, not {n}, in the logs within {WAIT:?}:\n{}",
            logs.join("\n-----\n")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Send a signal with the `kill` command (no libc dependency in the tests).
pub fn send_signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

/// A JSON option with its Discord type picked from the value.
pub fn opt(name: &str, value: Value) -> Value {
    let kind = match &value {
        Value::Bool(_) => 5,
        Value::Number(n) if n.is_f64() => 10,
        Value::Number(_) => 4,
        _ => 3,
    };
    json!({"name": name, "type": kind, "value": value})
}

/// `data.options` for a command path below the top-level name, e.g. `["trait", "add"]`.
pub fn nested(sub: &[&str], leaf: Vec<Value>) -> Value {
    let mut v = Value::Array(leaf);
    for (i, name) in sub.iter().enumerate().rev() {
        let kind = if i + 1 == sub.len() { 1 } else { 2 };
        v = json!([{"name": name, "type": kind, "options": v}]);
    }
    v
}

/// The slash command `path` (with `leaf` options below it) in the standard guild's #partners, as `who`.
pub fn in_partners(who: &Invoker, path: &[&str], leaf: Vec<Value>) -> Value {
    super::fake_discord::slash_command(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        who,
        path[0],
        nested(&path[1..], leaf),
    )
}

/// Run a slash command in the standard guild's #partners as `who`; returns the callback body.
pub async fn slash(fake: &FakeDiscord, who: &Invoker, path: &[&str], leaf: Vec<Value>) -> Value {
    let id = fake
        .send_interaction(in_partners(who, path, leaf))
        .await
        .unwrap();
    fake.interaction_response(id, WAIT).await.unwrap()
}

/// The answer interaction `id` got, as a callback body: its successful callback, or, when that was a deferral
/// (type 5: another process of the shard deferred it, or this one could not tell whether it was its own), the
/// message that came after it (the edit of the deferred message, or a follow-up, the note that came before it
/// passed over) as `{"type": 4, "data": …}`.
pub async fn answer_of(fake: &FakeDiscord, id: u64) -> Value {
    let callback = fake
        .interaction_response(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    if callback["type"] != 5 {
        return callback;
    }
    let mut after = fake
        .wait_deferred_answer(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer after the deferral: {e}"));
    // An answer whose privacy differs from the deferral's: the deferred message was edited into a note first,
    // and the answer is the follow-up.
    let notes = [reply::ANSWERED_PRIVATELY, reply::ANSWERED_BELOW];
    if after.method == "PATCH" && notes.iter().any(|n| after.body["content"] == *n) {
        after = fake
            .wait_followup(id, WAIT)
            .await
            .unwrap_or_else(|e| panic!("no answer after the note: {e}"));
    }
    json!({ "type": 4, "data": after.body })
}

/// Like `slash`, also when the answer came after a deferral ([`answer_of`]).
pub async fn slash_answered(
    fake: &FakeDiscord,
    who: &Invoker,
    path: &[&str],
    leaf: Vec<Value>,
) -> (u64, Value) {
    let id = fake
        .send_interaction(in_partners(who, path, leaf))
        .await
        .unwrap();
    (id, answer_of(fake, id).await)
}

/// `/partner add name:Acme Corp type:reseller` as a lead, answered at once or after a deferral
/// ([`slash_answered`]): checks that Acme Corp was added; answers the interaction's id.
pub async fn add_acme_corp(fake: &FakeDiscord) -> u64 {
    let leaf = vec![
        opt("name", json!("Acme Corp")),
        opt("type", json!("reseller")),
    ];
    let (id, r) = slash_answered(fake, &Invoker::lead(), &["partner", "add"], leaf).await;
    assert!(title(&r).starts_with("Added Acme Corp"), "{r}");
    id
}

/// Sends an interaction whose reply is deferred; returns its callback body and the awaited first edit of its
/// original message, where the answer arrives.
pub async fn send_deferred(fake: &FakeDiscord, payload: Value) -> (Value, Recorded) {
    let id = fake.send_interaction(payload).await.unwrap();
    let callback = fake.interaction_response(id, WAIT).await.unwrap();
    let edit = fake.wait_original_edit(id, WAIT).await.unwrap();
    (callback, edit)
}

/// Like `slash`, for a command whose reply is deferred: its callback body and the edit with the answer.
pub async fn deferred(
    fake: &FakeDiscord,
    who: &Invoker,
    path: &[&str],
    leaf: Vec<Value>,
) -> (Value, Recorded) {
    send_deferred(fake, in_partners(who, path, leaf)).await
}

/// The first embed's title of an interaction callback.
pub fn title(reply: &Value) -> String {
    reply["data"]["embeds"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The first embed's title of a message body (a post, or an edit of a deferred reply).
pub fn message_title(body: &Value) -> String {
    body["embeds"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A digest message: one attachment, its PNG chart.
#[track_caller]
pub fn assert_one_png_chart(post: &Recorded) {
    assert_eq!(post.files.len(), 1, "the chart");
    assert!(post.files[0].bytes.starts_with(b"\x89PNG"));
}

/// The text of an ephemeral error reply.
pub fn content(reply: &Value) -> String {
    reply["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn is_ephemeral(reply: &Value) -> bool {
    reply["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}
