//! Gateway events: slash commands, autocomplete, buttons and modals, and questions that mention the bot.
//! A slash command becomes an [`Invocation`] of the same command table the console uses, after its role is
//! checked (and, for `/import`, acknowledged before its attachment is downloaded). A button or form id is
//! data, parsed strictly by [`super::buttons`], never a command to replay.

use super::buttons::{self, Button, EvidenceForm};
use super::chat::DiscordChat;
use super::mine::{component_deferral, Asked, Handled, Mine};
use super::options::{command_path, download_limited, invocation, option_values};
use super::render::{attachments, clip, components, embed, mentions, no_pings, notice};
use super::reply::{self, Answering, Deferral, Response};
use crate::app::card::Card;
use crate::app::delivery::Delivery;
use crate::app::lists::{self, ListId};
use crate::app::spec::{self, Kind};
use crate::app::{
    answer_question, complete, dispatch, evidence, App, AppError, ArgValue, Ctx, Invocation, Reply,
};
use crate::domain::Role;
use serenity::all::{
    ActionRowComponent, Attachment, AutocompleteOption, CommandInteraction, ComponentInteraction,
    Context, CreateActionRow, CreateAttachment, CreateAutocompleteResponse, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    EditInteractionResponse, EventHandler, InputTextStyle, Interaction, Member, Message,
    ModalInteraction, Nonce, Permissions, Ready, ResumedEvent, ShardStageUpdateEvent,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What runs once on the first READY, with Discord as the chat.
pub type OnReady = Box<dyn FnOnce(DiscordChat) + Send>;

/// serenity's event handler for the bot. Nothing here keeps an event's `Context` past the event's own task
/// (only its HTTP client and cache, through [`chat_of`]): a stop learns that serenity's event tasks have all
/// ended from their contexts being gone (`EventTasks` in [`super`]).
pub struct Handler {
    /// The app without a chat; each event gets one with Discord attached ([`Handler::app`]).
    pub base: App,
    pub guild_ids: Vec<u64>,
    /// Run once, on the first READY (it survives reconnects): starts the scheduler.
    pub on_first_ready: std::sync::Mutex<Option<OnReady>>,
    /// Set on the first READY, which starts the registration of the slash commands
    /// ([`super::register::register`]): once a process.
    pub registered: AtomicBool,
    /// Where each shard's connection and the registration are reported.
    pub status: Arc<crate::service::ServiceStatus>,
    /// Downloads attachments (`/import`), streaming, with the size limit checked as bytes arrive.
    pub downloads: reqwest::Client,
    /// The interactions and questions being answered: a shutdown waits for them. Each is counted from when its
    /// task first runs; one whose task serenity spawned but had not run yet at the stop is waited for through
    /// serenity's data map (`EventTasks` in [`super`]).
    pub in_flight: crate::process::InFlight,
}

/// The caller's role in guild `guild` from their permissions and roles, against the workspace's role settings.
/// A member role stored as the guild's own id (its @everyone role, which no member's role list names; set
/// before @everyone was stored as none) means everyone is a member, as no member role does.
pub fn role_of(
    guild: &str,
    permissions: Option<Permissions>,
    roles: &[String],
    settings: &crate::app::Settings,
) -> Role {
    let has = |r: &Option<String>| r.as_ref().is_some_and(|id| roles.iter().any(|x| x == id));
    let everyone_is_member = settings.member_role.as_deref().is_none_or(|id| id == guild);
    if permissions.is_some_and(|p| {
        p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR)
    }) || has(&settings.lead_role)
    {
        Role::Lead
    } else if everyone_is_member || has(&settings.member_role) {
        Role::Member
    } else {
        Role::Guest
    }
}

impl Handler {
    /// The app, posting through this connection.
    fn app(&self, ctx: &Context) -> App {
        self.base.clone().with_chat(Arc::new(chat_of(ctx)))
    }

