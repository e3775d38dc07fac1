//! The evidence form (the screen card's "Record" buttons, on Discord and Slack): what it is for, who may open
//! it, and what a filled-in one records — `/evidence add` for the partner and the trait it was opened for, by
//! their ids, never looked up again by name.

use super::*;

/// What the form for one trait of one partner needs (the screen card's "Record" buttons): who and what it is
/// for, and how the trait is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceTarget {
    pub partner_id: i64,
    pub partner: String,
    pub trait_id: i64,
    pub trait_name: String,
    /// The rule of a threshold trait (`>= 25 accounts`); None for a yes/no trait.
    pub threshold: Option<String>,
    pub verify_by: Option<String>,
}

/// The fields of the evidence form: the declared options of `/evidence add` after the partner and the trait
/// (which the form is for). A submitted field that is not one of them is ignored.
pub fn form_fields() -> impl Iterator<Item = &'static crate::app::spec::Opt> {
    EVIDENCE_ADD.options.iter().filter(|o| {
        o.name != crate::app::spec::PARTNER.name && o.name != crate::app::spec::TRAIT.name
    })
}

/// Whether `caller` may record evidence, as `/evidence add` allows: checked before an evidence form is shown
/// (Discord's modal, Slack's view) and when one is sent.
pub fn may_record(caller: &Ctx) -> AppResult<()> {
    require(caller, EVIDENCE_ADD.min_role, "record evidence")
}

/// The partner of an evidence button or form, from the caller's workspace, for a member.
async fn form_partner(
    app: &App,
    caller: &Ctx,
    partner_id: i64,
) -> AppResult<crate::store::Partner> {
    may_record(caller)?;
    app.store
        .partner_by_id(&caller.workspace, partner_id)
        .await?
        .ok_or_else(|| AppError::user("That partner is gone."))
}

/// The form to record evidence for one trait (of its active profile) of one partner: what an evidence button
/// opens. Noted, and our error logged, like `/evidence add`.
pub async fn form(
    app: &App,
    caller: &Ctx,
    partner_id: i64,
    trait_id: i64,
) -> AppResult<EvidenceTarget> {
    let target = async {
        let partner = form_partner(app, caller, partner_id).await?;
        let profile = lookup::profile(app, &caller.workspace, partner.partner_type).await?;
        let t = profile
            .traits
            .iter()
            .find(|x| x.id == trait_id)
            .ok_or_else(|| AppError::user("That trait was removed from the profile."))?;
        Ok(EvidenceTarget {
            partner_id: partner.id,
            partner: partner.name,
            trait_id: t.id,
            trait_name: t.name.clone(),
            threshold: t.kind.is_threshold().then(|| t.kind.describe()),
            verify_by: t.verify_by.clone(),
        })
    }
    .await;
    crate::app::answered(&EVIDENCE_ADD.name(), caller, target)
}

/// Record what a filled-in form says: `/evidence add` for the partner and the trait the form was opened for,
/// both by id (never looked up again by name), with the form's fields (`(field, value)`; blank ones and fields
/// the form does not have are left out) checked and read as its options. A trait that is no longer one of the
/// partner's active profile (a revision removed it, or the partner's type changed since the form opened) is
/// refused with [`TRAIT_CHANGED`], and nothing is recorded. Noted, and our error logged, like `/evidence add`.
pub async fn submit_form(
    app: &App,
    caller: &Ctx,
    partner_id: i64,
    trait_id: i64,
    fields: &[(String, String)],
) -> AppResult<Reply> {
    use tracing::Instrument;
    let command = EVIDENCE_ADD.name();
    let span = tracing::info_span!("dispatch", command = %command, workspace = %caller.workspace, role = %caller.role);
    let added = async {
        may_record(caller)?;
        let ws = &caller.workspace;
        // The partner, its active profile and the settings in one read, as `/evidence add` reads them.
        let facts = app
            .store
            .screen_facts_by_id(ws, partner_id, app.today_guess(ws))
            .await?
            .ok_or_else(|| AppError::user("That partner is gone."))?;
        let Some(t) = facts
            .profile
            .as_ref()
            .and_then(|p| p.traits.iter().find(|t| t.id == trait_id))
        else {
            return Err(AppError::user(TRAIT_CHANGED));
        };
        // The command's options: the partner's and the trait's names only fill the options the form does not
        // have, so the fields are checked against the declaration as the command's are.
        let mut inv = Invocation::new(EVIDENCE_ADD.path)
            .with(crate::app::spec::PARTNER.name, facts.partner.name.clone())
            .with(crate::app::spec::TRAIT.name, t.name.clone());
        for (name, value) in fields {
            if value.trim().is_empty() || !form_fields().any(|o| o.name == name) {
                continue;
            }
            inv = inv.with(name, value.clone());
        }
        inv.check_against(&EVIDENCE_ADD)?;
        let said = Said::from(AddIn::try_from(&inv)?);
        check_value(said.value)?;
        record_facts(app, caller, facts, trait_id, said).await
    }
    .instrument(span)
    .await;
    let added = crate::app::answered(&command, caller, added)?;
    Ok(Reply::from_typed(added))
}
