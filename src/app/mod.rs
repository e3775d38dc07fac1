//! Use cases: one function per command, taking typed input and returning a typed [`Reply`]. Discord and the
//! console both call [`dispatch`] with an [`Invocation`] parsed against the one command table in [`spec`], which
//! binds each command to its handler, so the front ends cannot drift. Nothing here knows about Discord types,
//! the command line or SQL.

pub mod args;
pub mod card;
pub mod chat;
pub mod complete;
pub mod delivery;
pub mod digest;
pub mod evidence;
pub mod evidence_cache;
mod health;
pub mod help;
pub mod line;
pub mod lists;
pub mod lookup;
pub mod name_index;
pub mod outcome;
pub mod pacing;
pub mod partners;
pub mod profiles;
pub mod records;
pub mod schedules;
pub mod screen;
pub mod settings;
pub mod spec;
pub mod transfer;

pub use args::{ArgValue, Invocation};
pub use card::{Card, Reply};
pub use screen::{parse_question, Question};
pub use settings::Settings;

use crate::domain::{Role, Week};
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// Where time comes from; tests inject a fixed or stepping clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything the use cases need: the store, the clock, and the chat platform when there is one.
#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Discord, when the bot runs; None in the console and CLI.
    pub chat: Option<Arc<dyn chat::Chat>>,
    /// Signalled when a schedule changes, so the scheduler re-plans at once.
    pub schedules_changed: Arc<tokio::sync::Notify>,
    /// Evidence kept in memory for screening many partners at once.
    pub evidence: Arc<evidence_cache::EvidenceCache>,
    /// Partner names kept in memory for the suggestion search of a name not on the roster.
    pub names: Arc<name_index::NameCache>,
    /// The time zone each workspace had when last read: a guess of "today" that lets `/screen` read its
    /// settings and its facts in one statement (a wrong guess costs a second read, never a wrong answer).
    pub timezones: Arc<std::sync::Mutex<std::collections::HashMap<String, chrono_tz::Tz>>>,
}

/// Who is running a command, in which workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    pub workspace: String,
    /// Who is typing, as recorded with what they write: `<@id>` on Discord (rendered as their name, never
    /// pinging), the console's `--user` name otherwise. Members may retract records with this author.
    pub user: String,
    pub role: Role,
    /// The channel the command came from (Discord), where schedule errors are reported later.
    pub channel_id: Option<String>,
}

impl Ctx {
    /// How records name their author.
    pub fn author(&self) -> String {
        self.user.clone()
    }
}

/// A command's failure: either the user's to fix (shown as is) or ours (logged; the user sees an apology).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    User(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What a user sees for an internal error (logged on its way by [`answered`], or by
/// [`App::caller_settings`]).
pub const APOLOGY: &str = "Sorry — something went wrong on our side and it has been logged. Please try again in a moment.";

impl AppError {
    pub fn user(msg: impl Into<String>) -> AppError {
        AppError::User(msg.into())
    }
    /// The text shown to the user (noted as the outcome of the interaction it answers).
    pub fn user_message(&self) -> String {
        match self {
            AppError::User(m) => {
                outcome::note(outcome::Outcome::UserError);
                m.clone()
            }
            AppError::Internal(_) => {
                outcome::note(outcome::Outcome::InternalError);
                APOLOGY.to_string()
            }
        }
    }
}

/// What a user sees when the disk under the database is full: the command was not recorded.
pub const DATABASE_FULL: &str =
    "the database is full (no space left on the device): nothing was recorded — free some disk space, then try again";
/// What a user sees when the database file cannot be written (read-only, or an I/O error).
pub const DATABASE_UNWRITABLE: &str = "the database file cannot be written (it is read-only, or the disk reported an I/O error): nothing was recorded — check the file and its disk, then try again";