    /// The command context of an interaction in a guild; None in DMs. The guild's settings are those read when
    /// the interaction's id was taken ([`first_delivery`]); when it was not (unconfirmed), they are read here
    /// with [`App::caller_settings`], which logs our error.
    async fn ctx(
        &self,
        guild: Option<u64>,
        member: Option<&Member>,
        channel: u64,
        mine: &Mine,
    ) -> Result<Option<Ctx>, AppError> {
        let (Some(g), Some(m)) = (guild, member) else {
            return Ok(None);
        };
        let ws = g.to_string();
        let read;
        let settings = match mine {
            Mine::Taken(s) => s,
            Mine::Unconfirmed(_) | Mine::Unwritable => {
                // The take has spent up to half a second of Discord's three already: the settings get one more,
                // so that the apology for a database that is away still goes out in time.
                let reading = self.base.caller_settings(&ws);
                read = match tokio::time::timeout(SETTINGS_WITHIN, reading).await {
                    Ok(settings) => settings?,
                    Err(_) => {
                        return Err(AppError::Internal(anyhow::anyhow!(
                            "the server's settings could not be read within {SETTINGS_WITHIN:?}: the database is away or jammed"
                        )))
                    }
                };
                &read
            }
        };
        let roles: Vec<String> = m.roles.iter().map(|r| r.to_string()).collect();
        let role = role_of(&ws, m.permissions, &roles, settings);
        Ok(Some(Ctx {
            workspace: ws,
            user: format!("<@{}>", m.user.id),
            role,
            channel_id: Some(channel.to_string()),
        }))
    }

    /// A slash command. Refusals that come before it runs record nothing and are answered at once; one whose
    /// delivery is unconfirmed runs only once the deferral sent before it was decided and the process holds its
    /// id ([`Mine::answering`]). A declared-deferred command runs only when a deferral is in place for its edit.
    /// Whether it was handled or dropped.
    async fn command(&self, ctx: &Context, cmd: &CommandInteraction, mine: Mine) -> Handled {
        let app = self.app(ctx);
        let guild = cmd.guild_id.map(|g| g.get());
        let asked = Asked {
            id: cmd.id,
            guild: cmd.guild_id,
            token: &cmd.token,
            status: &self.status,
        };
        // A refusal is private: after another process's deferral (public or not) it is a follow-up of its own.
        let refusal = Some(Deferral::Message { ephemeral: false });
        let refuse = |text: &str| {
            let response = error_message(text).into();
            mine.refuse(&self.base, ctx, asked, refusal, response)
        };
        let caller = match self
            .ctx(guild, cmd.member.as_deref(), cmd.channel_id.get(), &mine)
            .await
        {
            Ok(Some(c)) => c,
            Ok(None) => return refuse(NOT_IN_A_SERVER).await,
            Err(e) => return refuse(&e.user_message()).await,
        };
        let (mut inv, files) = match invocation(cmd) {
            Ok(i) => i,
            Err(e) => return refuse(&e).await,
        };
        // The role first: nothing is downloaded or computed for a caller who may not run the command.
        let declared = spec::find(&inv.path);
        if let Some(s) = declared {
            if let Err(e) = crate::app::require(&caller, s.min_role, &format!("run /{}", s.name()))
            {
                return refuse(&e.user_message()).await;
            }
        }
        // Commands that may take longer than Discord's 3 seconds (the declaration says): acknowledged first,
        // answered by an edit. The acknowledgement also decides which process runs one whose delivery is
        // unconfirmed.
        if let Some(ephemeral) = declared.and_then(|s| s.deferred(&inv)) {
            let deferral = Deferral::Message { ephemeral };
            // With `defer`, an answering is always after a deferral in place (this one's, or another process's):
            // the edit below needs one, else nothing is run (dropped, logged by `answering`).
            match mine.answering(&self.base, ctx, asked, deferral, true).await {
                Some(Answering::After(_)) => {}
                Some(Answering::Initial { .. }) => {
                    tracing::warn!(
                        interaction = %cmd.id,
                        "a deferred command with no deferral in place; dropped"
                    );
                    return Handled::Dropped;
                }
                None => return Handled::Dropped,
            }
            // Acknowledged, so a slow download does not miss Discord's 3 seconds.
            let result = match self.download(&files, &mut inv).await {
                Ok(()) => dispatch(&app, &caller, &inv).await,
                Err(e) => Err(AppError::User(e)),
            };
            let (edit, files) = match result {
                Ok(r) => edit_from(&r.card, 0),
                Err(e) => (
                    EditInteractionResponse::new()
                        .content(notice(&format!("⚠ {}", e.user_message()), 2000))
                        .allowed_mentions(no_pings()),
                    Vec::new(),
                ),
            };
            if let Err(e) = reply::edit_original(&ctx.http, cmd.id, &cmd.token, &edit, files).await
            {
                tracing::warn!(error = %e, "could not send the deferred reply");
            }
            return Handled::Yes;
        }
        // Answered at once; when unconfirmed, after a deferral as public as a command's answer.
        let deferral = Deferral::Message { ephemeral: false };
        let answering = mine
            .answering(&self.base, ctx, asked, deferral, false)
            .await;
        let Some(answering) = answering else {
            return Handled::Dropped;
        };
        let result = match (
            self.download(&files, &mut inv).await,
            ListId::roster_of(&inv),
        ) {
            (Err(e), _) => Err(AppError::User(e)),
            // The roster is read one page at a time, here as when its page buttons are pressed. Boxed: its
            // future is the largest of a command's, and every command's future (a `/screen`'s too) would
            // carry its size, copied at each interaction.
            (Ok(()), Some(list)) => Box::pin(lists::page(&app, &caller, list, 0)).await,
            (Ok(()), None) => dispatch(&app, &caller, &inv).await,
        };
        let response = match result {
            Ok(r) => answer(CreateInteractionResponse::Message, &r.card),
            Err(e) => error_message(&e.user_message()).into(),
        };
        if let Err(e) = reply::answer(&ctx.http, cmd.id, &cmd.token, answering, response).await {
            tracing::warn!(error = %e, "could not reply to the interaction");
        }
        Handled::Yes
    }

