//! `partnerfit doctor`: the operator's checklist before `partnerfit run`, one line per check, ✓ or ✗ with how
//! to fix it — the configuration file, the database and its migrations, the Discord token (`GET /users/@me`,
//! through the proxy when one is set), the intents the configuration asks for, Slack's token when it is set,
//! and for each scheduled digest its channel (the bot may view, send, embed and attach there, checked through
//! the app's `Chat` port) and its next fire times. It writes nothing (a missing SQLite file is reported, not
//! created) and never prints a token. Exit 0 only when every check passes.

use super::{load_config, Fatal, Global};
use crate::app::chat::{Chat, Platform, PostError};
use crate::app::App;
use crate::config::{redact_error, redact_url, Config, DEFAULT_CONFIG_PATH};
use crate::discord::preflight::{self, TokenCheck};
use crate::store::Store;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// How long one channel check may take (it makes up to four REST calls).
const CHANNEL_TIMEOUT: Duration = Duration::from_secs(30);

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// How to fix it; None when it passed.
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// The line a person reads.
    pub fn line(&self) -> String {
        match &self.fix {
            Some(fix) if !self.ok => format!("✗ {}: {} — fix: {fix}", self.name, self.detail),
            _ => format!("✓ {}: {}", self.name, self.detail),
        }
    }

    /// Every secret replaced by `***` (no check means to show one; this makes sure none slips through an
    /// error message).
    fn scrubbed(mut self, secrets: &[String]) -> Check {
        for s in secrets.iter().filter(|s| s.len() >= 8) {
            self.detail = self.detail.replace(s.as_str(), "***");
            self.fix = self.fix.map(|f| f.replace(s.as_str(), "***"));
        }
        self
    }
}

/// The `--json` output.
#[derive(Debug, Serialize)]
struct Report<'a> {
    ok: bool,
    checks: &'a [Check],
}

/// `partnerfit doctor [--json]`: print the checklist; an error (exit 1) when a check failed.
pub async fn run(global: &Global) -> Result<(), Fatal> {
    let (checks, secrets) = checks(global).await;
    let checks: Vec<Check> = checks.into_iter().map(|c| c.scrubbed(&secrets)).collect();
    let failed = checks.iter().filter(|c| !c.ok).count();
    if global.json.json {
        let report = Report {
            ok: failed == 0,
            checks: &checks,
        };
        let report = serde_json::to_string(&report).map_err(|e| Fatal::Other(e.into()))?;
        crate::output::print_stdout(format_args!("{report}\n"))?;
    } else {
        for c in &checks {
            crate::output::print_stdout(format_args!("{}\n", c.line()))?;
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Fatal::Other(anyhow::anyhow!(
            "{failed} of {} checks failed",
            checks.len()
        )))
    }
}

/// Run every check: the list, and the secrets to keep out of it.
async fn checks(global: &Global) -> (Vec<Check>, Vec<String>) {
    let mut out = Vec::new();
    let config = match load_config(global) {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail(
                "config",
                e.0,
                "correct the file or the variable named (every key: docs/configuration.md)",
            ));
            return (out, Vec::new());
        }
    };
    let secrets: Vec<String> = [
        config.discord.token.clone(),
        config.slack.bot_token.clone(),
        config.slack.app_token.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.push(config_check(global));
    let store = database(&config, &mut out).await;
    let discord = discord(&config, &mut out).await;
    let slack = slack(&config, &mut out).await;
    if let Some(store) = store {
        schedules(&store, discord.as_ref(), slack.as_ref(), &mut out).await;
        store.close().await;
    }
    (out, secrets)
}

fn config_check(global: &Global) -> Check {
    let detail = match &global.place.config {
        Some(p) => format!("{} parses", p.display()),
        None if std::path::Path::new(DEFAULT_CONFIG_PATH).exists() => {
            format!("{DEFAULT_CONFIG_PATH} parses")
        }
        None => "no config file: the defaults and the environment apply".to_string(),
    };
    Check::pass("config", detail)
}

