//! Gateway events: slash commands, autocomplete, buttons and modals, and questions that mention the bot.
//! Every interaction becomes an [`Invocation`] of the same command table the console uses.

use super::chat::DiscordChat;
use super::render::{attachments, clip, components, embed, mentions, no_pings, pages};
use crate::app::card::Card;
use crate::app::spec::{self, Complete, Kind};
use crate::app::{answer_question, dispatch, App, AppError, ArgValue, Ctx, Invocation, Reply};
use crate::domain::{name_key, PartnerType, Role};
use serenity::all::{
    ActionRowComponent, AutocompleteOption, CommandInteraction, ComponentInteraction, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse,
    EventHandler, InputTextStyle, Interaction, Member, Message, ModalInteraction, Permissions,
    Ready, ResolvedOption, ResolvedValue, ResumedEvent, Unresolved,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The largest file `/import` downloads (checked before downloading).
pub const MAX_ATTACHMENT_BYTES: u32 = crate::app::transfer::MAX_IMPORT_BYTES as u32;

/// Commands that may take longer than Discord's 3 seconds: acknowledged first, answered by an edit.
fn is_slow(path: &[String]) -> bool {
    matches!(
        path.first().map(String::as_str),
        Some("digest" | "import" | "export")
    )
}

/// What runs once on the first READY, with Discord as the chat.
pub type OnReady = Box<dyn FnOnce(DiscordChat) + Send>;

pub struct Handler {
    /// The app without a chat; each event gets one with Discord attached ([`Handler::app`]).
    pub base: App,
    pub guild_ids: Vec<u64>,
    /// Run once, on the first READY (it survives reconnects): starts the scheduler.
    pub on_first_ready: std::sync::Mutex<Option<OnReady>>,
    pub registered: AtomicBool,
}

/// The caller's role from their permissions and roles, against the workspace's role settings.
pub fn role_of(
    permissions: Option<Permissions>,
    roles: &[String],
    settings: &crate::app::Settings,
) -> Role {
    let has = |r: &Option<String>| r.as_ref().is_some_and(|id| roles.iter().any(|x| x == id));
    if permissions.is_some_and(|p| {
        p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR)
    }) || has(&settings.lead_role)
    {
        Role::Lead
    } else if settings.member_role.is_none() || has(&settings.member_role) {
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

    /// The command context of an interaction in a guild; None in DMs.
    async fn ctx(
        &self,
        guild: Option<u64>,
        member: Option<&Member>,
        channel: u64,
    ) -> Result<Option<Ctx>, AppError> {
        let (Some(g), Some(m)) = (guild, member) else {
            return Ok(None);
        };
        let ws = g.to_string();
        let settings = self.base.settings(&ws).await?;
        let roles: Vec<String> = m.roles.iter().map(|r| r.to_string()).collect();
        Ok(Some(Ctx {
            workspace: ws,
            user: format!("<@{}>", m.user.id),
            role: role_of(m.permissions, &roles, &settings),
            channel_id: Some(channel.to_string()),
        }))
    }

    async fn command(&self, ctx: &Context, cmd: &CommandInteraction) {
        let app = self.app(ctx);
        let guild = cmd.guild_id.map(|g| g.get());
        let caller = match self.ctx(guild, cmd.member.as_deref(), cmd.channel_id.get()).await {
            Ok(Some(c)) => c,
            Ok(None) => return reply_error(ctx, cmd, "partnerfit only works in a server: use the commands in a channel of your team's server.").await,
            Err(e) => return reply_error(ctx, cmd, &e.user_message()).await,
        };
        let inv = match invocation(cmd).await {
            Ok(i) => i,
            Err(e) => return reply_error(ctx, cmd, &e).await,
        };
        if let Some(s) = spec::find(&inv.path) {
            if let Err(e) = crate::app::require(&caller, s.min_role, &format!("run /{}", s.name()))
            {
                return reply_error(ctx, cmd, &e.user_message()).await;
            }
        }
        if is_slow(&inv.path) {
            let preview = inv
                .args
                .get("post")
                .map(|v| !matches!(v, ArgValue::Text(t) if t == "true"))
                .unwrap_or(true);
            let ephemeral = inv.path[0] != "import" && preview;
            let defer = CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(ephemeral),
            );
            if let Err(e) = retrying(|| cmd.create_response(&ctx.http, defer.clone())).await {
                tracing::warn!(error = %e, "could not acknowledge the interaction");
                return;
            }
            let edit = match dispatch(&app, &caller, &inv).await {
                Ok(r) => edit_from(&r.card, 0, page_key(&inv).as_deref()),
                Err(e) => EditInteractionResponse::new()
                    .content(clip(&format!("⚠ {}", e.user_message()), 2000))
                    .allowed_mentions(no_pings()),
            };
            if let Err(e) = retrying(|| cmd.edit_response(&ctx.http, edit.clone())).await {
                tracing::warn!(error = %e, "could not send the deferred reply");
            }
            return;
        }
        let response = match dispatch(&app, &caller, &inv).await {
            Ok(r) => CreateInteractionResponse::Message(message_from(
                &r.card,
                0,
                page_key(&inv).as_deref(),
            )),
            Err(e) => error_message(&e.user_message()),
        };
        if let Err(e) = retrying(|| cmd.create_response(&ctx.http, response.clone())).await {
            tracing::warn!(error = %e, "could not reply to the interaction");
        }
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
            .take(25)
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

    /// Up to 25 (label, value) suggestions for the focused option, from the caller's workspace only.
    async fn suggest(
        &self,
        ws: &str,
        cmd: &CommandInteraction,
        focused: &AutocompleteOption<'_>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let path = command_path(cmd);
        let Some(s) = spec::find(&path) else {
            return Ok(Vec::new());
        };
        let Some(opt) = s.option(focused.name) else {
            return Ok(Vec::new());
        };
        let typed = focused.value.trim();
        let key = name_key(typed);
        match opt.kind {
            Kind::Text {
                complete: Some(Complete::Partner),
                ..
            } => Ok(self
                .base
                .store
                .search_partners(ws, &key, 25)
                .await?
                .into_iter()
                .map(|n| (n.clone(), n))
                .collect()),
            Kind::Text {
                complete: Some(Complete::Type),
                ..
            } => {
                let profiles = self.base.store.active_profiles(ws).await?;
                Ok(PartnerType::ALL
                    .iter()
                    .filter(|t| t.as_str().starts_with(&key) || t.label().contains(&key))
                    .map(|t| {
                        let label = match profiles.iter().find(|p| p.partner_type == *t) {
                            Some(p) => format!("{t} — {} ({} traits)", p.name, p.traits.len()),
                            None => format!("{t} — no profile yet"),
                        };
                        (label, t.as_str().to_string())
                    })
                    .collect())
            }
            Kind::Text {
                complete: Some(Complete::Trait),
                ..
            } => {
                let args = option_values(&cmd.data.options());
                // Scope to the partner's profile, or the named type's, else every active profile.
                let ty = match args.iter().find(|(k, _)| k == "partner") {
                    Some((_, p)) => self
                        .base
                        .store
                        .partner_by_key(ws, &name_key(p))
                        .await?
                        .map(|p| p.partner_type),
                    None => args
                        .iter()
                        .find(|(k, _)| k == "type")
                        .and_then(|(_, t)| t.parse().ok()),
                };
                Ok(self
                    .base
                    .store
                    .trait_names(ws, ty)
                    .await?
                    .into_iter()
                    .filter(|(_, n)| name_key(n).contains(&key))
                    .map(|(t, n)| {
                        (
                            if ty.is_some() {
                                n.clone()
                            } else {
                                format!("{n} ({t})")
                            },
                            n,
                        )
                    })
                    .collect())
            }
            _ => Ok(Vec::new()),
        }
    }

    async fn component(&self, ctx: &Context, c: &ComponentInteraction) {
        let id = c.data.custom_id.as_str();
        let guild = c.guild_id.map(|g| g.get());
        let caller = match self.ctx(guild, c.member.as_ref(), c.channel_id.get()).await {
            Ok(Some(x)) => x,
            _ => return,
        };
        let response = if let Some(rest) = id.strip_prefix("pg:") {
            self.page(&caller, rest).await
        } else if let Some(rest) = id.strip_prefix("ev:") {
            match self.evidence_modal(&caller, rest).await {
                Ok(m) => CreateInteractionResponse::Modal(m),
                Err(e) => error_message(&e.user_message()),
            }
        } else {
            error_message("That button is no longer supported.")
        };
        if let Err(e) = retrying(|| c.create_response(&ctx.http, response.clone())).await {
            tracing::warn!(error = %e, "could not answer the button");
        }
    }

    /// Re-run a paginated list and show page `n`: custom id `pg:<n>:<console line>`.
    async fn page(&self, caller: &Ctx, rest: &str) -> CreateInteractionResponse {
        let Some((n, line)) = rest.split_once(':') else {
            return error_message("That page button is broken.");
        };
        let page: usize = n.parse().unwrap_or(0);
        let inv = match crate::console::line::parse_line(line) {
            Ok(crate::console::line::Line::Command(inv)) => inv,
            _ => return error_message("That page button is broken."),
        };
        match dispatch(&self.base, caller, &inv).await {
            Ok(r) => {
                let page = page.min(pages(&r.card) - 1);
                CreateInteractionResponse::UpdateMessage(message_from(&r.card, page, Some(line)))
            }
            Err(e) => error_message(&e.user_message()),
        }
    }

    /// The partner and trait id of an evidence button or form (`<partner id>:<trait id>`), for a member.
    async fn evidence_target(
        &self,
        caller: &Ctx,
        ids: &str,
    ) -> Result<(crate::store::Partner, i64), AppError> {
        crate::app::require(caller, Role::Member, "record evidence")?;
        let (p, t) = ids
            .split_once(':')
            .ok_or_else(|| AppError::user("That button is broken."))?;
        let (pid, tid) = (p.parse::<i64>().unwrap_or(0), t.parse::<i64>().unwrap_or(0));
        let partner = self
            .base
            .store
            .partner_by_id(&caller.workspace, pid)
            .await?
            .ok_or_else(|| AppError::user("That partner is gone."))?;
        Ok((partner, tid))
    }

    /// The modal to record evidence for one trait of one partner: custom id `ev:<partner id>:<trait id>`.
    async fn evidence_modal(&self, caller: &Ctx, rest: &str) -> Result<CreateModal, AppError> {
        let (partner, tid) = self.evidence_target(caller, rest).await?;
        let profile =
            crate::app::lookup::profile(&self.base, &caller.workspace, partner.partner_type)
                .await?;
        let tr = profile
            .traits
            .iter()
            .find(|x| x.id == tid)
            .ok_or_else(|| AppError::user("That trait was removed from the profile."))?;
        let first = if tr.kind.is_threshold() {
            CreateInputText::new(
                InputTextStyle::Short,
                clip(&format!("Value ({})", tr.kind.describe()), 45),
                "value",
            )
            .placeholder("a number, e.g. 31")
        } else {
            CreateInputText::new(InputTextStyle::Short, "Met? (yes or no)", "met")
                .placeholder("yes or no")
        };
        let rows = vec![
            CreateActionRow::InputText(first.required(true).max_length(40)),
            CreateActionRow::InputText(
                CreateInputText::new(InputTextStyle::Short, "Source (link or report)", "source")
                    .required(false)
                    .max_length(500)
                    .placeholder(clip(
                        tr.verify_by.as_deref().unwrap_or("e.g. overlap report"),
                        100,
                    )),
            ),
            CreateActionRow::InputText(
                CreateInputText::new(InputTextStyle::Paragraph, "Note", "note")
                    .required(false)
                    .max_length(1000),
            ),
            CreateActionRow::InputText(
                CreateInputText::new(
                    InputTextStyle::Short,
                    "Observed (YYYY-MM-DD, default today)",
                    "observed",
                )
                .required(false)
                .max_length(10),
            ),
        ];
        Ok(CreateModal::new(
            format!("evm:{}:{tid}", partner.id),
            clip(&format!("{} — {}", partner.name, tr.name), 45),
        )
        .components(rows))
    }

    async fn modal(&self, ctx: &Context, m: &ModalInteraction) {
        let guild = m.guild_id.map(|g| g.get());
        let caller = match self.ctx(guild, m.member.as_ref(), m.channel_id.get()).await {
            Ok(Some(x)) => x,
            _ => return,
        };
        let response = match self.modal_evidence(&caller, m).await {
            Ok(r) => CreateInteractionResponse::Message(message_from(&r.card, 0, None)),
            Err(e) => error_message(&e.user_message()),
        };
        if let Err(e) = retrying(|| m.create_response(&ctx.http, response.clone())).await {
            tracing::warn!(error = %e, "could not answer the modal");
        }
    }

    async fn modal_evidence(&self, caller: &Ctx, m: &ModalInteraction) -> Result<Reply, AppError> {
        let rest = m
            .data
            .custom_id
            .strip_prefix("evm:")
            .ok_or_else(|| AppError::user("That form is not supported."))?;
        let (partner, tid) = self.evidence_target(caller, rest).await?;
        let names = self.base.store.trait_names_by_id(&caller.workspace).await?;
        let trait_name = names
            .get(&tid)
            .ok_or_else(|| AppError::user("That trait is gone."))?;
        let mut inv = Invocation::new(&["evidence", "add"])
            .with("partner", partner.name.clone())
            .with("trait", trait_name.clone());
        for row in &m.data.components {
            for comp in &row.components {
                if let ActionRowComponent::InputText(input) = comp {
                    if let Some(v) = input.value.as_deref().filter(|v| !v.trim().is_empty()) {
                        inv = inv.with(&input.custom_id, v.to_string());
                    }
                }
            }
        }
        dispatch(&self.base, caller, &inv).await
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
        let ws = g.to_string();
        let caller = match self.base.settings(&ws).await {
            Ok(settings) => {
                let roles: Vec<String> = msg
                    .member
                    .as_ref()
                    .map(|m| m.roles.iter().map(|r| r.to_string()).collect())
                    .unwrap_or_default();
                Ctx {
                    workspace: ws,
                    user: format!("<@{}>", msg.author.id),
                    role: role_of(None, &roles, &settings),
                    channel_id: Some(msg.channel_id.to_string()),
                }
            }
            Err(e) => {
                tracing::error!(error = ?e, "settings lookup failed");
                return;
            }
        };
        let text = msg
            .content
            .replace(&format!("<@{me}>"), " ")
            .replace(&format!("<@!{me}>"), " ");
        let reply = match answer_question(&self.base, &caller, text.trim()).await {
            Ok(r) => CreateMessage::new()
                .embed(embed(&r.card, 0))
                .components(components(&r.card, 0, None)),
            Err(e) => CreateMessage::new().content(clip(&e.user_message(), 2000)),
        };
        let reply = reply.reference_message(msg).allowed_mentions(no_pings());
        if let Err(e) = retrying(|| msg.channel_id.send_message(&ctx.http, reply.clone())).await {
            tracing::warn!(error = %e, "could not answer the mention");
        }
    }
}

/// The console line that re-creates a list, for its page buttons (None when it has files).
fn page_key(inv: &Invocation) -> Option<String> {
    let mut line = format!("/{}", inv.path.join(" "));
    for (k, v) in &inv.args {
        match v {
            ArgValue::Text(t) => line.push_str(&format!(
                " {k}:\"{}\"",
                t.replace('\\', "\\\\").replace('"', "\\\"")
            )),
            ArgValue::File { .. } => return None,
        }
    }
    Some(line)
}

fn message_from(card: &Card, page: usize, key: Option<&str>) -> CreateInteractionResponseMessage {
    let (content, allowed) = mentions(card);
    let m = CreateInteractionResponseMessage::new()
        .embed(embed(card, page))
        .components(components(card, page, key))
        .add_files(attachments(&card.files))
        .ephemeral(card.ephemeral)
        .allowed_mentions(allowed);
    match content {
        Some(c) => m.content(c),
        None => m,
    }
}

fn edit_from(card: &Card, page: usize, key: Option<&str>) -> EditInteractionResponse {
    let (content, allowed) = mentions(card);
    let e = EditInteractionResponse::new()
        .embed(embed(card, page))
        .components(components(card, page, key))
        .allowed_mentions(allowed);
    let e = match content {
        Some(c) => e.content(c),
        None => e,
    };
    attachments(&card.files)
        .into_iter()
        .fold(e, |e, a| e.new_attachment(a))
}

fn error_message(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(clip(&format!("⚠ {text}"), 2000))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
}

async fn reply_error(ctx: &Context, cmd: &CommandInteraction, text: &str) {
    let r = error_message(text);
    if let Err(e) = retrying(|| cmd.create_response(&ctx.http, r.clone())).await {
        tracing::warn!(error = %e, "could not send an error reply");
    }
}

/// Retry a REST call that Discord (or a proxy) answered with 429 or a server error: a few quick attempts
/// with back-off, since with a proxy serenity does not retry by itself.
async fn retrying<T, F, Fut>(mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    let mut delay = std::time::Duration::from_millis(100);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)))
                if attempt < 4
                    && (r.status_code.as_u16() == 429 || r.status_code.is_server_error()) =>
            {
                tracing::warn!(
                    status = r.status_code.as_u16(),
                    attempt,
                    "Discord asked us to retry"
                );
                tokio::time::sleep(delay).await;
                delay *= 3;
            }
            other => return other,
        }
    }
}