    async fn autocomplete(&self, ctx: &Context, cmd: &CommandInteraction) {
        let Some(focused) = cmd.data.autocomplete() else {
            return;
        };
        let choices = match cmd.guild_id {
            Some(g) => self
                .suggest(&g.to_string(), cmd, &focused)
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = ?e, "autocomplete failed");
                    Vec::new()
                }),
            None => Vec::new(),
        };
        let resp = choices
            .into_iter()
            .take(complete::MAX_SUGGESTIONS)
            .fold(CreateAutocompleteResponse::new(), |r, c| {
                r.add_string_choice(clip(&c.0, 100), clip(&c.1, 100))
            });
        if let Err(e) = cmd
            .create_response(&ctx.http, CreateInteractionResponse::Autocomplete(resp))
            .await
        {
            tracing::warn!(error = %e, "could not answer autocomplete");
        }
    }

    /// Up to [`complete::MAX_SUGGESTIONS`] (label, value) suggestions for the focused option, from the caller's
    /// workspace only.
    async fn suggest(
        &self,
        ws: &str,
        cmd: &CommandInteraction,
        focused: &AutocompleteOption<'_>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let others = option_values(&cmd.data.options());
        let found = complete::suggest(
            &self.base,
            ws,
            &command_path(cmd),
            focused.name,
            focused.value.trim(),
            &others,
        )
        .await?;
        Ok(found.into_iter().map(|s| (s.label, s.value)).collect())
    }

    /// A pressed button. One whose delivery is unconfirmed is handled once the deferral that comes before it
    /// was decided and the process holds its id ([`Mine::answering`]), but for a button that records nothing and
    /// must be answered at once ([`component_deferral`]). Whether it was handled or dropped.
    async fn component(&self, ctx: &Context, c: &ComponentInteraction, mine: Mine) -> Handled {
        let guild = c.guild_id.map(|g| g.get());
        let member = c.member.as_ref();
        // None for a button that opens a form: the form must be the initial response, nothing can follow a
        // refusal of it (it records nothing).
        let deferral = component_deferral(&c.data.custom_id);
        let asked = Asked {
            id: c.id,
            guild: c.guild_id,
            token: &c.token,
            status: &self.status,
        };
        let refuse = |text: &str| {
            let response = error_message(text).into();
            mine.refuse(&self.base, ctx, asked, deferral, response)
        };
        let (answering, response) = match self.ctx(guild, member, c.channel_id.get(), &mine).await {
            Ok(Some(caller)) => {
                let answering = match deferral {
                    Some(deferral) => {
                        let answering = mine
                            .answering(&self.base, ctx, asked, deferral, false)
                            .await;
                        match answering {
                            Some(answering) => answering,
                            None => return Handled::Dropped,
                        }
                    }
                    None => mine.initial(None),
                };
                let response = self.button(ctx, &caller, &c.data.custom_id).await;
                (answering, response)
            }
            Ok(None) => return refuse(NOT_IN_A_SERVER).await,
            Err(e) => return refuse(&e.user_message()).await,
        };
        if let Err(e) = reply::answer(&ctx.http, c.id, &c.token, answering, response).await {
            tracing::warn!(error = %e, "could not answer the button");
        }
        Handled::Yes
    }

    /// The answer to a pressed button: its id is parsed strictly into one of our kinds, and what it names is
    /// read from the caller's workspace with the caller's role checked again.
    async fn button(&self, ctx: &Context, caller: &Ctx, id: &str) -> Response {
        match buttons::parse_button(id) {
            Err(buttons::NotOurs) => {
                tracing::info!(workspace = %caller.workspace, "refused a button id that is not ours");
                error_message(
                    "That button is not one of mine, or it is from an older version: run the command again.",
                )
                .into()
            }
            Ok(Button::Page { list, page }) => {
                match lists::page(&self.app(ctx), caller, list, page).await {
                    Ok(r) => answer(CreateInteractionResponse::UpdateMessage, &r.card),
                    Err(e) => error_message(&e.user_message()).into(),
                }
            }
            // A new message: the choice stays, so someone else may pick another candidate.
            Ok(Button::Screen { partner }) => {
                match crate::app::screen::screen_by_id(&self.app(ctx), caller, partner).await {
                    Ok(r) => answer(CreateInteractionResponse::Message, &r.card),
                    Err(e) => error_message(&e.user_message()).into(),
                }
            }
            Ok(Button::RecordEvidence { partner, trait_id }) => {
                let form = EvidenceForm { partner, trait_id };
                match self.evidence_modal(caller, form).await {
                    Ok(m) => CreateInteractionResponse::Modal(m).into(),
                    Err(e) => error_message(&e.user_message()).into(),
                }
            }
        }
    }

    /// The modal to record evidence for one trait of one partner. Its fields are the declared options of
    /// `/evidence add` after the partner and the trait ([`evidence::form_fields`]), with their declared limits.
    async fn evidence_modal(
        &self,
        caller: &Ctx,
        form: EvidenceForm,
    ) -> Result<CreateModal, AppError> {
        let target = evidence::form(&self.base, caller, form.partner, form.trait_id).await?;
        let rows = evidence::form_fields()
            .filter_map(|o| {
                let (label, placeholder, required) = match (o.kind, &target.threshold) {
                    (Kind::Bool, Some(_)) | (Kind::Number, None) => return None,
                    (Kind::Bool, None) => ("Met? (yes or no)".to_string(), "yes or no", true),
                    (Kind::Number, Some(rule)) => {
                        (format!("Value ({rule})"), "a number, e.g. 31", true)
                    }
                    _ if o.name == spec::SOURCE_OPT.name => (
                        o.description.to_string(),
                        target.verify_by.as_deref().unwrap_or("e.g. overlap report"),
                        o.required,
                    ),
                    _ => (o.description.to_string(), "", o.required),
                };
                let style = match o.kind {
                    Kind::Text { max, .. } if max > 500 => InputTextStyle::Paragraph,
                    _ => InputTextStyle::Short,
                };
                let mut input = CreateInputText::new(style, clip(&label, 45), o.name)
                    .required(required)
                    .max_length(u16::try_from(o.kind.max_chars()).unwrap_or(u16::MAX));
                if !placeholder.is_empty() {
                    input = input.placeholder(clip(placeholder, 100));
                }
                Some(CreateActionRow::InputText(input))
            })
            .collect();
        Ok(CreateModal::new(
            buttons::form_id(EvidenceForm {
                partner: target.partner_id,
                trait_id: target.trait_id,
            }),
            clip(&format!("{} — {}", target.partner, target.trait_name), 45),
        )
        .components(rows))
    }

    /// The evidence form sent. One whose delivery is unconfirmed records once the deferral that comes before it
    /// was decided and the process holds its id ([`Mine::answering`]). Whether it was handled or dropped.
    async fn modal(&self, ctx: &Context, m: &ModalInteraction, mine: Mine) -> Handled {
        let guild = m.guild_id.map(|g| g.get());
        let member = m.member.as_ref();
        let deferral = Deferral::Message { ephemeral: false };
        let asked = Asked {
            id: m.id,
            guild: m.guild_id,
            token: &m.token,
            status: &self.status,
        };
        let refuse = |text: &str| {
            let response = error_message(text).into();
            mine.refuse(&self.base, ctx, asked, Some(deferral), response)
        };
        let (answering, response) = match self.ctx(guild, member, m.channel_id.get(), &mine).await {
            Ok(Some(caller)) => {
                let answering = mine
                    .answering(&self.base, ctx, asked, deferral, false)
                    .await;
                let Some(answering) = answering else {
                    return Handled::Dropped;
                };
                let response = match self.modal_evidence(&self.app(ctx), &caller, m).await {
                    Ok(r) => answer(CreateInteractionResponse::Message, &r.card),
                    Err(e) => error_message(&e.user_message()).into(),
                };
                (answering, response)
            }
            Ok(None) => return refuse(NOT_IN_A_SERVER).await,
            Err(e) => return refuse(&e.user_message()).await,
        };
        if let Err(e) = reply::answer(&ctx.http, m.id, &m.token, answering, response).await {
            tracing::warn!(error = %e, "could not answer the modal");
        }
        Handled::Yes
    }

    async fn modal_evidence(
        &self,
        app: &App,
        caller: &Ctx,
        m: &ModalInteraction,
    ) -> Result<Reply, AppError> {
        let form = buttons::parse_form(&m.data.custom_id)
            .map_err(|_| AppError::user("That form is not one of mine: press the button again."))?;
        let fields: Vec<(String, String)> = m
            .data
            .components
            .iter()
            .flat_map(|row| &row.components)
            .filter_map(|comp| match comp {
                ActionRowComponent::InputText(input) => Some((
                    input.custom_id.clone(),
                    input.value.clone().unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        evidence::submit_form(app, caller, form.partner, form.trait_id, &fields).await
    }

    /// Download the attachments of a command (after its role check), each with the size limit enforced
    /// while the bytes arrive.
    async fn download(
        &self,
        files: &[(String, Attachment)],
        inv: &mut Invocation,
    ) -> Result<(), String> {
        for (option, a) in files {
            let bytes = download_limited(&self.downloads, a).await?;
            inv.args.insert(
                option.clone(),
                ArgValue::File {
                    name: a.filename.clone(),
                    bytes,
                },
            );
        }
        Ok(())
    }

    /// A message that mentions the bot: answered like /screen.
    async fn mention(&self, ctx: &Context, msg: &Message) {
        let me = ctx.cache.current_user().id;
        if msg.author.bot || !msg.mentions_user_id(me) {
            return;
        }
        let Some(g) = msg.guild_id else {
            return;
        };
        let settings = match first_delivery(&self.base, msg.id.get(), Some(g)).await {
            Delivery::First(settings) => Some(settings),
            // Answered all the same: answering records nothing, and the answer's nonce keeps a second process
            // that answers too from posting it twice.
            Delivery::Unconfirmed(_) | Delivery::Unwritable => None,
            Delivery::Repeat => return,
        };
        let ws = g.to_string();
        let settings = match settings {
            Some(s) => Ok(s),
            None => self.base.caller_settings(&ws).await,
        };
        let caller = match settings {
            Ok(settings) => {
                let roles: Vec<String> = msg
                    .member
                    .as_ref()
                    .map(|m| m.roles.iter().map(|r| r.to_string()).collect())
                    .unwrap_or_default();
                let role = role_of(&ws, None, &roles, &settings);
                Ctx {
                    workspace: ws,
                    user: format!("<@{}>", msg.author.id),
                    role,
                    channel_id: Some(msg.channel_id.to_string()),
                }
            }
            // Logged by `caller_settings`; the question goes unanswered.
            Err(_) => return,
        };
        let text = msg
            .content
            .replace(&format!("<@{me}>"), " ")
            .replace(&format!("<@!{me}>"), " ");
        let message = match answer_question(&self.base, &caller, text.trim()).await {
            Ok(r) => CreateMessage::new()
                .embed(embed(&r.card, 0))
                .components(components(&r.card, 0)),
            Err(e) => CreateMessage::new().content(notice(&e.user_message(), 2000)),
        };
        // The question's id as the answer's nonce, enforced: an answer sent again after a server error that had
        // in fact created it (or by a second process that handled the same question) is not posted twice.
        let message = message
            .reference_message(msg)
            .allowed_mentions(no_pings())
            .nonce(Nonce::String(format!("q{}", msg.id)))
            .enforce_nonce(true);
        if let Err(e) = reply::post(&ctx.http, msg.channel_id, &message).await {
            tracing::warn!(error = %e, "could not answer the mention");
        }
    }
}

/// What a caller outside a server is told.
const NOT_IN_A_SERVER: &str =
    "partnerfit only works in a server: use the commands in a channel of your team's server.";

/// The answer of kind `kind` (a new message, or the update of the one pressed) that shows `card`'s first page,
/// with its files.
fn answer(
    kind: fn(CreateInteractionResponseMessage) -> CreateInteractionResponse,
    card: &Card,
) -> Response {
    let files = attachments(&card.files);
    let (content, allowed) = mentions(card);
    let m = CreateInteractionResponseMessage::new()
        .embed(embed(card, 0))
        .components(components(card, 0))
        .add_files(files.clone())
        .ephemeral(card.ephemeral)
        .allowed_mentions(allowed);
    let m = match content {
        Some(c) => m.content(c),
        None => m,
    };
    Response {
        body: kind(m),
        files,
    }
}

/// The edit that shows `card`'s page `page`, and the files it uploads.
fn edit_from(card: &Card, page: usize) -> (EditInteractionResponse, Vec<CreateAttachment>) {
    let files = attachments(&card.files);
    let (content, allowed) = mentions(card);
    let e = EditInteractionResponse::new()
        .embed(embed(card, page))
        .components(components(card, page))
        .allowed_mentions(allowed);
    let e = match content {
        Some(c) => e.content(c),
        None => e,
    };
    let e = files.iter().cloned().fold(e, |e, a| e.new_attachment(a));
    (e, files)
}

/// A refusal or an error: its text with nothing users typed in it read as markdown ([`notice`]).
fn error_message(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(notice(&format!("⚠ {text}"), 2000))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
}

/// How long an interaction whose id could not be taken waits for its server's settings (the caller's role)
/// before it is answered with the apology: with the take's half second, well inside Discord's three.
const SETTINGS_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        self.status.set_connected(ctx.shard_id.0, true);
        if !self.registered.swap(true, Ordering::SeqCst) {
            // In a task of its own: a failed registration is tried again (with a back-off) until Discord takes
            // the commands, and the rest of READY does not wait for it.
            tokio::spawn(super::register::register(
                ctx.http.clone(),
                self.guild_ids.clone(),
                self.status.clone(),
            ));
        }
        let start = self.on_first_ready.lock().ok().and_then(|mut g| g.take());
        if let Some(start) = start {
            start(chat_of(&ctx));
        }
    }

    async fn resume(&self, ctx: Context, _: ResumedEvent) {
        tracing::info!("gateway session resumed");
        self.status.set_connected(ctx.shard_id.0, true);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        let connected = event.new == serenity::gateway::ConnectionStage::Connected;
        self.status.set_connected(event.shard_id.0, connected);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let _answering = self.in_flight.enter();
        let arrived = std::time::Instant::now();
        // A repeated interaction (a second process on this shard, a redelivery) is dropped: recorded once,
        // answered once. Autocomplete records nothing and is answered by whoever is first.
        // The statement that takes the id also reads the guild's settings, which give the caller's role.
        // When the database cannot say in time, a deferral settles the initial response first, then the delivery
        // that holds the id handles it (`Mine::Unconfirmed`, `Mine::answering`, `Mine::refuse`).
        let mine = match &interaction {
            Interaction::Command(_) | Interaction::Component(_) | Interaction::Modal(_) => {
                match first_delivery(&self.base, interaction.id(), interaction.guild_id()).await {
                    Delivery::First(settings) => Some(Mine::Taken(settings)),
                    Delivery::Unconfirmed(owner) => Some(Mine::Unconfirmed(owner)),
                    Delivery::Unwritable => Some(Mine::Unwritable),
                    Delivery::Repeat => return,
                }
            }
            _ => None,
        };
        let (handled, seen) = crate::app::outcome::observed(async {
            match (&interaction, mine) {
                (Interaction::Command(cmd), Some(mine)) => self.command(&ctx, cmd, mine).await,
                (Interaction::Autocomplete(cmd), _) => {
                    self.autocomplete(&ctx, cmd).await;
                    Handled::Yes
                }
                (Interaction::Component(c), Some(mine)) => self.component(&ctx, c, mine).await,
                (Interaction::Modal(m), Some(mine)) => self.modal(&ctx, m, mine).await,
                _ => Handled::Yes,
            }
        })
        .await;
        // A drop (another process's, or one no answer could reach) is not counted, as a take's repeat is not.
        if handled == Handled::Yes {
            super::observe::interaction(&interaction, seen, arrived.elapsed());
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let _answering = self.in_flight.enter();
        let arrived = std::time::Instant::now();
        let ((), seen) = crate::app::outcome::observed(self.mention(&ctx, &msg)).await;
        super::observe::question(&msg, seen, arrived.elapsed());
    }
}

/// Whether this process takes up the Discord event `id` (an interaction or a message: one snowflake space), with
/// the guild's settings.
async fn first_delivery(
    app: &App,
    id: impl std::fmt::Display,
    guild: Option<serenity::all::GuildId>,
) -> Delivery {
    let ws = guild.map_or_else(String::new, |g| g.to_string());
    crate::app::delivery::first_delivery(app, &format!("discord:{id}"), &ws).await
}

/// Discord as the app's chat, from an event's context.
pub fn chat_of(ctx: &Context) -> DiscordChat {
    DiscordChat::new(ctx.http.clone(), ctx.cache.clone())
}
