//! Socket Mode events: the slash command (its text is a console line), mentions (answered like `/screen`),
//! buttons, the evidence modal and its autocomplete. Every one becomes an [`Invocation`] of the same command
//! table the console and Discord use, run with the caller's role in the caller's workspace.
//!
//! Slack wants every envelope acknowledged within 3 seconds, and slack-morphism sends an acknowledgement when
//! its callback returns, inside the connection's read loop (envelopes behind it wait too). A command is
//! acknowledged at once and answered through its `response_url`; a button press likewise. Autocomplete
//! options and a form's errors must travel in the acknowledgement itself: options are database reads, and a
//! submission is checked and recorded (a settings read, `users.info` and `usergroups.users.list` when not
//! cached, the write) before it — both at most [`ACK_BUDGET`](super::ACK_BUDGET) after the interaction may
//! have started waiting: the read loop reads one envelope at a time, so one read right after another's
//! callback returned counts from that one's arrival ([`ReadLoop`](super::ReadLoop)). A submission not checked
//! by then closes the form and its outcome follows privately; the
//! private confirmation is sent once the verdict is handed to the acknowledgement (it may reach Slack just
//! before the acknowledgement does).
//!
//! Slack escapes `&`, `<` and `>` in command and message text (`&amp;`, `&lt;`, `&gt;`); that is undone
//! ([`unescape`]) once Slack's own tokens (`<#C…|…>`, `<@U…>`, `<!subteam^…>`) were read from the text as
//! Slack sent it, so a `<` someone typed is never taken for one. A form's values are not escaped by Slack.

use super::api::{Api, ApiError};
use super::buttons::{self, ButtonData};
use super::modal::{evidence_modal, state_value};
use super::render::{self, Button, Message};
use super::text::{normalize, question_of, unescape, unescape_args};
use crate::app::card::Card;
use crate::app::chat::SLACK_PREFIX;
use crate::app::line::{parse_line, Line};
use crate::app::lists::{self, ListId};
use crate::app::outcome::{note, Outcome};
use crate::app::spec::{self, Kind};
use crate::app::{answer_question, dispatch, App, AppError, Ctx, Invocation, Reply};
use crate::domain::Role;
use crate::service::ServiceStatus;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a user's flags and a group's members are trusted before asking Slack again.
const ROLE_TTL: Duration = Duration::from_secs(60);

/// The workspace id of a Slack team.
pub fn workspace_of(team_id: &str) -> String {
    format!("{SLACK_PREFIX}{team_id}")
}

/// What is cached about people, to answer without a Web API round trip per command.
#[derive(Debug, Default)]
struct Cache {
    users: HashMap<String, (Instant, super::api::UserFlags)>,
    groups: HashMap<String, (Instant, Vec<String>)>,
}

/// The Slack side of the bot.
#[derive(Debug)]
pub struct Bot {
    /// The app, posting through Slack.
    pub app: App,
    pub api: Api,
    pub bot_user_id: String,
    /// The slash command (`/partnerfit`).
    pub command: String,
    cache: Mutex<Cache>,
    /// Set once the bot token was refused: logged once, then the Slack side stops.
    pub refused: tokio::sync::watch::Sender<bool>,
    /// Where the socket's state is reported (readiness, `/readyz`, systemd).
    pub status: Arc<ServiceStatus>,
    /// How the interactions' callbacks took turns on the socket's read loop.
    pub read_loop: Arc<super::ReadLoop>,
}

/// Who pressed, typed or submitted, where.
#[derive(Debug, Clone)]
pub struct Origin {
    pub team: String,
    pub user: String,
    pub channel: Option<String>,
}

impl Bot {
    pub fn new(
        app: App,
        api: Api,
        bot_user_id: String,
        command: String,
        status: Arc<ServiceStatus>,
    ) -> Bot {
        Bot {
            app,
            api,
            bot_user_id,
            command,
            cache: Mutex::new(Cache::default()),
            refused: tokio::sync::watch::channel(false).0,
            status,
            read_loop: Arc::default(),
        }
    }

    /// Note a failed Web API call: a refused token is said once, in one line, and stops the Slack side.
    fn failed(&self, what: &str, e: &ApiError) {
        match e {
            ApiError::Auth(code) => {
                self.status.set_slack_connected(false);
                if !self.refused.send_replace(true) {
                    tracing::error!(code = %code, "Slack refused the bot token: the Slack connection stops (Discord, if configured, keeps running); check SLACK_BOT_TOKEN and restart");
                }
            }
            other => tracing::warn!(error = %other, "{what} failed"),
        }
    }

