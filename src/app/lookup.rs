//! Finding what a user named: partners by the one rule of name resolution ([`resolve`]), traits by name
//! (case-insensitive), with "did you mean" suggestions.

use super::name_index::Near;
use super::{App, AppError, AppResult};
use crate::domain::profile::{Profile, Trait};
use crate::domain::{name_key, snippet, PartnerType};
use crate::store::{FormerName, Partner};

/// How alike two names are, 0..1 (Jaro-Winkler on the lower-cased keys, with a bonus for containment).
pub fn similarity(a: &str, b: &str) -> f64 {
    similarity_of_keys(&name_key(a), &name_key(b))
}

/// [`similarity`] of two name keys.
pub fn similarity_of_keys(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let jw = strsim::jaro_winkler(a, b);
    if b.contains(a) || a.contains(b) {
        jw.max(0.9)
    } else {
        jw
    }
}

/// The candidates most like `name`, best first (at most `n`, similarity at least [`SUGGEST_AT`]). This
/// compares `name` with every candidate: the roster's names are searched with
/// [`super::name_index::NameIndex::near`], which answers the same.
pub fn suggestions<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    let key = name_key(name);
    let scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (similarity_of_keys(&key, &name_key(c)), c))
        .filter(|(s, _)| *s >= SUGGEST_AT)
        .collect();
    best(scored, n)
}

/// How alike a name must be to be suggested.
pub const SUGGEST_AT: f64 = 0.75;

/// The `n` best scored names, best first (ties by name).
fn best(mut scored: Vec<(f64, &str)>, n: usize) -> Vec<String> {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(n)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// The single closest candidate, if any is close enough.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    suggestions(name, candidates, 1).into_iter().next()
}

/// " Did you mean `A` or `B`?" or "".
pub fn did_you_mean(s: &[String]) -> String {
    match s {
        [] => String::new(),
        [one] => format!(" Did you mean `{one}`?"),
        many => format!(
            " Did you mean {}?",
            many.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// A partner a typed name may mean, as the screen's choice lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
}

/// What a typed partner name means on the roster: the one rule of name resolution, shared by `/screen`, the
/// questions, and every command's `partner` option ([`crate::domain::names`] says which names are close).
#[derive(Debug, Clone)]
pub enum Named {
    /// The partner with that name (case, spacing and lookalike letters aside).
    Exact(Partner),
    /// The partner that had that name until it was renamed.
    Renamed(FormerName, Partner),
    /// Nobody has the name; only this partner is close to it.
    OnlyClose(Partner),
    /// Nobody has the name; these partners (at least two, in name order) are all close to it.
    Several(Vec<Candidate>),
    /// Nobody has the name nor a name close to it; `hints` are the roster names most like it (never acted on).
    Unknown { hints: Vec<String> },
}

/// The most candidates a reply lists (and offers buttons for).
pub const MAX_CANDIDATES: usize = 10;

/// What `name` means in the workspace (see [`Named`]).
pub async fn resolve(app: &App, ws: &str, name: &str) -> AppResult<Named> {
    let key = name_key(name);
    if let Some(p) = app.store.partner_by_key(ws, &key).await? {
        return Ok(Named::Exact(p));
    }
    if let Some((former, p)) = renamed(app, ws, name).await? {
        return Ok(Named::Renamed(former, p));
    }
    let names = app.names.get(&app.store, ws).await?;
    close_or_unknown(app, ws, name, &names).await
}

/// What `name` means by [`resolve`]'s rule, from one read of the facts about it ([`crate::store::NameFacts`],
/// read with the names' version this process holds): the same answer, without reading again.
pub async fn resolve_from(
    app: &App,
    ws: &str,
    name: &str,
    facts: &mut crate::store::NameFacts,
) -> AppResult<Named> {
    if let Some(p) = facts.exact.take() {
        return Ok(Named::Exact(p));
    }
    if let Some((former, p)) = facts.renamed.take() {
        return Ok(Named::Renamed(former, p));
    }
    let names = app
        .names
        .update(&app.store, ws, facts.names_version, facts.names.take())
        .await?;
    close_or_unknown(app, ws, name, &names).await
}

/// What `name` means when it is nobody's name nor a former name: the partners close to it, or the names most
/// like it.
async fn close_or_unknown(
    app: &App,
    ws: &str,
    name: &str,
    names: &super::name_index::NameIndex,
) -> AppResult<Named> {
    Ok(match names.near(&name_key(name), 3) {
        Near::Like(hints) => Named::Unknown { hints },
        Near::Close(close) => match close.as_slice() {
            [only] => match app.store.partner_by_id(ws, only.id).await? {
                Some(p) => Named::OnlyClose(p),
                // Gone since the names were read.
                None => Named::Unknown { hints: Vec::new() },
            },
            several => Named::Several(
                several
                    .iter()
                    .map(|e| Candidate {
                        id: e.id,
                        name: e.name.clone(),
                    })
                    .collect(),
            ),
        },
    })
}

/// "`A`", "`A` or `B`", "`A`, `B` or `C`", "`A`, `B`, … or 4 more" (at most [`MAX_CANDIDATES`] named).
pub fn either(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(MAX_CANDIDATES)
        .map(|n| format!("`{n}`"))
        .collect();
    let more = names.len().saturating_sub(MAX_CANDIDATES);
    match (shown.split_last(), more) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, rest)), 0) => format!("{} or {last}", rest.join(", ")),
        (Some(_), more) => format!("{} or {more} more", shown.join(", ")),
    }
}