/// What a user sees when another process held the database's lock for longer than the busy timeout (a large
/// import, a backup): the command was not recorded.
pub const DATABASE_BUSY: &str = "the database is busy: another process is writing to it (an import?) — nothing was recorded; try again in a moment";

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let shown = match &e {
            StoreError::Full(_) => DATABASE_FULL,
            StoreError::Unwritable(_) => DATABASE_UNWRITABLE,
            StoreError::Busy(_) => {
                // It passes by itself; the operator gets the cause in case it keeps happening.
                tracing::warn!(error = %e, "a statement gave up waiting for another connection's lock on the database");
                return AppError::User(DATABASE_BUSY.to_string());
            }
            _ => return AppError::Internal(anyhow::Error::new(e)),
        };
        // The user is told; the operator, who can free the space, gets the cause.
        tracing::error!(error = %e, "a write was refused: the database could not store it");
        AppError::User(shown.to_string())
    }
}

impl From<crate::domain::ParseError> for AppError {
    fn from(e: crate::domain::ParseError) -> AppError {
        AppError::User(e.0)
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Refuse unless `ctx.role` is at least `needed`.
pub fn require(ctx: &Ctx, needed: Role, what: &str) -> AppResult<()> {
    outcome::note_role(ctx.role);
    if ctx.role >= needed {
        return Ok(());
    }
    let platform = chat::Platform::of(&ctx.workspace);
    outcome::note(outcome::Outcome::Refused);
    let who = match needed {
        Role::Lead => platform.lead_words(),
        Role::Member => platform.member_words(),
        Role::Guest => "everyone",
    };
    Err(AppError::user(format!(
        "Only {who} can {what}. Ask a lead, or use /screen and the show/list commands."
    )))
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            chat: None,
            schedules_changed: Arc::new(tokio::sync::Notify::new()),
            evidence: Arc::new(evidence_cache::EvidenceCache::new(clock.clone())),
            names: Arc::new(name_index::NameCache::new(clock.clone())),
            timezones: Arc::default(),
            clock,
        }
    }

    /// The app over a store, with the wall clock: what the binary runs.
    pub fn with_wall_clock(store: Store) -> App {
        App::new(store, Arc::new(SystemClock))
    }

