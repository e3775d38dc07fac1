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
//! Slack Connect: a channel shared with another organisation brings its people's commands, mentions, button
//! presses and forms here too, and a payload may name their team rather than ours. Every request acts on the
//! workspace of the team the app is installed in (`auth.test`, [`Bot::installed_team`]), whatever team the
//! payload names, and only people of that team are answered: anyone else gets one short refusal that shows
//! and changes nothing (the `standing` module), privately — in the thread for a mention, on the form for a
//! submission — and no options for the form's menus.
//!
//! Slack escapes `&`, `<` and `>` in command and message text (`&amp;`, `&lt;`, `&gt;`); that is undone
//! ([`unescape`]) once Slack's own tokens (`<#C…|…>`, `<@U…>`, `<!subteam^…>`) were read from the text as
//! Slack sent it, so a `<` someone typed is never taken for one. A form's values are not escaped by Slack.

use super::api::{Api, ApiError};
use super::buttons::{self, ButtonData};
use super::modal::{self, evidence_modal, state_value, Metadata, Preset};
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

/// The workspace id of a Slack team.
pub fn workspace_of(team_id: &str) -> String {
    format!("{SLACK_PREFIX}{team_id}")
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
    /// People's standing and groups' members, as Slack said them lately (the `standing` module).
    pub(super) cache: Mutex<super::standing::Cache>,
    /// Set once the bot token was refused: logged once, then the Slack side stops.
    pub refused: tokio::sync::watch::Sender<bool>,
    /// Where the socket's state is reported (readiness, `/readyz`, systemd).
    pub status: Arc<ServiceStatus>,
    /// How the interactions' callbacks took turns on the socket's read loop.
    pub read_loop: Arc<super::ReadLoop>,
    /// The interactions being answered: a stop waits for them ([`crate::process::DRAIN_BOUND`] at most).
    pub in_flight: crate::process::InFlight,
    /// The team the app is installed in: the one workspace every request acts on ([`Bot::installed_team`]).
    installed: tokio::sync::OnceCell<String>,
}

