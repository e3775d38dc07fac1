//! The words people use for each partner type, in one table: the words that name a type (`var`, `systems
//! integrator`), which a question to the bot may use (`does Acme fit as a var?`), and the wider words that
//! tie a text to a type (`distributor`, `affiliate`), which the profile lint also looks for in a trait of
//! another type's profile, each also with an `s` on its last word (`distributors`, `system integrators`), so
//! the table lists no plural. A type's canonical names (`tech-isv`) and its label in messages stay on
//! [`PartnerType`] itself.

use super::types::PartnerType;

/// The words of one partner type, lowercase, each a word or a phrase of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeWords {
    /// Words that name the type: a question naming one asks about that type (`/screen`'s question parser
    /// also takes each with an `s`).
    pub names: &'static [&'static str],
    /// Words that only suggest the type (related roles): with the names, what the mixed-types lint finds in a
    /// trait, each also with an `s` on its last word.
    pub related: &'static [&'static str],
}

impl TypeWords {
    /// The names, then the related words: every word that ties a text to the type.
    pub fn all(self) -> impl Iterator<Item = &'static str> {
        self.names.iter().chain(self.related).copied()
    }
}

impl PartnerType {
    /// The words people use for this type: the one table of them (see the module).
    pub fn words(self) -> TypeWords {
        match self {
            PartnerType::Reseller => TypeWords {
                names: &["reseller", "var"],
                related: &["resell", "resale", "distributor"],
            },
            PartnerType::Si => TypeWords {
                names: &[
                    "si",
                    "systems integrator",
                    "system integrator",
                    "integrator",
                ],
                related: &[],
            },
            PartnerType::TechIsv => TypeWords {
                names: &["tech isv", "isv", "technology partner"],
                related: &["tech partner", "app marketplace"],
            },
            PartnerType::Referral => TypeWords {
                names: &["referral", "referral partner"],
                related: &["referrer", "affiliate"],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_its_words_lowercase_and_once() {
        let mut seen = std::collections::HashSet::new();
        for ty in PartnerType::ALL {
            let w = ty.words();
            assert!(!w.names.is_empty(), "{ty}");
            for word in w.all() {
                assert_eq!(word, word.to_lowercase(), "{ty}");
                assert_eq!(word, word.trim(), "{ty}");
                // A word, and it with an `s` (as the lint also reads it), ties a text to one type only: no
                // word is another's plural, of its type (a plural listed by hand) or of another.
                assert!(seen.insert(word.to_string()), "`{word}` twice");
                assert!(seen.insert(format!("{word}s")), "`{word}s` twice");
            }
        }
        // The canonical name is among the names, with its hyphen read as a space.
        for ty in PartnerType::ALL {
            let canonical = ty.as_str().replace('-', " ");
            assert!(ty.words().names.contains(&canonical.as_str()), "{ty}");
        }
        assert_eq!(
            PartnerType::Reseller.words().all().collect::<Vec<_>>(),
            ["reseller", "var", "resell", "resale", "distributor"]
        );
        assert_eq!(
            PartnerType::Si.words().all().collect::<Vec<_>>(),
            [
                "si",
                "systems integrator",
                "system integrator",
                "integrator"
            ]
        );
        assert_eq!(
            PartnerType::TechIsv.words().all().collect::<Vec<_>>(),
            [
                "tech isv",
                "isv",
                "technology partner",
                "tech partner",
                "app marketplace"
            ]
        );
        assert_eq!(
            PartnerType::Referral.words().all().collect::<Vec<_>>(),
            ["referral", "referral partner", "referrer", "affiliate"]
        );
    }
}