    async fn flags(&self, user: &str) -> Result<super::api::UserFlags, ApiError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((at, f)) = c.users.get(user) {
                if at.elapsed() < ROLE_TTL {
                    return Ok(*f);
                }
            }
        }
        let f = self.api.user_flags(user).await?;
        if let Ok(mut c) = self.cache.lock() {
            c.users.insert(user.to_string(), (Instant::now(), f));
        }
        Ok(f)
    }

    async fn in_group(&self, group: &str, user: &str) -> Result<bool, ApiError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((at, m)) = c.groups.get(group) {
                if at.elapsed() < ROLE_TTL {
                    return Ok(m.iter().any(|u| u == user));
                }
            }
        }
        let members = self.api.group_members(group).await?;
        let found = members.iter().any(|u| u == user);
        if let Ok(mut c) = self.cache.lock() {
            c.groups
                .insert(group.to_string(), (Instant::now(), members));
        }
        Ok(found)
    }

    /// The caller's role: guests (Slack guest accounts) read only; workspace admins and owners, and members
    /// of the configured lead group, lead; the configured member group (everyone when none) are members.
    async fn role(&self, ws: &str, user: &str) -> Result<Role, AppError> {
        // Read before any command runs, so `caller_settings` logs our error.
        let settings = self.app.caller_settings(ws).await?;
        let flags = self
            .flags(user)
            .await
            .map_err(|e| self.api_failure("users.info", e))?;
        if flags.guest {
            return Ok(Role::Guest);
        }
        let in_group = |g: &Option<String>| {
            let g = g.clone();
            async move {
                match g {
                    Some(g) => self.in_group(&g, user).await,
                    None => Ok(false),
                }
            }
        };
        if flags.admin
            || in_group(&settings.lead_role)
                .await
                .map_err(|e| self.api_failure("usergroups.users.list", e))?
        {
            return Ok(Role::Lead);
        }
        if settings.member_role.is_none()
            || in_group(&settings.member_role)
                .await
                .map_err(|e| self.api_failure("usergroups.users.list", e))?
        {
            return Ok(Role::Member);
        }
        Ok(Role::Guest)
    }

    /// A Web API failure while serving someone: logged, and an error for them.
    fn api_failure(&self, what: &str, e: ApiError) -> AppError {
        self.failed(what, &e);
        match e {
            ApiError::Refused(code) if code == "no_such_subteam" => AppError::user(
                "The lead or member group set with /settings roles no longer exists: set it again.",
            ),
            other => AppError::Internal(anyhow::anyhow!("Slack {what}: {other}")),
        }
    }

    /// The command context of a caller.
    async fn ctx(&self, o: &Origin) -> Result<Ctx, AppError> {
        let ws = workspace_of(&o.team);
        let role = self.role(&ws, &o.user).await?;
        Ok(Ctx {
            workspace: ws,
            user: format!("<@{}>", o.user),
            role,
            channel_id: o.channel.clone(),
        })
    }

    /// Respond through a `response_url`.
    async fn respond(&self, url: &str, msg: &Message, ephemeral: bool, replace: bool) {
        let mut body = msg.body();
        body["response_type"] = json!(if ephemeral { "ephemeral" } else { "in_channel" });
        if replace {
            body["replace_original"] = json!(true);
        }
        if let Err(e) = self.api.respond(url, &body).await {
            self.failed("responding", &e);
        }
    }

    /// A refusal or error, for the caller alone.
    async fn refuse(&self, url: &str, text: &str) {
        self.respond(url, &render::notice(text), true, false).await
    }

    /// The buttons of a card: its actions (typed targets), for callers who may use them.
    fn buttons(card: &Card, role: Role) -> Vec<Button> {
        card.actions
            .iter()
            .filter(|a| role >= a.target.min_role())
            .map(|a| Button {
                label: a.label.clone(),
                value: buttons::action_value(&a.target),
            })
            .collect()
    }

    /// A reply as a message, with page buttons when the card is a list (it names its `ListId`) of several
    /// pages.
    fn reply_message(card: &Card, role: Role) -> Message {
        let (page, n) = render::page_of(card, 0);
        let paging = card.list.as_ref().filter(|_| n > 1).map(|list| {
            (
                buttons::page_value(list, page.saturating_sub(1)),
                buttons::page_value(list, (page + 1).min(n - 1)),
            )
        });
        render::message(card, page, &Self::buttons(card, role), paging)
    }

    /// Share a reply's files in its channel (a digest chart, an export): only for replies everyone in the
    /// channel sees; a private reply says where to get them instead.
    async fn share_files(&self, card: &mut Card, channel: Option<&str>) {
        if card.files.is_empty() {
            return;
        }
        let note = match channel {
            Some(c) if !card.ephemeral => {
                let mut ids = Vec::new();
                let mut failed = None;
                for f in &card.files {
                    match self.api.upload(&f.name, &f.bytes).await {
                        Ok(id) => ids.push((id, f.name.clone())),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                let done = match failed {
                    None => self.api.complete_uploads(&ids, c, &[]).await,
                    Some(e) => Err(e),
                };
                match done {
                    Ok(()) => "the file is shared in this channel".to_string(),
                    Err(e) => {
                        self.failed("uploading a file", &e);
                        format!("the file could not be shared here: {}", e.code().map_or_else(|| e.to_string(), super::chat::reason))
                    }
                }
            }
            _ => "files are not shared from a private reply: post the digest (post:true) or use `partnerfit export` on the server".to_string(),
        };
        card.footer = Some(match card.footer.take() {
            Some(f) => format!("{f} · {note}"),
            None => note,
        });
        card.files.clear();
    }

    /// A slash command: its text is a console line without the leading slash.
    pub async fn command(&self, o: Origin, text: &str, response_url: &str, trigger_id: &str) {
        let text = normalize(text);
        let ctx = match self.ctx(&o).await {
            Ok(c) => c,
            Err(e) => return self.refuse(response_url, &e.user_message()).await,
        };
        let words: Vec<&str> = text
            .split_whitespace()
            .take_while(|w| !w.contains(':'))
            .collect();
        if words.is_empty() {
            return self
                .run(&ctx, Invocation::new(spec::HELP.path), response_url)
                .await;
        }
        let lowered: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        if let Some(s) = spec::find(&lowered) {
            if s.options.iter().any(|o| o.kind == Kind::Attachment) {
                let msg = format!("/{} takes a file, which Slack commands cannot carry: run `partnerfit {}` on the server instead (or use Discord).", s.name(), s.name());
                return self.refuse(response_url, &msg).await;
            }
            // The command whose form Slack users get instead of typing it, when it is typed alone.
            if *s == spec::EVIDENCE_ADD && text.trim().eq_ignore_ascii_case(&s.name()) {
                return self
                    .open_evidence_modal(&ctx, trigger_id, None, response_url)
                    .await;
            }
        }
        match parse_line(&format!("/{text}")) {
            Ok(Line::Nothing) => {
                self.run(&ctx, Invocation::new(spec::HELP.path), response_url)
                    .await
            }
            Ok(Line::Command(inv)) => self.run(&ctx, unescape_args(inv), response_url).await,
            Ok(Line::Question(q)) => {
                let reply = answer_question(&self.app, &ctx, &unescape(&q)).await;
                self.answer(&ctx, reply, response_url, false).await
            }
            Err(e) => {
                let msg = format!(
                    "{} — write it as `{} screen partner:\"Acme Corp\"` (see `{} help`).",
                    unescape(&e.message),
                    self.command,
                    self.command
                );
                self.refuse(response_url, &msg).await
            }
        }
    }

    async fn run(&self, ctx: &Ctx, mut inv: Invocation, response_url: &str) {
        if let Err(e) = self.resolve_channels(&mut inv).await {
            return self.refuse(response_url, &e.user_message()).await;
        }
        // The roster is read one page at a time, here as when its page buttons are pressed.
        let reply = match ListId::roster_of(&inv) {
            Some(list) => lists::page(&self.app, ctx, list, 0).await,
            None => dispatch(&self.app, ctx, &inv).await,
        };
        self.answer(ctx, reply, response_url, false).await
    }

    /// A channel option typed as `#name` (Slack escapes it to `<#C…|name>` only when the user picked it from
    /// the menu) becomes that channel's id, looked up among the channels the bot can see.
    async fn resolve_channels(&self, inv: &mut Invocation) -> Result<(), AppError> {
        let Some(s) = spec::find(&inv.path) else {
            return Ok(());
        };
        for o in s.options.iter().filter(|o| o.kind == Kind::Channel) {
            let Some(name) = inv
                .opt_text(o.name)
                .and_then(|v| v.trim().strip_prefix('#'))
                .map(str::to_string)
            else {
                continue;
            };
            let id = self
                .api
                .channel_by_name(&name)
                .await
                .map_err(|e| self.api_failure("conversations.list", e))?
                .ok_or_else(|| {
                    AppError::user(format!(
                        "I cannot see #{}: invite me there first (/invite @partnerfit), or pick another channel.",
                        crate::domain::snippet(&name)
                    ))
                })?;
            inv.args.insert(
                o.name.to_string(),
                crate::app::ArgValue::Text(format!("<#{id}|{name}>")),
            );
        }
        Ok(())
    }

    /// Send a command's reply (or its error, privately) to its response URL.
    async fn answer(
        &self,
        ctx: &Ctx,
        reply: Result<Reply, AppError>,
        response_url: &str,
        replace: bool,
    ) {
        match reply {
            Ok(r) => {
                let mut card = r.card;
                if card.list == Some(ListId::Help) {
                    slack_help(&mut card, &self.command);
                }
                self.share_files(&mut card, ctx.channel_id.as_deref()).await;
                let msg = Self::reply_message(&card, ctx.role);
                self.respond(response_url, &msg, card.ephemeral, replace)
                    .await
            }
            Err(e) => self.refuse(response_url, &e.user_message()).await,
        }
    }

    /// A message that mentions the bot: answered like `/screen`, in `thread_ts` (the thread the mention was
    /// written in, or a new one under it); a refusal goes to the asker alone.
    pub async fn mention(&self, o: Origin, text: &str, thread_ts: &str) {
        let Some(channel) = o.channel.clone() else {
            return;
        };
        let ctx = match self.ctx(&o).await {
            Ok(c) => c,
            Err(e) => {
                return self
                    .ephemeral(&channel, &o.user, &render::notice(&e.user_message()))
                    .await
            }
        };
        let question = question_of(text, &self.bot_user_id);
        match answer_question(&self.app, &ctx, &question).await {
            Ok(r) => {
                let msg = Self::reply_message(&r.card, ctx.role);
                let mut body = msg.body();
                body["channel"] = json!(channel);
                body["thread_ts"] = json!(thread_ts);
                if let Err(e) = self.api.post("chat.postMessage", &body).await {
                    self.failed("answering a mention", &e);
                }
            }
            Err(e) => {
                self.ephemeral(&channel, &o.user, &render::notice(&e.user_message()))
                    .await
            }
        }
    }

    async fn ephemeral(&self, channel: &str, user: &str, msg: &Message) {
        let mut body = msg.body();
        body["channel"] = json!(channel);
        body["user"] = json!(user);
        if let Err(e) = self.api.post("chat.postEphemeral", &body).await {
            self.failed("a private reply", &e);
        }
    }

    /// A button press (block_actions): acknowledged already; answered here.
    pub async fn press(
        &self,
        o: Origin,
        value: &str,
        response_url: Option<&str>,
        trigger_id: &str,
    ) {
        let ctx = match self.ctx(&o).await {
            Ok(c) => c,
            Err(e) => {
                if let Some(url) = response_url {
                    self.refuse(url, &e.user_message()).await;
                }
                return;
            }
        };
        match ButtonData::parse(value) {
            Some(ButtonData::RecordEvidence {
                partner: partner_id,
                trait_id,
            }) => match crate::app::evidence::form(&self.app, &ctx, partner_id, trait_id).await {
                Ok(form) => {
                    let url = response_url.unwrap_or_default();
                    let preset = Some((form.partner, form.trait_name));
                    self.open_evidence_modal(&ctx, trigger_id, preset, url)
                        .await
                }
                Err(e) => {
                    if let Some(url) = response_url {
                        self.refuse(url, &e.user_message()).await;
                    }
                }
            },
            // A new message in the channel: the choice stays, so another candidate can be picked.
            Some(ButtonData::Screen { partner }) => {
                let Some(url) = response_url else { return };
                let reply = crate::app::screen::screen_by_id(&self.app, &ctx, partner).await;
                self.answer(&ctx, reply, url, false).await
            }
            Some(ButtonData::Page { list, page }) => {
                let Some(url) = response_url else { return };
                let reply = lists::page(&self.app, &ctx, list, page).await;
                self.answer(&ctx, reply, url, true).await
            }
            None => {
                if let Some(url) = response_url {
                    self.refuse(url, "That button is not supported.").await;
                }
            }
        }
    }

    /// Open the evidence form (`views.open`), its partner and trait pre-selected when a button named them.
    async fn open_evidence_modal(
        &self,
        ctx: &Ctx,
        trigger_id: &str,
        preset: Option<(String, String)>,
        response_url: &str,
    ) {
        if let Err(e) = crate::app::evidence::may_record(ctx) {
            return self.refuse(response_url, &e.user_message()).await;
        }
        let view = evidence_modal(ctx.channel_id.as_deref(), preset.as_ref());
        let opened = self
            .api
            .post(
                "views.open",
                &json!({"trigger_id": trigger_id, "view": view}),
            )
            .await;
        // The form is the answer: opened is answered, not opened is our failure.
        note(if opened.is_ok() {
            Outcome::Ok
        } else {
            Outcome::InternalError
        });
        if let Err(e) = opened {
            self.failed("opening the evidence form", &e);
            if !response_url.is_empty() {
                let msg = format!("I could not open the form ({e}): type `{} evidence add partner:\"…\" trait:\"…\" met:true` instead.", self.command);
                self.refuse(response_url, &msg).await;
            }
        }
    }

    /// Options for an external select of the evidence form (Slack's autocomplete): the typed text and the
    /// partner chosen so far narrow them.
    pub async fn suggest(
        &self,
        o: &Origin,
        action_id: &str,
        typed: &str,
        view_state: &Value,
    ) -> Vec<(String, String)> {
        let path: Vec<String> = spec::EVIDENCE_ADD
            .path
            .iter()
            .map(|s| s.to_string())
            .collect();
        let others: Vec<(String, String)> = state_value(view_state, spec::PARTNER.name)
            .map(|p| vec![(spec::PARTNER.name.to_string(), p)])
            .unwrap_or_default();
        match crate::app::complete::suggest(
            &self.app,
            &workspace_of(&o.team),
            &path,
            action_id,
            typed,
            &others,
        )
        .await
        {
            Ok(v) => v.into_iter().map(|s| (s.label, s.value)).collect(),
            Err(e) => {
                tracing::error!(error = %e, "evidence form suggestions failed");
                Vec::new()
            }
        }
    }

    /// The evidence form submitted: checked and recorded, then the verdict goes to `verdict` — no errors
    /// closes the form, `{block id: message}` keeps it open with them — and then the confirmation is sent to
    /// the user privately. When the acknowledgement could not wait for the verdict (`verdict` dropped), the
    /// form is closed already: an error is sent to the user privately instead.
    pub async fn submit_evidence(
        &self,
        o: Origin,
        state: &Value,
        metadata: &str,
        verdict: tokio::sync::oneshot::Sender<HashMap<String, String>>,
    ) {
        let channel = serde_json::from_str::<Value>(metadata)
            .ok()
            .and_then(|m| m["c"].as_str().map(str::to_string))
            .filter(|c| {
                crate::app::chat::Platform::Slack
                    .parse_channel(c)
                    .as_deref()
                    == Some(c.as_str())
            });
        let o = Origin {
            channel: channel.clone(),
            ..o
        };
        let mut inv = Invocation::new(spec::EVIDENCE_ADD.path);
        for opt in spec::EVIDENCE_ADD.options {
            if let Some(v) = state_value(state, opt.name).filter(|v| !v.trim().is_empty()) {
                inv = inv.with(opt.name, v);
            }
        }
        let result = match self.ctx(&o).await {
            Ok(ctx) => dispatch(&self.app, &ctx, &inv).await.map(|r| (ctx, r)),
            Err(e) => Err(e),
        };
        match result {
            Ok((ctx, reply)) => {
                let _ = verdict.send(HashMap::new());
                if let Some(c) = &channel {
                    let msg = Self::reply_message(&reply.card, ctx.role);
                    self.ephemeral(c, &o.user, &msg).await;
                }
            }
            // Shown on the form, under the partner: the form stays open to be corrected.
            Err(e) => {
                let errors =
                    HashMap::from([("partner".to_string(), render::clip(&e.user_message(), 150))]);
                if verdict.send(errors).is_err() {
                    match &channel {
                        Some(c) => {
                            let msg = format!(
                                "Your evidence was not recorded: {}",
                                e.user_message()
                            );
                            self.ephemeral(c, &o.user, &render::notice(&msg)).await
                        }
                        None => tracing::warn!(
                            "an evidence form checked too late was refused, with no channel to say so"
                        ),
                    }
                }
            }
        }
    }
}

/// `/help` as Slack users type the commands: `/partnerfit screen …` instead of `/screen …`.
fn slack_help(card: &mut Card, command: &str) {
    for l in &mut card.lines {
        if let Some(rest) = l.strip_prefix('/') {
            *l = format!("{command} {rest}");
        }
    }
    card.description = Some(format!(
        "{}\nOn Slack every command is `{command} <command> <options>`, e.g. `{command} screen partner:\"Acme Corp\"`; `{command} evidence add` alone opens a form.",
        card.description.take().unwrap_or_default()
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_the_slack_command() {
        let mut card =
            Card::new("h", crate::app::card::Tone::Info).line("/screen — screen a partner");
        slack_help(&mut card, "/partnerfit");
        assert_eq!(card.lines[0], "/partnerfit screen — screen a partner");
    }
}
