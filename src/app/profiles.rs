//! `/profile …` and `/profile trait …`: writing and reading Ideal Partner Profiles.

use super::args::{input, opt_text, text, NoOptions};
use super::card::{user, Card, Render, Tone};
use super::{lookup, App, AppError, AppResult, Ctx, Reply};
use crate::domain::lint::{lint as lint_profile, LintWarning};
use crate::domain::profile::{Profile, TraitKind};
use crate::domain::text::{JOINT_SOLUTION, PROFILE_NAME, TRAIT_NAME, UNIT, VERIFY_BY};
use crate::domain::PartnerType;
use crate::store::{NewTrait, Revision, StoreError};
use serde::Serialize;

/// A profile with its lint: the reply of create/show/lint/trait add/trait remove.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReply {
    #[serde(flatten)]
    pub profile: Profile,
    pub lint: Vec<LintWarning>,
    /// What changed, for write commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// The command that creates the profile of type `ty`, as replies suggest it (with the `name` it needs).
pub fn create_command(ty: PartnerType) -> String {
    format!("/profile create type:{ty} name:\"…\"")
}

fn trait_line(t: &crate::domain::profile::Trait) -> String {
    let verify = t
        .verify_by
        .as_deref()
        .map(|v| format!(" — verify by {}", user(v)))
        .unwrap_or_else(|| " — no verify_by".into());
    format!("{} ({}){verify}", user(&t.name), t.kind.describe())
}

