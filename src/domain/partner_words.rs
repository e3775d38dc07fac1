//! The words people use for each partner type, in one table: the words that name a type (`var`, `systems
//! integrator`), which a question to the bot may use (`does Acme fit as a var?`), and the wider words that
//! tie a text to a type (`distributor`, `affiliate`), which the profile lint also looks for in a trait of
//! another type's profile. A type's canonical names (`tech-isv`) and its label in messages stay on
//! [`PartnerType`] itself.

use super::types::PartnerType;

/// The words of one partner type, lowercase, each a word or a phrase of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeWords {
    /// Words that name the type: a question naming one asks about that type (`/screen`'s question parser
    /// also takes each with an `s`).
    pub names: &'static [&'static str],
    /// Words that only suggest the type (related roles, plurals the lint matches word for word): with the
    /// names, what the mixed-types lint finds in a trait.
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
                related: &["integrators"],
            },
            PartnerType::TechIsv => TypeWords {
                names: &["tech isv", "isv", "technology partner"],
                related: &["isvs", "tech partner", "app marketplace"],
            },
            PartnerType::Referral => TypeWords {
                names: &["referral", "referral partner"],
                related: &["referrals", "referrer", "affiliate", "affiliates"],
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
                // A word ties a text to one type only.
                assert!(seen.insert(word), "`{word}` twice");
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
    }
}