/// The error for a name that could mean several partners: it names them and changes nothing.
pub fn ambiguous(name: &str, candidates: &[Candidate]) -> AppError {
    let names: Vec<String> = candidates.iter().map(|c| c.name.clone()).collect();
    AppError::user(format!(
        "`{}` could mean {} partners: {}. Name one in full, e.g. partner:\"{}\".",
        snippet(name),
        candidates.len(),
        either(&names),
        crate::app::line::escape_quoted(names.first().map(String::as_str).unwrap_or_default())
    ))
}

/// The partner named `name` in the workspace, or a user error: a command acts only on the partner a name is
/// (its name, case aside); a name that is not one is answered with the partner it is close to ("Did you
/// mean"), the several it could mean, or the roster names most like it — never acted on.
pub async fn partner(app: &App, ws: &str, name: &str) -> AppResult<Partner> {
    match resolve(app, ws, name).await? {
        Named::Exact(p) => Ok(p),
        other => Err(not_a_partner(name, other)),
    }
}

/// The error for a name that is not a partner's, by what it means.
fn not_a_partner(name: &str, named: Named) -> AppError {
    let not_on_roster = |hint: String| {
        AppError::user(format!(
            "No partner `{}` on the roster.{hint} Add it with /partner add.",
            snippet(name)
        ))
    };
    match named {
        Named::Exact(p) => AppError::user(format!("`{}` is on the roster.", p.name)),
        Named::Renamed(former, p) => AppError::user(format!(
            "{} Use its new name, partner:\"{}\".",
            renamed_plain(&former, &p),
            crate::app::line::escape_quoted(&p.name)
        )),
        Named::OnlyClose(p) => not_on_roster(did_you_mean(&[p.name])),
        Named::Several(c) => ambiguous(name, &c),
        Named::Unknown { hints } => not_on_roster(did_you_mean(&hints)),
    }
}

/// The partner that had the name `name` until it was renamed, with that former name; None when no partner of
/// the workspace ever had it (or the partner is gone).
pub async fn renamed(app: &App, ws: &str, name: &str) -> AppResult<Option<(FormerName, Partner)>> {
    let Some(former) = app.store.renamed_from(ws, &name_key(name)).await? else {
        return Ok(None);
    };
    Ok(app
        .store
        .partner_by_id(ws, former.partner_id)
        .await?
        .map(|p| (former, p)))
}

/// `Acme Corp was renamed to Acme Holdings on 2026-12-01.`, for a card: both names marked as user text
/// ([`super::card::user`]), so each renderer shows them as text.
pub fn renamed_note(former: &FormerName, now: &Partner) -> String {
    format!(
        "{} was renamed to {} on {}.",
        super::card::user(&former.name),
        super::card::user(&now.name),
        former.until
    )
}

/// [`renamed_note`] as the plain text of an error message (which no renderer reads for marks).
fn renamed_plain(former: &FormerName, now: &Partner) -> String {
    super::card::plain(&renamed_note(former, now))
}