/// The database answers and has every migration of this binary; the store when it answers.
async fn database(config: &Config, out: &mut Vec<Check>) -> Option<Store> {
    let url = &config.database_url;
    let shown = redact_url(url);
    let store = match Store::connect_existing(url).await {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail(
                "database",
                format!("cannot open {shown}: {}", redact_error(&e.to_string(), url)),
                "start the database server or correct --database / PARTNERFIT_DATABASE_URL; a new SQLite \
                 database is created by `partnerfit migrate`",
            ));
            return None;
        }
    };
    match store.migration_status().await {
        Ok(s) if s.missing.is_empty() => {
            let (v, d) = s.applied.unwrap_or_default();
            out.push(Check::pass(
                "database",
                format!("{shown} answers, migrated to version {v} ({d})"),
            ));
        }
        Ok(s) => {
            let latest = s.latest.map(|(v, _)| v).unwrap_or_default();
            let at = s
                .applied
                .map_or("none".to_string(), |(v, _)| format!("version {v}"));
            out.push(Check::fail(
                "database",
                format!(
                    "{shown} answers, but {} of this version's migrations are not applied (applied: {at}; latest: {latest})",
                    s.missing.len()
                ),
                "run `partnerfit migrate` (`partnerfit run` also applies them at start)",
            ));
        }
        Err(e) => out.push(Check::fail(
            "database",
            format!(
                "{shown} answers, but its migrations cannot be read: {}",
                redact_error(&e.to_string(), url)
            ),
            "check that the URL names partnerfit's database, then run `partnerfit migrate`",
        )),
    }
    Some(store)
}

/// The Discord token and the intents; the REST client when Discord accepted the token.
async fn discord(config: &Config, out: &mut Vec<Check>) -> Option<Arc<serenity::all::Http>> {
    let slack_only = config.slack.bot_token.is_some();
    let Some(token) = &config.discord.token else {
        if slack_only {
            out.push(Check::pass(
                "discord token",
                "DISCORD_TOKEN is not set: Discord is off, Slack runs alone",
            ));
        } else {
            out.push(Check::fail(
                "discord token",
                "DISCORD_TOKEN is not set",
                "create the bot in the Discord developer portal and export its token as DISCORD_TOKEN \
                 (docs/discord-setup.md), or set SLACK_BOT_TOKEN and SLACK_APP_TOKEN to run on Slack",
            ));
        }
        return None;
    };
    let proxy = config.discord.proxy_url.as_deref();
    // The proxy's URL may carry a password: it is shown without it, and so are errors that echo it.
    let via = proxy.map_or_else(|| "discord.com".to_string(), redact_url);
    let hide = |msg: String| match proxy {
        Some(p) => redact_error(&msg, p),
        None => msg,
    };
    let http = Arc::new(preflight::rest(token, proxy));
    let accepted = match preflight::check_token(&http).await {
        TokenCheck::Accepted { name, id } => {
            out.push(Check::pass(
                "discord token",
                format!("accepted by {via} (GET /users/@me): the bot is {name}, id {id}"),
            ));
            true
        }
        TokenCheck::Rejected => {
            out.push(Check::fail(
                "discord token",
                format!("{via} rejected DISCORD_TOKEN (401 Unauthorized)"),
                "copy the token again from the developer portal (Bot, Reset Token) and export it as DISCORD_TOKEN",
            ));
            false
        }
        TokenCheck::Unreachable(e) => {
            out.push(Check::fail(
                "discord token",
                hide(format!("cannot reach {via}: {e}")),
                "check the network, or PARTNERFIT_DISCORD_PROXY_URL when a proxy is set",
            ));
            false
        }
    };
    let portal =
        "switch on Message Content Intent in the developer portal (Bot, Privileged Gateway \
                  Intents), or set [discord] message_content = false";
    if !config.discord.message_content {
        out.push(Check::pass(
            "discord intents",
            "Guilds and Guild Messages: no privileged intent asked for (message_content = false)",
        ));
    } else if !accepted {
        out.push(Check::fail(
            "discord intents",
            "message_content = true, not checked: the token was not accepted",
            portal,
        ));
    } else {
        out.push(match preflight::message_content_allowed(&http).await {
            Ok(true) => Check::pass(
                "discord intents",
                "message_content = true, and the application has Message Content Intent switched on",
            ),
            Ok(false) => Check::fail(
                "discord intents",
                "message_content = true, but the application does not have Message Content Intent \
                 switched on: Discord would close the gateway (4014)",
                portal,
            ),
            Err(e) => Check::fail(
                "discord intents",
                hide(format!(
                    "message_content = true, and the application's flags cannot be read ({e}): check \
                     Bot, Privileged Gateway Intents, Message Content Intent"
                )),
                portal,
            ),
        });
    }
    accepted.then_some(http)
}

