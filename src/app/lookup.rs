//! Finding what a user named: partners and traits by name (case-insensitive), with "did you mean" suggestions.

use super::{App, AppError, AppResult};
use crate::domain::profile::{Profile, Trait};
use crate::domain::{name_key, snippet, PartnerType};
use crate::store::{FormerName, Partner};

/// How alike two names are, 0..1 (Jaro-Winkler on the lower-cased keys, with a bonus for containment).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (name_key(a), name_key(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let jw = strsim::jaro_winkler(&a, &b);
    if b.contains(&a) || a.contains(&b) {
        jw.max(0.9)
    } else {
        jw
    }
}

/// The candidates most like `name`, best first (at most `n`, similarity at least 0.75).
pub fn suggestions<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (similarity(name, c), c))
        .filter(|(s, _)| *s >= 0.75)
        .collect();
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

/// The partner named `name` in the workspace, or a user error with the closest names.
pub async fn partner(app: &App, ws: &str, name: &str) -> AppResult<Partner> {
    if let Some(p) = app.store.partner_by_key(ws, &name_key(name)).await? {
        return Ok(p);
    }
    Err(unknown_partner(app, ws, name).await)
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

/// `Acme Corp was renamed to Acme Holdings on 2026-12-01.`
pub fn renamed_note(former: &FormerName, now: &Partner) -> String {
    format!(
        "{} was renamed to {} on {}.",
        former.name, now.name, former.until
    )
}

/// The error for a name that is not on the roster, with the closest names (or the name it was renamed to).
pub async fn unknown_partner(app: &App, ws: &str, name: &str) -> AppError {
    match renamed(app, ws, name).await {
        Ok(Some((former, p))) => {
            return AppError::user(format!(
                "{} Use its new name, partner:\"{}\".",
                renamed_note(&former, &p),
                p.name
            ))
        }
        Ok(None) => {}
        Err(e) => return e,
    }
    let names = match app.store.partner_names(ws).await {
        Ok(names) => names,
        Err(e) => return e.into(),
    };
    let s = suggestions(name, names.iter().map(|(_, n)| n.as_str()), 3);
    AppError::user(format!(
        "No partner `{}` on the roster.{} Add it with /partner add.",
        snippet(name),
        did_you_mean(&s)
    ))
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
}
