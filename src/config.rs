//! One typed configuration: defaults < `config/partnerfit.toml` < `PARTNERFIT_*` environment < flags.
//! Flags and their environment variables are read by clap (a flag beats its variable); this module reads
//! the file, the environment-only keys, and merges.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The default config file, used when it exists.
pub const DEFAULT_CONFIG_PATH: &str = "config/partnerfit.toml";
/// The default database: an embedded SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://partnerfit.db";

/// A configuration problem: reported in one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A database URL with its secrets hidden, for `Debug` and messages: the password of `user:password@host`
/// and the value of a `password=` parameter become `***`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.to_ascii_lowercase().contains("password") => {
                        format!("{k}=***")
                    }
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    match scheme {
        Some(s) => format!("{s}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

/// An error message about the database at `url`, on one line, with the URL and its password hidden.
pub fn redact_error(msg: &str, url: &str) -> String {
    let mut m = msg.replace(url, &redact_url(url));
    if let (Some(s), Some(at)) = (url.find("://"), url.rfind('@')) {
        if let Some((_, pw)) = url.get(s + 3..at).and_then(|c| c.split_once(':')) {
            if !pw.is_empty() {
                m = m.replace(pw, "***");
            }
        }
    }
    m.replace('\n', " ")
}

/// An optional database URL, redacted for `Debug`.
fn redacted(url: &Option<String>) -> Option<String> {
    url.as_deref().map(redact_url)
}

/// The whole configuration. Its `Debug` hides the database password and the tokens.
#[derive(Clone, PartialEq)]
pub struct Config {
    pub database_url: String,
    pub workspace: String,
    /// tracing filter, e.g. `info` or `partnerfit=debug`
    pub log: String,
    /// How log lines are written: text for people, JSON for a log pipeline.
    pub log_format: LogFormat,
    pub http: HttpConfig,
    pub discord: DiscordConfig,
    pub slack: SlackConfig,
    pub scheduler: SchedulerConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("workspace", &self.workspace)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("http", &self.http)
            .field("discord", &self.discord)
            .field("slack", &self.slack)
            .field("scheduler", &self.scheduler)
            .finish()
    }
}

/// Discord settings.
#[derive(Clone, PartialEq, Default)]
pub struct DiscordConfig {
    /// The bot token (DISCORD_TOKEN). Never logged: Debug prints it redacted.
    pub token: Option<String>,
    /// Base URL all REST calls go to instead of discord.com (twilight-http-proxy, or a fake in tests).
    pub proxy_url: Option<String>,
    /// Register commands in these guilds (instant) instead of globally.
    pub guild_ids: Vec<u64>,
    /// Ask for the privileged message content intent (default false: questions that mention the bot carry
    /// their text without it). When Discord refuses it (close 4014), `partnerfit run` stops with exit code 2.
    pub message_content: bool,
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("proxy_url", &redacted(&self.proxy_url))
            .field("guild_ids", &self.guild_ids)
            .field("message_content", &self.message_content)
            .finish()
    }
}

/// The default base URL of Slack's Web API.
pub const SLACK_API_URL: &str = "https://slack.com/api/";

/// Slack settings.
#[derive(Clone, PartialEq)]
pub struct SlackConfig {
    /// The bot token (SLACK_BOT_TOKEN, `xoxb-…`). Never logged: Debug prints it redacted.
    pub bot_token: Option<String>,
    /// The app-level token with `connections:write` (SLACK_APP_TOKEN, `xapp-…`) that opens Socket Mode.
    pub app_token: Option<String>,
    /// The base of every Web API call (a fake Slack in tests); the socket URL comes from its
    /// `apps.connections.open`.
    pub api_url: String,
    /// The slash command the app declares (`/partnerfit` unless renamed in the app's manifest).
    pub command: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            bot_token: None,
            app_token: None,
            api_url: SLACK_API_URL.into(),
            command: "/partnerfit".into(),
        }
    }
}

impl SlackConfig {
    /// Both tokens, when both are set: then `partnerfit run` connects to Slack.
    pub fn tokens(&self) -> Option<(&str, &str)> {
        Some((self.bot_token.as_deref()?, self.app_token.as_deref()?))
    }
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackConfig")
            .field("bot_token", &self.bot_token.as_ref().map(|_| "<redacted>"))
            .field("app_token", &self.app_token.as_ref().map(|_| "<redacted>"))
            .field("api_url", &redact_url(&self.api_url))
            .field("command", &self.command)
            .finish()
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

fn parse_log_format(s: &str, source: &str) -> Result<LogFormat, ConfigError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError(format!(
            "{source} `{}` is not a log format: write text or json",
            crate::domain::snippet(s)
        ))),
    }
}