/// Slack's bot token (`auth.test`), when one is set; its chat and team when Slack accepted it.
async fn slack(
    config: &Config,
    out: &mut Vec<Check>,
) -> Option<(crate::slack::chat::SlackChat, String)> {
    use crate::slack::api::{self, Api, ApiError};
    let s = &config.slack;
    match (&s.bot_token, &s.app_token) {
        (None, None) => return None,
        (Some(_), None) | (None, Some(_)) => {
            out.push(Check::fail(
                "slack tokens",
                "only one of SLACK_BOT_TOKEN and SLACK_APP_TOKEN is set",
                "set both: the bot token (xoxb-…, OAuth & Permissions) and the app-level token (xapp-…, \
                 connections:write) (docs/slack-setup.md)",
            ));
            return None;
        }
        (Some(_), Some(_)) => {}
    }
    let bot = s.bot_token.as_deref().unwrap_or_default();
    // The API's URL may carry a password: it is shown without it, and so are errors that echo it.
    let url = redact_url(&s.api_url);
    let hide = |msg: String| redact_error(&msg, &s.api_url);
    let client = match api::client(&s.api_url) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            out.push(Check::fail(
                "slack token",
                hide(format!("cannot set up TLS for Slack: {e}")),
                "check the system's certificate store",
            ));
            return None;
        }
    };
    let web = Api::new(client, bot);
    match tokio::time::timeout(preflight::CALL_TIMEOUT, web.auth_test()).await {
        Ok(Ok((team, user))) => {
            out.push(Check::pass(
                "slack token",
                format!("accepted by Slack (auth.test): team {team}, bot user {user}"),
            ));
            Some((
                crate::slack::chat::SlackChat { api: web },
                format!("{}{team}", crate::app::chat::SLACK_PREFIX),
            ))
        }
        // auth.test asks about the token alone: any final refusal (`not_allowed_token_type` for an app-level
        // or user token in its place, too) is the token's.
        Ok(Err(ApiError::Auth(code) | ApiError::Refused(code))) => {
            out.push(Check::fail(
                "slack token",
                format!("Slack refused SLACK_BOT_TOKEN ({code})"),
                "copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions",
            ));
            None
        }
        Ok(Err(e)) => {
            out.push(Check::fail(
                "slack token",
                hide(format!("cannot reach Slack at {url}: {e}")),
                "check the network, or PARTNERFIT_SLACK_API_URL",
            ));
            None
        }
        Err(_) => {
            out.push(Check::fail(
                "slack token",
                format!("no answer from Slack at {url}"),
                "check the network, or PARTNERFIT_SLACK_API_URL",
            ));
            None
        }
    }
}

/// Each active schedule: its channel (through the platform's `Chat`) and its next fire times.
async fn schedules(
    store: &Store,
    discord: Option<&Arc<serenity::all::Http>>,
    slack: Option<&(crate::slack::chat::SlackChat, String)>,
    out: &mut Vec<Check>,
) {
    let rows = match store.active_schedules().await {
        Ok(rows) => rows,
        Err(e) => {
            out.push(Check::fail(
                "schedules",
                format!("cannot be read: {e}"),
                "run `partnerfit migrate`",
            ));
            return;
        }
    };
    if rows.is_empty() {
        out.push(Check::pass(
            "schedules",
            "none active: digests are posted once a lead runs /schedule set (docs/discord-setup.md)",
        ));
        return;
    }
    let discord_chat = discord.map(|h| preflight::chat(h.clone()));
    let app = App::with_wall_clock(store.clone());
    for row in rows {
        let ws = row.workspace_id.as_str();
        let label = format!("{} digest of {ws}", row.digest);
        let platform = Platform::of(ws);
        let (chat, name): (Option<&dyn Chat>, Option<String>) = match platform {
            Platform::Discord => match (&discord_chat, discord) {
                (Some(c), Some(h)) => (
                    Some(c as &dyn Chat),
                    preflight::channel_name(h, &row.channel_id).await,
                ),
                _ => (None, None),
            },
            Platform::Slack => match slack {
                Some((c, team)) if team == ws => (Some(c as &dyn Chat), None),
                _ => (None, None),
            },
        };
        let channel = match name {
            Some(n) => format!("#{n} ({})", row.channel_id),
            None => format!("channel {}", row.channel_id),
        };
        out.push(match chat {
            None => Check::fail(
                format!("{label}: channel"),
                format!("{channel} not checked: no accepted token for this workspace's platform"),
                "fix the token above first",
            ),
            Some(chat) => match tokio::time::timeout(
                CHANNEL_TIMEOUT,
                chat.check_can_post(ws, &row.channel_id),
            )
            .await
            {
                Ok(Ok(())) => Check::pass(
                    format!("{label}: channel"),
                    format!("{channel}: the bot may view, send, embed and attach there"),
                ),
                // A server error, a rate limit or a network failure says nothing of the bot's access: the
                // check was not made, and granting permissions would not help.
                Ok(Err(PostError::Transient(why))) => Check::fail(
                    format!("{label}: channel"),
                    format!(
                        "{channel} not checked: asking {} failed ({why})",
                        match platform {
                            Platform::Discord => "Discord",
                            Platform::Slack => "Slack",
                        }
                    ),
                    "run doctor again; if it keeps failing, check the network, the proxy URL, and the platform's status page",
                ),
                Ok(Err(PostError::Forbidden(why))) => Check::fail(
                    format!("{label}: channel"),
                    format!("{channel}: {}", why.replacen("I am ", "the bot is ", 1)),
                    format!(
                        "{} (or move the digest: /schedule set digest:{} channel:…)",
                        platform.post_access_hint(),
                        row.digest
                    ),
                ),
                Err(_) => Check::fail(
                    format!("{label}: channel"),
                    format!(
                        "{channel}: no answer within {} s",
                        CHANNEL_TIMEOUT.as_secs()
                    ),
                    "check the network, or the proxy URL",
                ),
            },
        });
        out.push(next_fires(&app, &row, &label).await);
    }
}