/// Who pressed, typed or submitted, where. Not the team the payload names: in a Slack Connect channel that
/// may be another organisation's, and the workspace acted on is always the installed team's
/// ([`Bot::installed_team`]).
#[derive(Debug, Clone)]
pub struct Origin {
    /// The user's id (`U…`, `W…`).
    pub user: String,
    /// The conversation it happened in, when the payload names one.
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
            cache: Mutex::default(),
            refused: tokio::sync::watch::channel(false).0,
            status,
            read_loop: Arc::default(),
            in_flight: crate::process::InFlight::new(),
            installed: tokio::sync::OnceCell::new(),
        }
    }

    /// The bot of the team `team` (the `team_id` of `auth.test` at start), which saves asking Slack again
    /// on the first request.
    pub fn installed_in(self, team: String) -> Bot {
        let _ = self.installed.set(team);
        self
    }

    /// The team the app is installed in (a bot token belongs to one team): as given to
    /// [`Bot::installed_in`], else `auth.test`'s, asked once. Never a team a payload names: in a Slack
    /// Connect channel that may be another organisation's.
    pub async fn installed_team(&self) -> Result<&str, AppError> {
        self.installed
            .get_or_try_init(|| async {
                self.api
                    .auth_test()
                    .await
                    .map(|(team, _)| team)
                    .map_err(|e| self.api_failure("auth.test", e))
            })
            .await
            .map(String::as_str)
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

    /// A Web API failure while serving someone: logged, and an error for them.
    pub(super) fn api_failure(&self, what: &str, e: ApiError) -> AppError {
        self.failed(what, &e);
        match e {
            ApiError::Refused(code) if code == "no_such_subteam" => AppError::user(
                "The lead or member group set with /settings roles no longer exists: set it again.",
            ),
            other => AppError::Internal(anyhow::anyhow!("Slack {what}: {other}")),
        }
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
        self.respond(url, &render::notice(text, &self.command), true, false)
            .await
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
    fn reply_message(&self, card: &Card, role: Role) -> Message {
        let (page, n) = render::page_of(card, 0);
        let paging = card.list.as_ref().filter(|_| n > 1).map(|list| {
            (
                buttons::page_value(list, page.saturating_sub(1)),
                buttons::page_value(list, (page + 1).min(n - 1)),
            )
        });
        let to = render::To {
            command: &self.command,
        };
        render::message(card, page, &Self::buttons(card, role), paging, to)
    }

    /// Share a reply's files in its channel (a digest's chart): only for replies everyone in the channel sees;
    /// a private reply says how to share them instead (an export attaches none on Slack: its card says how
    /// to get the file).
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
            _ => "Slack cannot send a file in a private reply: post the digest (post:true) to share its chart in the channel".to_string(),
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
                return self
                    .refuse(response_url, &file_refusal(s, &ctx.workspace, &text))
                    .await;
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
                let msg = self.reply_message(&card, ctx.role);
                self.respond(response_url, &msg, card.ephemeral, replace)
                    .await
            }
            Err(e) => self.refuse(response_url, &e.user_message()).await,
        }
    }

    /// A message that mentions the bot: answered like `/screen`, in `thread_ts` (the thread the mention was
    /// written in, or a new one under it); a refusal goes there to the asker alone.
    pub async fn mention(&self, o: Origin, text: &str, thread_ts: &str) {
        let Some(channel) = o.channel.clone() else {
            return;
        };
        let answered = match self.ctx(&o).await {
            Ok(ctx) => answer_question(&self.app, &ctx, &question_of(text, &self.bot_user_id))
                .await
                .map(|r| (ctx, r)),
            Err(e) => Err(e),
        };
        match answered {
            Ok((ctx, r)) => {
                let msg = self.reply_message(&r.card, ctx.role);
                let mut body = msg.body();
                body["channel"] = json!(channel);
                body["thread_ts"] = json!(thread_ts);
                if let Err(e) = self.api.post("chat.postMessage", &body).await {
                    self.failed("answering a mention", &e);
                }
            }
            Err(e) => {
                let msg = render::notice(&e.user_message(), &self.command);
                self.ephemeral(&channel, &o.user, &msg, Some(thread_ts))
                    .await
            }
        }
    }

    /// A message to `user` alone in `channel` (in the thread `thread_ts` when given).
    async fn ephemeral(&self, channel: &str, user: &str, msg: &Message, thread_ts: Option<&str>) {
        let mut body = msg.body();
        body["channel"] = json!(channel);
        body["user"] = json!(user);
        if let Some(ts) = thread_ts {
            body["thread_ts"] = json!(ts);
        }
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
                    let preset = Preset {
                        partner_id: form.partner_id,
                        partner: form.partner,
                        trait_id: form.trait_id,
                        trait_name: form.trait_name,
                    };
                    self.open_evidence_modal(&ctx, trigger_id, Some(preset), url)
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
        preset: Option<Preset>,
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

    /// Options for an external select of the evidence form (Slack's autocomplete), as (label, id): the typed
    /// text and the partner chosen so far narrow them ([`modal::menu_options`]). None for someone not of the
    /// installed team: a menu cannot say why, and its options are our partners and traits.
    pub async fn suggest(
        &self,
        o: &Origin,
        action_id: &str,
        typed: &str,
        view_state: &Value,
    ) -> Vec<(String, String)> {
        let partner = state_value(view_state, spec::PARTNER.name).and_then(|p| modal::id_of(&p));
        // For people of the installed team, from its workspace: an outsider is offered nothing (and a failed
        // lookup was logged).
        let Ok((team, _)) = self.of_ours(o).await else {
            return Vec::new();
        };
        match modal::menu_options(&self.app, &workspace_of(team), action_id, typed, partner).await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "evidence form suggestions failed");
                Vec::new()
            }
        }
    }

    /// The evidence form `view` submitted: checked and recorded for the partner and the trait its menus
    /// chose, by id ([`crate::app::evidence::submit_form`], which checks again that the trait is one of the
    /// partner's active profile; a form whose partner has no trait to pick is refused), then the verdict
    /// goes to `verdict` — no errors closes the form, `{block id: message}` keeps it open with them — and
    /// then the confirmation is sent to the user privately. When the acknowledgement could not wait for the
    /// verdict (`verdict` dropped), the form is closed already: an error is sent to the user privately
    /// instead.
    pub async fn submit_evidence(
        &self,
        o: Origin,
        view: &Value,
        verdict: tokio::sync::oneshot::Sender<HashMap<String, String>>,
    ) {
        let (state, menu) = (&view["state"], modal::has_trait_menu(view));
        let meta = Metadata::parse(view["private_metadata"].as_str().unwrap_or_default());
        let channel = meta.channel.clone().filter(|c| {
            crate::app::chat::Platform::Slack
                .parse_channel(c)
                .as_deref()
                == Some(c.as_str())
        });
        let o = Origin {
            channel: channel.clone(),
            ..o
        };
        let id = |block: &str| state_value(state, block).and_then(|v| modal::id_of(&v));
        let (partner, trait_id) = (id(spec::PARTNER.name), id(spec::TRAIT.name));
        let fields: Vec<(String, String)> = crate::app::evidence::form_fields()
            .filter_map(|o| state_value(state, o.name).map(|v| (o.name.to_string(), v)))
            .collect();
        let result = match (self.ctx(&o).await, partner, trait_id) {
            (Ok(ctx), Some(p), Some(t)) => {
                crate::app::evidence::submit_form(&self.app, &ctx, p, t, &fields)
                    .await
                    .map(|r| (ctx, r))
            }
            (Err(e), _, _) => Err(e),
            // Not an option of the menus (a form opened before they carried ids): picked again, it is one.
            (Ok(_), None, _) => Err(AppError::user("Pick the partner from the menu.")),
            (Ok(_), _, None) if menu => Err(AppError::user("Pick the trait from the menu.")),
            (Ok(_), _, None) => Err(AppError::user(modal::NO_TRAITS)),
        };
        match result {
            Ok((ctx, reply)) => {
                let _ = verdict.send(HashMap::new());
                if let Some(c) = &channel {
                    let msg = self.reply_message(&reply.card, ctx.role);
                    self.ephemeral(c, &o.user, &msg, None).await;
                }
            }
            // Shown on the form, under the partner (under the trait when it is the trait that is wrong): the
            // form stays open to be corrected.
            Err(e) => {
                let mut message = e.user_message();
                let mut block = spec::PARTNER.name;
                if message == crate::app::evidence::TRAIT_CHANGED
                    || (partner.is_some() && trait_id.is_none() && menu)
                {
                    block = spec::TRAIT.name;
                }
                // Another trait or partner than the button's: the trait is not the partner's, whatever changed.
                if message == crate::app::evidence::TRAIT_CHANGED
                    && meta.preset != partner.zip(trait_id)
                {
                    message =
                        "That trait is not one of the partner's active profile: pick the trait again from the menu."
                            .into();
                }
                let text =
                    crate::app::card::plain(&render::slack_commands(&message, &self.command));
                let errors = HashMap::from([(block.to_string(), render::clip(&text, 150))]);
                if verdict.send(errors).is_err() {
                    match &channel {
                        Some(c) => {
                            let msg = format!("Your evidence was not recorded: {message}");
                            let msg = render::notice(&msg, &self.command);
                            self.ephemeral(c, &o.user, &msg, None).await
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

/// The refusal of a command that takes a file (`/import`), which a Slack command cannot carry: the command
/// line that does it on the server, in this workspace, for the kind of file typed (`what:evidence`), else
/// each kind it takes.
fn file_refusal(s: &spec::CommandSpec, workspace: &str, text: &str) -> String {
    let choices = s.options.iter().find_map(|o| match o.kind {
        Kind::Choice(values) => Some((o.name, values)),
        _ => None,
    });
    let what = choices.map(|(name, values)| {
        let typed = text.split_whitespace().find_map(|w| {
            let (k, v) = w.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim_matches('"'))
        });
        match typed.and_then(|t| values.iter().find(|v| v.eq_ignore_ascii_case(t))) {
            Some(v) => (v.to_string(), String::new()),
            None => (
                "WHAT".to_string(),
                format!(" (WHAT: {})", values.join(", ")),
            ),
        }
    });
    let (what, which) = what.unwrap_or_default();
    let args = format!("{} {what} FILE.csv", s.name());
    format!(
        "/{} takes a file, which Slack commands cannot carry: run `{}` on the server instead{which}.",
        s.name(),
        crate::app::transfer::server_command(workspace, args.replace("  ", " ").trim())
    )
}

/// `/help` on Slack says how Slack runs the commands (the renderer writes each `/screen …` as
/// `/partnerfit screen …`, here as in every reply).
fn slack_help(card: &mut Card, command: &str) {
    card.description = Some(format!(
        "{}\nOn Slack every command is `{command} <command> <options>`, e.g. `{command} screen partner:\"Acme Corp\"`; `{command} evidence add` alone opens a form.",
        card.description.take().unwrap_or_default()
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_command_is_refused_with_the_servers_command_line() {
        let import = spec::find(&["import"]).unwrap();
        assert_eq!(
            file_refusal(import, "slack:T0FAKE01", "import what:Evidence"),
            "/import takes a file, which Slack commands cannot carry: run \
             `partnerfit --workspace slack:T0FAKE01 import evidence FILE.csv` on the server instead."
        );
        assert_eq!(
            file_refusal(import, "slack:T0FAKE01", "import"),
            "/import takes a file, which Slack commands cannot carry: run \
             `partnerfit --workspace slack:T0FAKE01 import WHAT FILE.csv` on the server instead \
             (WHAT: partners, evidence, allocations, outcomes)."
        );
    }

    #[test]
    fn help_says_how_slack_runs_the_commands() {
        let mut card =
            Card::new("h", crate::app::card::Tone::Info).line("/screen — screen a partner");
        slack_help(&mut card, "/partnerfit");
        // the line is the app's, written for Slack by the renderer
        assert_eq!(card.lines[0], "/screen — screen a partner");
        let msg = render::message(
            &card,
            0,
            &[],
            None,
            render::To {
                command: "/partnerfit",
            },
        );
        let text = msg.body().to_string();
        assert!(
            text.contains("/partnerfit screen — screen a partner"),
            "{text}"
        );
        assert!(
            text.contains(
                "On Slack every command is `/partnerfit &lt;command&gt; &lt;options&gt;`"
            ),
            "{text}"
        );
    }
}