/// The error for a name that is not a partner's name (checked by the caller), by the one rule: the partner
/// it was renamed to, the partner it is close to, the several it could mean, or the closest names.
pub async fn unknown_partner(app: &App, ws: &str, name: &str) -> AppError {
    match resolve(app, ws, name).await {
        Ok(named) => not_a_partner(name, named),
        Err(e) => e,
    }
}

/// The active profile of a type, or a user error saying how to create it.
pub async fn profile(app: &App, ws: &str, ty: PartnerType) -> AppResult<Profile> {
    app.store
        .active_profile(ws, ty)
        .await?
        .ok_or_else(|| no_active_profile(ty))
}

/// The error for a type without an active profile, saying how to create it.
pub fn no_active_profile(ty: PartnerType) -> AppError {
    AppError::user(format!(
        "There is no active {ty} profile. A lead creates it with /profile create type:{ty} name:\"…\"."
    ))
}

/// The trait named `name` of a profile, or a user error with the closest trait names.
pub fn trait_of<'a>(profile: &'a Profile, name: &str) -> AppResult<&'a Trait> {
    profile.find_trait(name).ok_or_else(|| {
        let s = suggestions(name, profile.traits.iter().map(|t| t.name.as_str()), 3);
        let all = if profile.traits.is_empty() {
            " It has no traits yet.".to_string()
        } else if s.is_empty() {
            format!(
                " Its traits: {}.",
                profile
                    .traits
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            did_you_mean(&s)
        };
        AppError::user(format!(
            "The {} profile has no trait `{}`.{all}",
            profile.partner_type,
            snippet(name)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn suggests_close_names_first() {
        let names = ["Acme Corp", "Acme Labs", "Globex", "Initech"];
        assert_eq!(suggestions("acme corp.", names, 3)[0], "Acme Corp");
        assert_eq!(closest("Globx", names).as_deref(), Some("Globex"));
        assert!(suggestions("Zebra Holdings", names, 3).is_empty());
        assert_eq!(
            did_you_mean(&["A".into(), "B".into()]),
            " Did you mean `A` or `B`?"
        );
    }

    #[test]
    fn the_renamed_note_marks_both_names_as_user_text() {
        use crate::app::card::{segments, Segment};
        let former = FormerName {
            partner_id: 7,
            name: "*Acme* Corp".into(),
            until: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        };
        let now = Partner {
            id: 7,
            name: "Acme `Holdings`".into(),
            partner_type: PartnerType::Si,
            lifecycle: crate::domain::Lifecycle::Prospect,
            champion: None,
            note: None,
            created_by: "ana".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        let note = renamed_note(&former, &now);
        assert_eq!(
            segments(&note),
            [
                Segment::Users("*Acme* Corp"),
                Segment::Ours(" was renamed to "),
                Segment::Users("Acme `Holdings`"),
                Segment::Ours(" on 2026-12-01."),
            ]
        );
        // An error message is plain text: the same words, no marks.
        assert_eq!(
            renamed_plain(&former, &now),
            "*Acme* Corp was renamed to Acme `Holdings` on 2026-12-01."
        );
    }

    #[test]
    fn candidates_are_listed_with_or_and_a_count_past_ten() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(either(&n(&["A"])), "`A`");
        assert_eq!(either(&n(&["A", "B"])), "`A` or `B`");
        assert_eq!(either(&n(&["A", "B", "C"])), "`A`, `B` or `C`");
        let twelve: Vec<String> = (1..=12).map(|i| format!("P{i}")).collect();
        assert_eq!(
            either(&twelve),
            "`P1`, `P2`, `P3`, `P4`, `P5`, `P6`, `P7`, `P8`, `P9`, `P10` or 2 more"
        );
        let c = |id, name: &str| Candidate {
            id,
            name: name.into(),
        };
        assert_eq!(
            ambiguous("acme", &[c(2, "Acme Consulting"), c(1, "Acme Corp")]).to_string(),
            "`acme` could mean 2 partners: `Acme Consulting` or `Acme Corp`. Name one in full, e.g. partner:\"Acme Consulting\"."
        );
    }
}