/// The operations listener of `partnerfit run`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpConfig {
    /// Where to serve /healthz, /readyz and /metrics; None (the default) serves nothing.
    pub listen: Option<std::net::SocketAddr>,
}

fn parse_listen(s: &str, source: &str) -> Result<std::net::SocketAddr, ConfigError> {
    s.trim().parse().map_err(|_| {
        ConfigError(format!(
            "{source} `{}` is not an address: write IP:PORT, e.g. 127.0.0.1:9464",
            crate::domain::snippet(s)
        ))
    })
}

/// The longest `[scheduler] lease_seconds` and `max_sleep_seconds` may be: one week.
pub const MAX_SCHEDULER_SECONDS: u64 = 7 * 24 * 60 * 60;

/// Scheduler settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// How long a claimed digest run is reserved for its poster before another may retry it (1 to
    /// [`MAX_SCHEDULER_SECONDS`]).
    pub lease_seconds: u64,
    /// The longest the scheduler sleeps between checks (it wakes earlier for the next fire time; 1 to
    /// [`MAX_SCHEDULER_SECONDS`]).
    pub max_sleep_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DEFAULT_DATABASE_URL.into(),
            workspace: "local".into(),
            log: "info".into(),
            log_format: LogFormat::Text,
            http: HttpConfig::default(),
            // A new Discord application has every privileged intent switched off; mentions carry their text
            // without the message content intent, so nothing needs it by default.
            discord: DiscordConfig::default(),
            slack: SlackConfig::default(),
            scheduler: SchedulerConfig {
                lease_seconds: 30,
                max_sleep_seconds: 60,
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    workspace: Option<String>,
    log: Option<String>,
    log_format: Option<String>,
    discord: Option<FileDiscord>,
    slack: Option<FileSlack>,
    scheduler: Option<FileScheduler>,
    http: Option<FileHttp>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileHttp {
    listen: Option<String>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfig")
            .field("database_url", &redacted(&self.database_url))
            .field("workspace", &self.workspace)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("discord", &self.discord)
            .field("slack", &self.slack)
            .field("scheduler", &self.scheduler)
            .field("http", &self.http)
            .finish()
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSlack {
    api_url: Option<String>,
    command: Option<String>,
}

/// Hides a password in the API URL.
impl std::fmt::Debug for FileSlack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSlack")
            .field("api_url", &redacted(&self.api_url))
            .field("command", &self.command)
            .finish()
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDiscord {
    proxy_url: Option<String>,
    guild_ids: Option<Vec<u64>>,
    message_content: Option<bool>,
}

/// Hides a password in the proxy URL.
impl std::fmt::Debug for FileDiscord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDiscord")
            .field("proxy_url", &redacted(&self.proxy_url))
            .field("guild_ids", &self.guild_ids)
            .field("message_content", &self.message_content)
            .finish()
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileScheduler {
    lease_seconds: Option<u64>,
    max_sleep_seconds: Option<u64>,
}

/// What the command line (and the environment variables clap reads for it) said.
#[derive(Clone, Default, PartialEq)]
pub struct Overrides {
    pub config_path: Option<PathBuf>,
    pub database_url: Option<String>,
    pub workspace: Option<String>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("config_path", &self.config_path)
            .field("database_url", &redacted(&self.database_url))
            .field("workspace", &self.workspace)
            .finish()
    }
}

/// Read an environment variable; empty counts as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Build the configuration from every layer.
    pub fn load(o: &Overrides) -> Result<Config, ConfigError> {
        let file = match &o.config_path {
            Some(p) => Some(read_file(p)?),
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                Some(read_file(Path::new(DEFAULT_CONFIG_PATH))?)
            }
            None => None,
        };
        let mut c = Config::default();
        if let Some(f) = file {
            c.apply_file(f)?;
        }
        c.apply_env()?;
        if let Some(u) = &o.database_url {
            c.database_url = u.clone();
        }
        if let Some(w) = &o.workspace {
            c.workspace = w.clone();
        }
        c.validate()?;
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) -> Result<(), ConfigError> {
        if let Some(v) = f.database_url {
            self.database_url = v;
        }
        if let Some(v) = f.workspace {
            self.workspace = v;
        }
        if let Some(v) = f.log {
            self.log = v;
        }
        if let Some(v) = f.log_format {
            self.log_format = parse_log_format(&v, "log_format")?;
        }
        if let Some(listen) = f.http.and_then(|h| h.listen) {
            self.http.listen = Some(parse_listen(&listen, "[http] listen")?);
        }
        if let Some(d) = f.discord {
            if d.proxy_url.is_some() {
                self.discord.proxy_url = d.proxy_url;
            }
            if let Some(g) = d.guild_ids {
                self.discord.guild_ids = g;
            }
            if let Some(m) = d.message_content {
                self.discord.message_content = m;
            }
        }
        if let Some(s) = f.slack {
            if let Some(v) = s.api_url {
                self.slack.api_url = v;
            }
            if let Some(v) = s.command {
                self.slack.command = v;
            }
        }
        if let Some(s) = f.scheduler {
            if let Some(v) = s.lease_seconds {
                self.scheduler.lease_seconds = v;
            }
            if let Some(v) = s.max_sleep_seconds {
                self.scheduler.max_sleep_seconds = v;
            }
        }
        Ok(())
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Some(v) = env("PARTNERFIT_LOG") {
            self.log = v;
        }
        if let Some(v) = env("PARTNERFIT_LOG_FORMAT") {
            self.log_format = parse_log_format(&v, "PARTNERFIT_LOG_FORMAT")?;
        }
        if let Some(v) = env("PARTNERFIT_HTTP_LISTEN") {
            self.http.listen = Some(parse_listen(&v, "PARTNERFIT_HTTP_LISTEN")?);
        }
        if let Some(v) = env("DISCORD_TOKEN") {
            self.discord.token = Some(v.trim().to_string());
        }
        if let Some(v) = env("SLACK_BOT_TOKEN") {
            self.slack.bot_token = Some(v.trim().to_string());
        }
        if let Some(v) = env("SLACK_APP_TOKEN") {
            self.slack.app_token = Some(v.trim().to_string());
        }
        if let Some(v) = env("PARTNERFIT_SLACK_API_URL") {
            self.slack.api_url = v;
        }
        if let Some(v) = env("PARTNERFIT_SLACK_COMMAND") {
            self.slack.command = v;
        }
        if let Some(v) = env("PARTNERFIT_DISCORD_PROXY_URL") {
            self.discord.proxy_url = Some(v);
        }
        if let Some(v) = env("PARTNERFIT_DISCORD_GUILD_IDS") {
            self.discord.guild_ids = v
                .split(',')
                .map(|s| s.trim().parse::<u64>())
                .collect::<Result<_, _>>()
                .map_err(|_| ConfigError("PARTNERFIT_DISCORD_GUILD_IDS must be comma-separated guild ids, e.g. 123,456".into()))?;
        }
        if let Some(v) = env("PARTNERFIT_DISCORD_MESSAGE_CONTENT") {
            self.discord.message_content = crate::domain::parse_bool(&v).ok_or_else(|| {
                ConfigError("PARTNERFIT_DISCORD_MESSAGE_CONTENT must be true or false".into())
            })?;
        }
        if let Some(v) = env("PARTNERFIT_SCHEDULER_LEASE_SECONDS") {
            self.scheduler.lease_seconds = v.parse().map_err(|_| {
                ConfigError("PARTNERFIT_SCHEDULER_LEASE_SECONDS must be a number of seconds".into())
            })?;
        }
        if let Some(v) = env("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS") {
            self.scheduler.max_sleep_seconds = v.parse().map_err(|_| {
                ConfigError(
                    "PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS must be a number of seconds".into(),
                )
            })?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::store::Backend::of_url(&self.database_url).map_err(ConfigError)?;
        check_workspace(&self.workspace)?;
        if let Some(p) = &self.discord.proxy_url {
            if !(p.starts_with("http://") || p.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "discord proxy_url `{p}` must be an http(s) base URL like http://127.0.0.1:3000"
                )));
            }
        }
        let a = &self.slack.api_url;
        if !(a.starts_with("http://") || a.starts_with("https://")) {
            return Err(ConfigError(format!(
                "slack api_url `{a}` must be an http(s) base URL like https://slack.com/api/"
            )));
        }
        let c = &self.slack.command;
        if !c.starts_with('/') || c.len() < 2 || c.len() > 32 || c.contains(char::is_whitespace) {
            return Err(ConfigError(format!(
                "slack command `{c}` must be a slash command like /partnerfit (at most 32 characters)"
            )));
        }
        // A Discord id is never 0 (serenity's `GuildId::new(0)` panics): refused here, before anything connects.
        if self.discord.guild_ids.contains(&0) {
            return Err(ConfigError(
                "discord guild_ids must be server ids (1 or more), e.g. 123,456: 0 is not one"
                    .into(),
            ));
        }
        // A filter the log cannot read would otherwise fall back to `info` without a word.
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(ConfigError(format!(
                "log `{}` is not a log filter ({e}): write a level such as info or warn, or directives such as \
                 info,partnerfit=debug",
                self.log
            )));
        }
        // A lease is added to the clock (a lease of a million years would overflow it and stop the scheduler),
        // and neither a lease nor a sleep longer than a week serves any deployment.
        let d = Config::default().scheduler;
        for (key, v, default) in [
            (
                "lease_seconds",
                self.scheduler.lease_seconds,
                d.lease_seconds,
            ),
            (
                "max_sleep_seconds",
                self.scheduler.max_sleep_seconds,
                d.max_sleep_seconds,
            ),
        ] {
            if !(1..=MAX_SCHEDULER_SECONDS).contains(&v) {
                return Err(ConfigError(format!(
                    "scheduler {key} is {v}: give 1 to {MAX_SCHEDULER_SECONDS} seconds (one week), e.g. {default}"
                )));
            }
        }
        Ok(())
    }
}