impl Render for ProfileReply {
    fn card(&self) -> Card {
        let p = &self.profile;
        let title = match &self.change {
            Some(c) => format!("{} profile: {}", p.partner_type, change_text(c)),
            None => format!("{} profile: {}", p.partner_type, user(&p.name)),
        };
        let tone = if self.lint.is_empty() {
            Tone::Good
        } else {
            Tone::Warn
        };
        let mut card = Card::new(title, tone)
            .description(format!(
                "**{}** · revision {} · owner {}\nJoint solution: {}",
                user(&p.name),
                p.revision,
                p.owner,
                match p.joint_solution.as_deref() {
                    Some(j) => user(j).to_string(),
                    None => "(none yet)".to_string(),
                }
            ))
            .field(
                format!("Traits ({})", p.traits.len()),
                p.traits
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("{}. {}", i + 1, trait_line(t)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                false,
            );
        if !self.lint.is_empty() {
            card = card.field(
                format!("Lint ({})", self.lint.len()),
                self.lint
                    .iter()
                    .map(|w| format!("⚠ {}", lint_text(w)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                false,
            );
        }
        card
    }
}

/// A change of a profile as a card shows it, with the name in it marked as user text: `created "X"`,
/// `added trait "X" (revision 2)`, `removed trait "X"` (as written by the store and by the write commands);
/// any other stored change is shown whole as user text.
fn change_text(change: &str) -> String {
    if change == "created" {
        return change.to_string();
    }
    for prefix in ["created \"", "added trait \"", "removed trait \""] {
        let Some(rest) = change.strip_prefix(prefix) else {
            continue;
        };
        // The name ends at the last quote: what follows is ours (` (revision 2)`), and has none.
        if let Some(end) = rest.rfind('"') {
            return format!("{prefix}{}{}", user(&rest[..end]), &rest[end..]);
        }
    }
    user(change).to_string()
}

/// A lint warning as the card shows it: its message, with the trait's name it starts with (`` `X` … ``)
/// marked as user text. The JSON keeps the message as it is.
fn lint_text(w: &LintWarning) -> String {
    let Some(name) = &w.trait_name else {
        // Our words only: the joint solution, the trait count.
        return w.message.clone();
    };
    match w.message.strip_prefix(&format!("`{name}`")) {
        Some(rest) => format!("`{}`{rest}", user(name)),
        None => user(&w.message).to_string(),
    }
}

async fn profile_reply(
    app: &App,
    ctx: &Ctx,
    ty: PartnerType,
    change: Option<String>,
) -> AppResult<Reply> {
    let profile = lookup::profile(app, &ctx.workspace, ty).await?;
    let lint = lint_profile(&profile);
    Ok(Reply::from_typed(ProfileReply {
        profile,
        lint,
        change,
    }))
}

input! {
    /// What `/profile create` reads.
    pub struct CreateIn {
        partner_type as "type": PartnerType,
        name: String = text(PROFILE_NAME),
        joint_solution: Option<String> = opt_text(JOINT_SOLUTION),
    }
}

input! {
    /// What the commands about one type's profile read (show, lint, history, retire).
    pub struct TypeIn {
        partner_type as "type": PartnerType,
    }
}

/// `/profile create`: creates the Ideal Partner Profile of a partner type, without traits yet; refuses a type
/// that already has an active profile (one per type).
#[tracing::instrument(skip_all)]
pub async fn create(app: &App, ctx: &Ctx, input: CreateIn) -> AppResult<Reply> {
    let (ty, name, joint) = (input.partner_type, input.name, input.joint_solution);
    match app
        .store
        .create_profile(&ctx.workspace, ty, &name, joint.as_deref(), &ctx.author(), app.now())
        .await
    {
        Ok(_) => profile_reply(app, ctx, ty, Some("created".into())).await,
        Err(StoreError::Conflict(_)) => Err(AppError::user(format!(
            "There is already an active {ty} profile (one per type). Change its traits with /profile trait add|remove, or /profile retire type:{ty} first."
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `/profile show`: the active profile of a type with its traits and lint warnings; refuses a type without an
/// active profile.
#[tracing::instrument(skip_all)]
pub async fn show(app: &App, ctx: &Ctx, input: TypeIn) -> AppResult<Reply> {
    profile_reply(app, ctx, input.partner_type, None).await
}

/// `/profile lint`: the active profile of a type, its title counting the lint warnings (the usual pitfalls);
/// refuses a type without an active profile.
#[tracing::instrument(skip_all)]
pub async fn lint(app: &App, ctx: &Ctx, input: TypeIn) -> AppResult<Reply> {
    let mut reply = profile_reply(app, ctx, input.partner_type, None).await?;
    let n = reply.json()["lint"].as_array().map_or(0, Vec::len);
    reply.card.title = if n == 0 {
        format!("{} — lint: no warnings", reply.card.title)
    } else {
        format!(
            "{} — lint: {n} warning{}",
            reply.card.title,
            if n == 1 { "" } else { "s" }
        )
    };
    Ok(reply)
}

/// `/profile list`
#[derive(Debug, Clone, Serialize)]
pub struct ProfileList {
    pub profiles: Vec<ProfileSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileSummary {
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub revision: i64,
    pub traits: usize,
    pub lint_warnings: usize,
}

impl Render for ProfileList {
    fn card(&self) -> Card {
        let mut card = Card::new(
            format!("Active profiles ({})", self.profiles.len()),
            Tone::Info,
        );
        if self.profiles.is_empty() {
            card = card.description("No profiles yet. A lead creates one with /profile create type:reseller name:\"…\".");
        }
        for p in &self.profiles {
            card = card.line(format!(
                "{} — {} (rev {}, {}, {})",
                p.partner_type,
                user(&p.name),
                p.revision,
                crate::domain::plural(p.traits as u64, "trait", "traits"),
                crate::domain::plural(p.lint_warnings as u64, "lint warning", "lint warnings")
            ));
        }
        card
    }
}

/// `/profile list`: every active profile with its revision, trait count and lint warning count.
#[tracing::instrument(skip_all)]
pub async fn list(app: &App, ctx: &Ctx, _: NoOptions) -> AppResult<Reply> {
    let profiles = app
        .store
        .active_profiles(&ctx.workspace)
        .await?
        .into_iter()
        .map(|p| ProfileSummary {
            partner_type: p.partner_type,
            lint_warnings: lint_profile(&p).len(),
            traits: p.traits.len(),
            revision: p.revision,
            name: p.name,
        })
        .collect();
    Ok(Reply::from_typed(ProfileList { profiles }))
}

/// `/profile history`
#[derive(Debug, Clone, Serialize)]
pub struct History {
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub revisions: Vec<Revision>,
    /// The workspace's time zone, which the card's times are shown in (not in the JSON).
    #[serde(skip)]
    pub timezone: chrono_tz::Tz,
}

impl Render for History {
    fn card(&self) -> Card {
        let mut card = Card::new(
            format!(
                "{} profile history: {}",
                self.partner_type,
                user(&self.name)
            ),
            Tone::Info,
        );
        for r in self.revisions.iter().rev() {
            card = card.line(format!(
                "rev {} — {} by {} at {} — traits: {}",
                r.revision,
                change_text(&r.change),
                r.changed_by,
                crate::domain::format::time_in_zone(r.changed_at, self.timezone),
                if r.traits.is_empty() {
                    "none".to_string()
                } else {
                    r.traits
                        .iter()
                        .map(|t| user(t).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        }
        card
    }
}

/// `/profile history`: every revision of a type's active profile, newest first (shown page by page); refuses a
/// type without an active profile.
#[tracing::instrument(skip_all)]
pub async fn history(app: &App, ctx: &Ctx, input: TypeIn) -> AppResult<Reply> {
    history_of(app, ctx, input.partner_type).await
}

/// The revisions of the caller's workspace's profile of one type.
pub async fn history_of(app: &App, ctx: &Ctx, ty: PartnerType) -> AppResult<Reply> {
    let p = lookup::profile(app, &ctx.workspace, ty).await?;
    let revisions = app.store.profile_history(p.id).await?;
    let timezone = app.settings(&ctx.workspace).await?.timezone;
    let mut reply = Reply::from_typed(History {
        partner_type: ty,
        name: p.name,
        revisions,
        timezone,
    });
    reply.card.list = Some(super::lists::ListId::History { partner_type: ty });
    Ok(reply)
}

/// `/profile retire`
#[derive(Debug, Clone, Serialize)]
pub struct Retired {
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub revision: i64,
}

impl Render for Retired {
    fn card(&self) -> Card {
        let ty = self.partner_type;
        let kept = if self.revision == 1 {
            "Its 1 revision is kept".to_string()
        } else {
            format!("Its {} revisions are kept", self.revision)
        };
        Card::new(
            format!("Retired the {ty} profile \"{}\"", user(&self.name)),
            Tone::Info,
        )
        .description(format!(
            "{kept} (/profile show and /profile history show an active profile only). Partners of type {ty} are unscreened until a new {ty} profile with traits is created: {}, then /profile trait add.",
            create_command(ty)
        ))
    }
}

/// `/profile retire`: retires the active profile of a type (its revisions are kept, its partners go
/// unscreened until a new profile with traits); refuses a type without an active profile.
#[tracing::instrument(skip_all)]
pub async fn retire(app: &App, ctx: &Ctx, input: TypeIn) -> AppResult<Reply> {
    let ty = input.partner_type;
    let p = lookup::profile(app, &ctx.workspace, ty).await?;
    if !app
        .store
        .retire_profile(&ctx.workspace, ty, &ctx.author(), app.now())
        .await?
    {
        return Err(AppError::user(format!(
            "There is no active {ty} profile to retire."
        )));
    }
    Ok(Reply::from_typed(Retired {
        partner_type: ty,
        name: p.name,
        revision: p.revision,
    }))
}

input! {
    /// What `/profile trait add` reads.
    pub struct TraitAddIn {
        partner_type as "type": PartnerType,
        name: String = text(TRAIT_NAME),
        verify_by: Option<String> = opt_text(VERIFY_BY),
        unit: Option<String> = opt_text(UNIT),
        min: Option<f64>,
        max: Option<f64>,
    }
}

/// `/profile trait add`: adds a trait to a type's active profile, a threshold trait with `min` or `max`, a
/// yes/no trait otherwise; refuses negative or crossed bounds, a unit without bounds, a name the profile
/// already has, and a type without an active profile.
#[tracing::instrument(skip_all)]
pub async fn trait_add(app: &App, ctx: &Ctx, input: TraitAddIn) -> AppResult<Reply> {
    let TraitAddIn {
        partner_type: ty,
        name,
        verify_by,
        unit,
        min,
        max,
    } = input;
    let kind = TraitKind::from_bounds(min, max, unit).map_err(AppError::user)?;
    let profile = lookup::profile(app, &ctx.workspace, ty).await?;
    let t = NewTrait {
        name: name.clone(),
        verify_by,
        kind,
    };
    match app.store.add_trait(&ctx.workspace, profile.id, &t, &ctx.author(), app.now()).await {
        Ok((_, rev)) => profile_reply(app, ctx, ty, Some(format!("added trait \"{name}\" (revision {rev})"))).await,
        Err(StoreError::Conflict(_)) => Err(AppError::user(format!(
            "The {ty} profile already has a trait `{name}` (names are compared without case). Pick another name, or remove the old one first."
        ))),
        Err(e) => Err(e.into()),
    }
}

input! {
    /// What `/profile trait remove` reads.
    pub struct TraitRemoveIn {
        partner_type as "type": PartnerType,
        trait_name as "trait": String,
    }
}

/// `/profile trait remove`: removes a trait from a type's active profile (a new revision); refuses a trait the
/// profile does not have, and a type without an active profile.
#[tracing::instrument(skip_all)]
pub async fn trait_remove(app: &App, ctx: &Ctx, input: TraitRemoveIn) -> AppResult<Reply> {
    let ty = input.partner_type;
    let profile = lookup::profile(app, &ctx.workspace, ty).await?;
    let t = lookup::trait_of(&profile, &input.trait_name)?;
    let rev = app
        .store
        .remove_trait(profile.id, t.id, &t.name, &ctx.author(), app.now())
        .await?;
    profile_reply(
        app,
        ctx,
        ty,
        Some(format!("removed trait \"{}\" (revision {rev})", t.name)),
    )
    .await
}