/// The next fire times of one schedule, in the workspace's time zone.
async fn next_fires(app: &App, row: &crate::store::ScheduleRow, label: &str) -> Check {
    let name = format!("{label}: next");
    let views = match crate::app::schedules::views(app, &row.workspace_id).await {
        Ok(v) => v,
        Err(e) => {
            return Check::fail(
                name,
                format!("cannot be computed: {e}"),
                "check the workspace's settings (/settings show)",
            )
        }
    };
    let runs = views
        .iter()
        .find(|v| v.digest == row.digest)
        .map(|v| v.next_runs.clone())
        .unwrap_or_default();
    if runs.is_empty() {
        return Check::fail(
            name,
            format!("`{}` does not fire again", row.cron),
            format!(
                "set a cron expression that fires: /schedule set digest:{} cron:\"…\"",
                row.digest
            ),
        );
    }
    let times: Vec<String> = runs
        .iter()
        .map(|r| format!("{} (covers {})", r.at, r.period))
        .collect();
    Check::pass(name, format!("`{}`: {}", row.cron, times.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DiscordConfig, SlackConfig};

    #[tokio::test]
    async fn urls_are_shown_without_their_passwords() {
        // A password in every URL the checks show, as a parameter or before the host; nothing answers on
        // port 1.
        let config = Config {
            database_url: "postgres://app@127.0.0.1:1/x?password=hunter2".into(),
            discord: DiscordConfig {
                token: Some("test-token".into()),
                proxy_url: Some("http://proxy:pw-proxy-s3cret@127.0.0.1:1".into()),
                ..DiscordConfig::default()
            },
            slack: SlackConfig {
                bot_token: Some("xoxb-test".into()),
                app_token: Some("xapp-test".into()),
                api_url: "http://slack:pw-slack-s3cret@127.0.0.1:1/api/".into(),
                ..SlackConfig::default()
            },
            ..Config::default()
        };
        let mut out = Vec::new();
        assert!(database(&config, &mut out).await.is_none());
        assert!(discord(&config, &mut out).await.is_none());
        assert!(slack(&config, &mut out).await.is_none());
        let text: Vec<String> = out.iter().map(Check::line).collect();
        let text = text.join("\n");
        for secret in ["hunter2", "pw-proxy-s3cret", "pw-slack-s3cret"] {
            assert!(!text.contains(secret), "{text}");
        }
        for shown in [
            "cannot open postgres://app@127.0.0.1:1/x?password=***: ",
            "cannot reach http://proxy:***@127.0.0.1:1: ",
            "cannot reach Slack at http://slack:***@127.0.0.1:1/api/: ",
        ] {
            assert!(text.contains(shown), "{shown}\n{text}");
        }
    }

    #[test]
    fn lines_say_what_failed_and_how_to_fix_it_without_secrets() {
        let ok = Check::pass("config", "no config file");
        assert_eq!(ok.line(), "✓ config: no config file");
        let bad = Check::fail(
            "discord token",
            "rejected Bot.s3cret-token-value",
            "copy it again",
        )
        .scrubbed(&["Bot.s3cret-token-value".to_string(), "short".to_string()]);
        assert_eq!(
            bad.line(),
            "✗ discord token: rejected *** — fix: copy it again"
        );
    }
}