/// The command path of an interaction: name, then subcommand group and subcommand.
fn command_path(cmd: &CommandInteraction) -> Vec<String> {
    let mut path = vec![cmd.data.name.clone()];
    let mut opts = &cmd.data.options;
    while let Some(first) = opts.first() {
        match &first.value {
            serenity::all::CommandDataOptionValue::SubCommand(inner)
            | serenity::all::CommandDataOptionValue::SubCommandGroup(inner) => {
                path.push(first.name.clone());
                opts = inner;
            }
            _ => break,
        }
    }
    path
}

/// The leaf option values as text (files excluded).
fn option_values(opts: &[ResolvedOption<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in opts {
        let v = match &o.value {
            ResolvedValue::SubCommand(inner) | ResolvedValue::SubCommandGroup(inner) => {
                out.extend(option_values(inner));
                continue;
            }
            ResolvedValue::String(s) => s.to_string(),
            ResolvedValue::Autocomplete { value, .. } => value.to_string(),
            ResolvedValue::Integer(i) => i.to_string(),
            ResolvedValue::Number(n) => n.to_string(),
            ResolvedValue::Boolean(b) => b.to_string(),
            ResolvedValue::Channel(c) => c.id.to_string(),
            ResolvedValue::Role(r) => r.id.to_string(),
            ResolvedValue::User(u, _) => u.id.to_string(),
            ResolvedValue::Unresolved(Unresolved::Channel(id)) => id.to_string(),
            ResolvedValue::Unresolved(Unresolved::RoleId(id)) => id.to_string(),
            ResolvedValue::Unresolved(Unresolved::Mentionable(id)) => id.to_string(),
            ResolvedValue::Unresolved(Unresolved::User(id)) => id.to_string(),
            _ => continue,
        };
        out.push((o.name.to_string(), v));
    }
    out
}

/// The invocation of a slash command, downloading attachments (size checked first).
async fn invocation(cmd: &CommandInteraction) -> Result<Invocation, String> {
    let path = command_path(cmd);
    let mut inv = Invocation {
        path,
        ..Invocation::default()
    };
    fn walk<'a>(opts: Vec<ResolvedOption<'a>>, out: &mut Vec<ResolvedOption<'a>>) {
        for o in opts {
            match o.value {
                ResolvedValue::SubCommand(inner) | ResolvedValue::SubCommandGroup(inner) => {
                    walk(inner, out)
                }
                _ => out.push(o),
            }
        }
    }
    let mut leaves = Vec::new();
    walk(cmd.data.options(), &mut leaves);
    for o in leaves {
        if let ResolvedValue::Attachment(a) = o.value {
            if a.size > MAX_ATTACHMENT_BYTES {
                return Err(format!(
                    "{} is {:.1} MB; I import files up to {} MB. Split it and import the parts.",
                    a.filename,
                    f64::from(a.size) / 1_048_576.0,
                    MAX_ATTACHMENT_BYTES / 1_048_576
                ));
            }
            let bytes = a
                .download()
                .await
                .map_err(|e| format!("I could not download {}: {e}", a.filename))?;
            inv.args.insert(
                o.name.to_string(),
                ArgValue::File {
                    name: a.filename.clone(),
                    bytes,
                },
            );
        }
    }
    for (k, v) in option_values(&cmd.data.options()) {
        inv.args.insert(k, ArgValue::Text(v));
    }
    Ok(inv)
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        if !self.registered.swap(true, Ordering::SeqCst) {
            let cmds = super::register::commands();
            let result = if self.guild_ids.is_empty() {
                serenity::all::Command::set_global_commands(&ctx.http, cmds)
                    .await
                    .map(|_| ())
            } else {
                let mut r = Ok(());
                for g in &self.guild_ids {
                    if let Err(e) = serenity::all::GuildId::new(*g)
                        .set_commands(&ctx.http, cmds.clone())
                        .await
                    {
                        r = Err(e);
                    }
                }
                r
            };
            match result {
                Ok(()) => {
                    tracing::info!(commands = spec::COMMANDS.len(), "slash commands registered")
                }
                Err(e) => {
                    self.registered.store(false, Ordering::SeqCst);
                    tracing::error!(error = %e, "could not register slash commands");
                }
            }
        }
        let start = self.on_first_ready.lock().ok().and_then(|mut g| g.take());
        if let Some(start) = start {
            start(chat_of(&ctx));
        }
    }

    async fn resume(&self, _ctx: Context, _: ResumedEvent) {
        tracing::info!("gateway session resumed");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match &interaction {
            Interaction::Command(cmd) => self.command(&ctx, cmd).await,
            Interaction::Autocomplete(cmd) => self.autocomplete(&ctx, cmd).await,
            Interaction::Component(c) => self.component(&ctx, c).await,
            Interaction::Modal(m) => self.modal(&ctx, m).await,
            _ => {}
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.mention(&ctx, &msg).await;
    }
}

/// Discord as the app's chat, from an event's context.
pub fn chat_of(ctx: &Context) -> DiscordChat {
    DiscordChat {
        http: ctx.http.clone(),
        cache: ctx.cache.clone(),
    }
}