/// A workspace id: 1 to 100 characters, none of them a control character or an invisible one (a zero-width
/// space, a direction mark, an emoji's joiner or selector: an id that reads like another would silently be
/// another workspace, and ids are compared exactly, not by a key that drops them as partner names are). The
/// ids in use are all plain: a Discord server's id (digits), `slack:` and a Slack team id (`slack:T0123ABC`),
/// the console's `local` and the demo's `demo`.
fn check_workspace(ws: &str) -> Result<(), ConfigError> {
    use crate::domain::{is_invisible, snippet};
    if ws.trim().is_empty() || ws.chars().count() > 100 {
        return Err(ConfigError("workspace must be 1 to 100 characters".into()));
    }
    let bad = match ws.chars().find(|c| c.is_control()) {
        Some(c) => Some((c, "a control character")),
        None => ws
            .chars()
            .find(|c| is_invisible(*c))
            .map(|c| (c, "an invisible character")),
    };
    let Some((c, what)) = bad else {
        // `team two ` (or with a no-break space) would be another workspace than `team two`, and read the same.
        if ws.trim() != ws {
            return Err(ConfigError(format!(
                "workspace `{}` starts or ends with a space: give it without, e.g. `{}`",
                snippet(ws),
                snippet(ws.trim())
            )));
        }
        return Ok(());
    };
    // Shown with every such character spelled out, so that the message shows where it is.
    let shown: String = ws
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                format!("\\u{{{:X}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    Err(ConfigError(format!(
        "workspace `{}` contains {what} (U+{:04X}): give the id without it, e.g. local, a Discord server id or slack:T0123ABC",
        snippet(&shown),
        u32::from(c)
    )))
}

/// The largest configuration file read: the documented file is about 5 KB, and a path to something endless
/// (`/dev/zero`, a pipe nobody closes) must not be read until memory runs out.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    use std::io::Read;
    let cannot = |e: &dyn std::fmt::Display| {
        ConfigError(format!("cannot read config file {}: {e}", path.display()))
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(cannot(&format!(
            "it is larger than {} KiB; give the path of a partnerfit.toml",
            MAX_CONFIG_BYTES / 1024
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| cannot(&e))?;
    toml::from_str(&text).map_err(|e| {
        let msg = e.message().replace('\n', " ");
        let line = e
            .span()
            .map(|s| {
                format!(
                    " (line {})",
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                )
            })
            .unwrap_or_default();
        ConfigError(format!("config file {}{line}: {msg}", path.display()))
    })
}

#[cfg(test)]
mod tests;
