//! Suggestions while a user types an option value (Discord autocomplete): partner names, partner types with
//! the profile each has, trait names scoped to the partner's (or the type's) profile. From the caller's
//! workspace only; which option completes what is declared in [`super::spec`].

use super::spec::{self, Complete, Kind};
use super::{App, AppResult};
use crate::domain::{name_key, PartnerType};

/// A suggestion: what the user sees, and the value it fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub label: String,
    pub value: String,
}

/// At most this many suggestions (Discord's limit).
pub const MAX_SUGGESTIONS: usize = 25;

/// Suggestions for option `option` of the command at `path`, given what is typed so far and the values of
/// the command's other options (`others`, by option name).
pub async fn suggest(
    app: &App,
    ws: &str,
    path: &[String],
    option: &str,
    typed: &str,
    others: &[(String, String)],
) -> AppResult<Vec<Suggestion>> {
    let Some(opt) = spec::find(path).and_then(|s| s.option(option)) else {
        return Ok(Vec::new());
    };
    let key = name_key(typed);
    let Kind::Text {
        complete: Some(complete),
        ..
    } = opt.kind
    else {
        return Ok(Vec::new());
    };
    let same = |n: String| Suggestion {
        label: n.clone(),
        value: n,
    };
    Ok(match complete {
        Complete::Partner => app
            .store
            .search_partners(ws, &key, MAX_SUGGESTIONS as i64)
            .await?
            .into_iter()
            .map(same)
            .collect(),
        Complete::Type => {
            let profiles = app.store.active_profiles(ws).await?;
            PartnerType::ALL
                .iter()
                .filter(|t| t.as_str().starts_with(&key) || t.label().contains(&key))
                .map(|t| Suggestion {
                    label: match profiles.iter().find(|p| p.partner_type == *t) {
                        Some(p) => format!(
                            "{t} — {} ({})",
                            p.name,
                            crate::domain::plural(p.traits.len() as u64, "trait", "traits")
                        ),
                        None => format!("{t} — no profile yet"),
                    },
                    value: t.as_str().to_string(),
                })
                .collect()
        }
        Complete::Trait => {
            let other = |name: &str| others.iter().find(|(k, _)| k == name).map(|(_, v)| v);
            // Scope to the partner's profile, or the named type's, else every active profile.
            let ty = match other(spec::PARTNER.name) {
                Some(p) => app
                    .store
                    .partner_by_key(ws, &name_key(p))
                    .await?
                    .map(|p| p.partner_type),
                None => other(spec::TYPE.name).and_then(|t| t.parse().ok()),
            };
            app.store
                .trait_names(ws, ty)
                .await?
                .into_iter()
                .filter(|(_, n)| name_key(n).contains(&key))
                .map(|(t, n)| Suggestion {
                    label: if ty.is_some() {
                        n.clone()
                    } else {
                        format!("{n} ({t})")
                    },
                    value: n,
                })
                .collect()
        }
    })
}
