//! The profile lint: the pitfalls of an Ideal Partner Profile, caught when it is written. Lint warns; it
//! never blocks.

use super::profile::Profile;
use super::types::PartnerType;
use serde::Serialize;

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintWarning {
    /// `unverifiable`, `logo-wish-list`, `mixed-types`, `trait-count`, `missing-joint-solution`.
    pub code: &'static str,
    /// The trait concerned, if any.
    #[serde(rename = "trait")]
    pub trait_name: Option<String>,
    pub message: String,
}

/// Wording nobody can observe before signing (matched as word prefixes).
const UNVERIFIABLE: &[&str] = &[
    "intent",
    "innovat",
    "commit",
    "passion",
    "strategic",
    "motivat",
    "enthusias",
    "eager",
    "willing",
    "vision",
    "excit",
    "dedicat",
    "proactive",
    "engaged",
    "synerg",
    "culture",
    "aligned",
    "believ",
    "energetic",
    "hungry",
    "ambitio",
];

/// Wording about brand or size rather than production.
const LOGO: &[&str] = &[
    "fortune 500",
    "fortune 1000",
    "fortune",
    "global 2000",
    "well-known",
    "well known",
    "logo",
    "large company",
    "large companies",
    "big company",
    "big name",
    "brand",
    "famous",
    "prestig",
    "household name",
    "headcount",
    "employee count",
    "number of employees",
    "company size",
    "market cap",
    "tier-1 name",
    "big four",
    "big 4",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Does `text` contain `phrase` as whole words (or, with `prefix`, words starting with each part)?
fn mentions(text: &str, phrase: &str, prefix: bool) -> bool {
    let hay = words(text);
    let needle = words(phrase);
    if needle.is_empty() || hay.len() < needle.len() {
        return false;
    }
    hay.windows(needle.len()).any(|win| {
        win.iter().zip(&needle).enumerate().all(|(i, (h, n))| {
            let last = i + 1 == needle.len();
            if prefix && last {
                h.starts_with(n.as_str())
            } else {
                h == n
            }
        })
    })
}

/// Does `text` name a partner type by `word` ([`PartnerType::words`]): as whole words, or with an `s` on its
/// last word (`resellers`, `SIs`, `system integrators`)? The table of words lists no plural: this reads them.
fn mentions_type_word(text: &str, word: &str) -> bool {
    mentions(text, word, false) || mentions(text, &format!("{word}s"), false)
}

/// The lint of a profile, in the order a reader fixes them: profile-level first, then per trait.
pub fn lint(profile: &Profile) -> Vec<LintWarning> {
    let mut out = Vec::new();
    if profile
        .joint_solution
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        out.push(LintWarning {
            code: "missing-joint-solution",
            trait_name: None,
            message: "no joint solution: say what the partner sells or implements with us, and what the customer gets".into(),
        });
    }
    let n = profile.traits.len();
    if !(3..=7).contains(&n) {
        out.push(LintWarning {
            code: "trait-count",
            trait_name: None,
            message: format!(
                "{n} trait{}: a usable profile has 3 to 7 (about five) observable traits",
                if n == 1 { "" } else { "s" }
            ),
        });
    }
    let mut other_types: Vec<PartnerType> = Vec::new();
    for t in &profile.traits {
        let text = format!("{} {}", t.name, t.verify_by.as_deref().unwrap_or(""));
        if t.verify_by.as_deref().is_none_or(|v| v.trim().is_empty()) {
            out.push(LintWarning {
                code: "unverifiable",
                trait_name: Some(t.name.clone()),
                message: format!(
                    "`{}` has no verify_by: unverifiable — name how you observe it before signing (a report, a call, a document)",
                    t.name
                ),
            });
        } else if let Some(w) = UNVERIFIABLE.iter().find(|w| mentions(&t.name, w, true)) {
            out.push(LintWarning {
                code: "unverifiable",
                trait_name: Some(t.name.clone()),
                message: format!(
                    "`{}` (\"{w}…\") cannot be observed before signing: unverifiable — name an observable proxy",
                    t.name
                ),
            });
        }
        if let Some(w) = LOGO.iter().find(|w| mentions(&t.name, w, true)) {
            out.push(LintWarning {
                code: "logo-wish-list",
                trait_name: Some(t.name.clone()),
                message: format!(
                    "`{}` (\"{w}\") is about brand or size: logo wish-list — prestige rarely predicts pipeline",
                    t.name
                ),
            });
        }
        for ty in PartnerType::ALL {
            if *ty != profile.partner_type && ty.words().all().any(|w| mentions_type_word(&text, w))
            {
                if !other_types.contains(ty) {
                    other_types.push(*ty);
                }
                out.push(LintWarning {
                    code: "mixed-types",
                    trait_name: Some(t.name.clone()),
                    message: format!(
                        "`{}` talks about {}s in a {} profile: one profile per type — move it to the {} profile",
                        t.name,
                        ty.label(),
                        profile.partner_type.label(),
                        ty.as_str()
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::profile::{Trait, TraitKind};

    fn p(ty: PartnerType, traits: &[(&str, Option<&str>)], joint: Option<&str>) -> Profile {
        Profile {
            id: 1,
            partner_type: ty,
            name: "P".into(),
            joint_solution: joint.map(str::to_string),
            owner: "ana".into(),
            revision: 1,
            traits: traits
                .iter()
                .enumerate()
                .map(|(i, (n, v))| Trait {
                    id: i as i64,
                    name: n.to_string(),
                    verify_by: v.map(str::to_string),
                    kind: TraitKind::YesNo,
                })
                .collect(),
        }
    }

    fn codes(w: &[LintWarning]) -> Vec<&str> {
        w.iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_good_profile_is_clean() {
        let prof = p(
            PartnerType::Reseller,
            &[
                (
                    "Deal registration confirmed pre-contract",
                    Some("CRM deal reg"),
                ),
                ("Customer overlap", Some("Crossbeam overlap report")),
                (
                    "Named champion at regional-director level",
                    Some("call with the regional director"),
                ),
                ("Co-sell deals with a peer vendor", Some("reference call")),
                ("Certified sales engineers", Some("certification list")),
            ],
            Some("They resell our platform bundled with onboarding"),
        );
        assert!(lint(&prof).is_empty(), "{:?}", lint(&prof));
    }

    #[test]
    fn each_pitfall_is_caught() {
        let prof = p(
            PartnerType::Reseller,
            &[
                ("Strong intent to co-sell", Some("kickoff call")),
                ("Fortune 500 customers", Some("website")),
                ("Innovative", None),
                ("Referral volume", Some("partner portal")),
            ],
            None,
        );
        let w = lint(&prof);
        assert_eq!(
            codes(&w),
            [
                "missing-joint-solution",
                "unverifiable",
                "logo-wish-list",
                "unverifiable",
                "mixed-types"
            ]
        );
        assert_eq!(w[4].trait_name.as_deref(), Some("Referral volume"));
    }

    #[test]
    fn trait_count_outside_3_to_7() {
        let two = p(
            PartnerType::Si,
            &[("a", Some("x")), ("b", Some("y"))],
            Some("j"),
        );
        assert_eq!(codes(&lint(&two)), ["trait-count"]);
        let eight: Vec<(String, Option<&str>)> =
            (0..8).map(|i| (format!("trait {i}"), Some("x"))).collect();
        let refs: Vec<(&str, Option<&str>)> = eight.iter().map(|(a, b)| (a.as_str(), *b)).collect();
        assert_eq!(
            codes(&lint(&p(PartnerType::Si, &refs, Some("j")))),
            ["trait-count"]
        );
        let seven = &refs[..7];
        assert!(lint(&p(PartnerType::Si, seven, Some("j"))).is_empty());
    }

    #[test]
    fn words_match_whole_words_only() {
        // "variance" must not read as "var", "visionary" does read as vision (prefix match).
        assert!(!mentions("Forecast variance", "var", false));
        assert!(mentions("Visionary leader", "vision", true));
        assert!(mentions("Top-10 SI in region", "si", false));
        assert!(!mentions("Simple onboarding", "si", false));
    }

    #[test]
    fn a_trait_is_tied_to_a_type_by_the_words_it_always_was() {
        // The lint's own list before the words moved to `PartnerType::words`: each is still a word of its type
        // (or one with an `s`: the table lists no plural since the lint reads them), and each word the table
        // adds contains one of them as a whole word, so it finds nothing new but the plurals (tested below).
        let before: [(PartnerType, &[&str]); 4] = [
            (
                PartnerType::Reseller,
                &["reseller", "resell", "resale", "var", "distributor"],
            ),
            (
                PartnerType::Si,
                &["si", "integrator", "integrators", "systems integrator"],
            ),
            (
                PartnerType::TechIsv,
                &[
                    "isv",
                    "isvs",
                    "tech partner",
                    "technology partner",
                    "app marketplace",
                ],
            ),
            (
                PartnerType::Referral,
                &[
                    "referral",
                    "referrals",
                    "referrer",
                    "affiliate",
                    "affiliates",
                ],
            ),
        ];
        for (ty, old) in before {
            let now: Vec<&str> = ty.words().all().collect();
            for w in old {
                assert!(
                    now.iter().any(|n| *n == *w || format!("{n}s") == *w),
                    "{ty}: `{w}` lost"
                );
            }
            for w in now.iter().filter(|w| !old.contains(w)) {
                assert!(
                    old.iter().any(|o| mentions(w, o, false)),
                    "{ty}: `{w}` is new"
                );
            }
        }
        // In a reseller profile: an SI's word, a tech ISV's and a referral partner's, each once.
        let prof = p(
            PartnerType::Reseller,
            &[
                ("Works with a system integrator", Some("call")),
                ("Listed in an app marketplace", Some("listing")),
                ("Runs an affiliate program", Some("site")),
                ("Sells through distributors", Some("contract")),
            ],
            Some("j"),
        );
        let w = lint(&prof);
        assert_eq!(codes(&w), ["mixed-types", "mixed-types", "mixed-types"]);
        assert_eq!(
            w[0].message,
            "`Works with a system integrator` talks about systems integrators in a reseller profile: one profile per type — move it to the si profile"
        );
        assert_eq!(
            w[1].trait_name.as_deref(),
            Some("Listed in an app marketplace")
        );
        assert_eq!(
            w[2].trait_name.as_deref(),
            Some("Runs an affiliate program")
        );
    }

    #[test]
    fn another_types_words_are_found_with_an_s_too() {
        // An SI's word with an `s`, in a reseller profile; a reseller's in an SI profile, each in the name or in
        // verify_by; the others' plurals in a referral profile, and a referral partner's in an SI profile.
        let si = p(
            PartnerType::Si,
            &[
                ("Sells through resellers", Some("contract")),
                ("Listed by distributors", Some("price list")),
                ("Integrations", Some("their VARs' list")),
                ("Pays referrers", Some("portal")),
                ("Implementation bench", Some("staffing list")),
            ],
            Some("j"),
        );
        let w = lint(&si);
        assert_eq!(
            codes(&w),
            ["mixed-types", "mixed-types", "mixed-types", "mixed-types"]
        );
        assert_eq!(
            w[0].message,
            "`Sells through resellers` talks about resellers in a systems integrator profile: one profile per type — move it to the reseller profile"
        );
        assert_eq!(w[1].trait_name.as_deref(), Some("Listed by distributors"));
        assert_eq!(w[2].trait_name.as_deref(), Some("Integrations"));
        assert_eq!(
            w[3].message,
            "`Pays referrers` talks about referral partners in a systems integrator profile: one profile per type — move it to the referral profile"
        );
        let reseller = p(
            PartnerType::Reseller,
            &[
                ("Works with SIs", Some("call")),
                ("Two system integrators on staff", Some("call")),
                ("Resales through a partner", Some("CRM")),
            ],
            Some("j"),
        );
        let w = lint(&reseller);
        assert_eq!(codes(&w), ["mixed-types", "mixed-types"]);
        assert_eq!(
            w[0].message,
            "`Works with SIs` talks about systems integrators in a reseller profile: one profile per type — move it to the si profile"
        );
        assert_eq!(
            w[1].trait_name.as_deref(),
            Some("Two system integrators on staff")
        );
        let referral = p(
            PartnerType::Referral,
            &[
                ("Has technology partners", Some("site")),
                ("Tech partners listed", Some("site")),
                ("Knows the referrers", Some("call")),
                ("Runs two app marketplaces", Some("site")),
                ("Affiliates paid monthly", Some("ledger")),
            ],
            Some("j"),
        );
        let w = lint(&referral);
        assert_eq!(
            codes(&w),
            ["mixed-types", "mixed-types", "mixed-types"],
            "{w:?}"
        );
        assert_eq!(
            w.iter()
                .map(|w| w.trait_name.as_deref())
                .collect::<Vec<_>>(),
            [
                Some("Has technology partners"),
                Some("Tech partners listed"),
                Some("Runs two app marketplaces")
            ]
        );
        // Still whole words: an `s` is the one letter added (`variances`, `simple`, `sister`, `isvsx` stay
        // clean), and a word of the profile's own type with an `s` warns nothing.
        for clean in [
            "Forecast variances",
            "Simple onboarding",
            "Sister company",
            "isvsx",
        ] {
            assert!(
                !PartnerType::ALL
                    .iter()
                    .flat_map(|ty| ty.words().all())
                    .any(|w| mentions_type_word(clean, w)),
                "{clean}"
            );
        }
        let own = p(
            PartnerType::Si,
            &[("Two integrators certified", Some("SIs' registry"))],
            Some("j"),
        );
        assert_eq!(codes(&lint(&own)), ["trait-count"]);
        // The false positive this takes: `SIS` (a student information system) reads as `SI` with an `s`; a
        // warning, which never blocks.
        let tech = p(
            PartnerType::TechIsv,
            &[("Syncs with the school's SIS", Some("API docs"))],
            Some("j"),
        );
        assert_eq!(codes(&lint(&tech)), ["trait-count", "mixed-types"]);
    }
}