    /// The same app, posting through `chat`.
    pub fn with_chat(mut self, chat: Arc<dyn chat::Chat>) -> App {
        self.chat = Some(chat);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in the workspace's time zone.
    pub fn today(&self, s: &Settings) -> NaiveDate {
        self.now().with_timezone(&s.timezone).date_naive()
    }

    /// Today in the time zone the workspace had when last read (UTC when never read).
    pub fn today_guess(&self, ws: &str) -> NaiveDate {
        let tz = self
            .timezones
            .lock()
            .map(|m| m.get(ws).copied().unwrap_or(chrono_tz::UTC))
            .unwrap_or(chrono_tz::UTC);
        self.now().with_timezone(&tz).date_naive()
    }

    /// Remember a workspace's time zone for [`App::today_guess`].
    pub fn remember_timezone(&self, ws: &str, s: &Settings) {
        if let Ok(mut m) = self.timezones.lock() {
            if m.get(ws) != Some(&s.timezone) {
                m.insert(ws.to_string(), s.timezone);
            }
        }
    }

    /// The current ISO week in the workspace's time zone.
    pub fn this_week(&self, s: &Settings) -> Week {
        Week::containing(self.today(s))
    }

    pub async fn settings(&self, ws: &str) -> AppResult<Settings> {
        Ok(Settings::from_row(self.store.settings(ws).await?))
    }

    /// The settings a chat caller's role is judged by, read by the adapter before any command runs: our
    /// error is logged here, with the workspace, since no use case runs to log it ([`answered`]).
    pub async fn caller_settings(&self, ws: &str) -> AppResult<Settings> {
        let settings = self.settings(ws).await;
        if let Err(AppError::Internal(e)) = &settings {
            log_internal(e, None, ws, None);
        }
        settings
    }
}

/// How a use case a user asked for ended: noted as the interaction's outcome, and our error logged with its
/// cause. Every path that answers a user ends here — [`dispatch`], [`answer_question`], a list's page, a
/// screen or evidence button, the evidence form sent — and nothing else logs their errors, so each is logged
/// once and the apology's "it has been logged" is true. `command` is a name from the command table, never the
/// user's words.
pub(crate) fn answered<T>(command: &str, ctx: &Ctx, result: AppResult<T>) -> AppResult<T> {
    match &result {
        Ok(_) => outcome::note(outcome::Outcome::Ok),
        Err(AppError::User(_)) => outcome::note(outcome::Outcome::UserError),
        Err(AppError::Internal(e)) => {
            outcome::note(outcome::Outcome::InternalError);
            log_internal(e, Some(command), &ctx.workspace, Some(ctx.role));
        }
    }
    result
}

/// The one line of an internal error: its cause, what was asked and where, and by which role when known.
fn log_internal(e: &anyhow::Error, command: Option<&str>, workspace: &str, role: Option<Role>) {
    // The cause last: its `Debug` may run over several lines (a backtrace when `RUST_BACKTRACE` is set), and
    // what was asked and where stay on the event's first line.
    tracing::error!(
        command = command.map(tracing::field::display),
        workspace = %workspace,
        role = role.map(tracing::field::display),
        error = ?e,
        "command failed"
    );
}

/// Run one command: check the caller's role and its options against the declaration, then its handler —
/// in a span of the command's name as declared (an unknown one gets none: its name is the user's words), the
/// workspace and the role. Its outcome is noted, and our error logged, by [`answered`].
pub async fn dispatch(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    use tracing::Instrument;
    let spec = spec::find(&inv.path).ok_or_else(|| {
        AppError::user(format!(
            "Unknown command `/{}`. Type /help for the list.",
            crate::domain::snippet(&inv.path.join(" "))
        ))
    })?;
    let command = spec.name();
    let span = tracing::info_span!("dispatch", command = %command, workspace = %ctx.workspace, role = %ctx.role);
    let result = async {
        require(ctx, spec.min_role, &format!("run /{command}"))?;
        inv.check_against(spec)?;
        (spec.handler.run)(app, ctx, inv).await
    }
    .instrument(span)
    .await;
    answered(&command, ctx, result)
}

/// Answer a free-text question such as `does Acme fit?` like `/screen`.
pub async fn answer_question(app: &App, ctx: &Ctx, text: &str) -> AppResult<Reply> {
    if let Some(line) = command_without_slash(text) {
        // A command typed without its `/`: nothing runs, and the user is shown how it is typed.
        outcome::note_role(ctx.role);
        let line = crate::domain::snippet(line);
        return Err(AppError::user(match chat::Platform::of(&ctx.workspace) {
            chat::Platform::Slack => {
                format!("Commands go through the slash command: `/partnerfit {line}`")
            }
            chat::Platform::Discord => format!("Commands start with /: `/{line}`"),
        }));
    }
    let q = parse_question(text).ok_or_else(|| {
        AppError::user("I answer questions like `does Acme fit?` or `does Acme fit as a reseller?`. Type /help for commands.")
    })?;
    outcome::note_role(ctx.role);
    answered("question", ctx, screen::answer(app, ctx, &q).await)
}

/// `text` without the mentions it starts with (`<@123>`, `<@!123>`, `<@&456>`: the bot's own, or a role's) and
/// the spaces around them: what a person asked.
fn after_leading_mentions(text: &str) -> &str {
    let mut t = text.trim();
    while let Some(rest) = t.strip_prefix("<@") {
        t = rest.split_once('>').map_or("", |(_, r)| r.trim_start());
    }
    t
}

/// The words of `text` (after any leading mentions) when they are a command typed without its `/`: its first
/// words are a declared command's path ([`spec::COMMANDS`]), and what follows is nothing or starts with one of
/// that command's options (`partner add name:X type:si`, `profile list`). `screen Acme` stays a question.
fn command_without_slash(text: &str) -> Option<&str> {
    let t = after_leading_mentions(text);
    spec::COMMANDS.iter().find_map(|c| {
        let mut rest = t;
        for word in c.path {
            let w = rest.split_whitespace().next()?;
            if !w.eq_ignore_ascii_case(word) {
                return None;
            }
            rest = rest.trim_start()[w.len()..].trim_start();
        }
        let first = rest.split_whitespace().next();
        let is_option = |w: &str| {
            w.split_once(':').is_some_and(|(name, _)| {
                c.options.iter().any(|o| o.name.eq_ignore_ascii_case(name))
            })
        };
        first.is_none_or(is_option).then_some(t)
    })
}
