//! The workspace's time zone: which names `/settings set key:timezone` accepts, and the suggestion when a
//! name is refused.
//!
//! Accepted are IANA region names (`Europe/Berlin`, `America/New_York`) and `UTC`/`Etc/UTC`, matched
//! case-insensitively (`europe/berlin` is `Europe/Berlin`; [`Tz::name`] gives the canonical spelling).
//! Legacy and POSIX-style names (`EST`, `EST5EDT`, `US/Eastern`, `Etc/GMT+5`, `GMT`, ...) are refused although
//! chrono-tz knows them: their meaning surprises (fixed offsets without daylight saving, inverted signs, US-only
//! rules), and a team's digests would quietly post an hour off. The refusal names the region most people mean,
//! and an unknown name gets the closest region name by edit distance (`strsim`) when one is close.
//! A pure rule (no I/O), kept apart from the cron grammar because settings use it as much as schedules.

use std::str::FromStr;

use chrono_tz::Tz;

use super::snippet;

/// Longest time zone name for which suggestions are computed (IANA names are < 40 chars).
const MAX_TZ_SUGGEST_CHARS: usize = 64;

/// Why a time zone name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimezoneError {
    /// Nothing but whitespace was given.
    #[error("time zone is empty — use an IANA name like `Europe/Berlin`")]
    Empty,
    /// A legacy, POSIX-style or abbreviation name (`EST5EDT`, `EST`, `US/Eastern`, `GMT`...).
    #[error(
        "time zone `{name}` is a legacy name, not an IANA region — use one like `Europe/Berlin`{}",
        did_you_mean(.suggestion)
    )]
    Legacy {
        /// The name as given (shortened if very long).
        name: String,
        /// A region name that is probably meant.
        suggestion: Option<String>,
    },
    /// Not a known time zone.
    #[error(
        "unknown time zone `{name}` — use an IANA name like `Europe/Berlin`{}",
        did_you_mean(.suggestion)
    )]
    Unknown {
        /// The name as given (shortened if very long).
        name: String,
        /// The closest known region name, if any is close.
        suggestion: Option<String>,
    },
}

/// Serialize a time zone as its IANA name (`Europe/Berlin`): the one form replies and JSON give it.
pub fn serialize_name<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

const REGION_PREFIXES: [&str; 10] = [
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// Legacy names (compared case-insensitively) and the region users most likely mean.
const LEGACY_NAMES: &[(&str, &str)] = &[
    ("est5edt", "America/New_York"),
    ("est", "America/New_York"),
    ("edt", "America/New_York"),
    ("us/eastern", "America/New_York"),
    ("cst6cdt", "America/Chicago"),
    ("cst", "America/Chicago"),
    ("cdt", "America/Chicago"),
    ("us/central", "America/Chicago"),
    ("mst7mdt", "America/Denver"),
    ("mdt", "America/Denver"),
    ("us/mountain", "America/Denver"),
    ("mst", "America/Phoenix"),
    ("us/arizona", "America/Phoenix"),
    ("pst8pdt", "America/Los_Angeles"),
    ("pst", "America/Los_Angeles"),
    ("pdt", "America/Los_Angeles"),
    ("us/pacific", "America/Los_Angeles"),
    ("us/alaska", "America/Anchorage"),
    ("hst", "Pacific/Honolulu"),
    ("us/hawaii", "Pacific/Honolulu"),
    ("cet", "Europe/Berlin"),
    ("cest", "Europe/Berlin"),
    ("met", "Europe/Berlin"),
    ("eet", "Europe/Athens"),
    ("wet", "Europe/Lisbon"),
    ("bst", "Europe/London"),
    ("gb", "Europe/London"),
    ("gmt", "UTC"),
    ("utc0", "UTC"),
    ("z", "UTC"),
    ("zulu", "UTC"),
    ("uct", "UTC"),
    ("universal", "UTC"),
    ("greenwich", "UTC"),
    ("etc/gmt", "UTC"),
    ("etc/uct", "UTC"),
    ("etc/universal", "UTC"),
    ("etc/zulu", "UTC"),
    ("japan", "Asia/Tokyo"),
    ("jst", "Asia/Tokyo"),
    ("ist", "Asia/Kolkata"),
];

fn is_region_name(name: &str) -> bool {
    name == "UTC" || name == "Etc/UTC" || REGION_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Parses a team's time zone: an IANA region name such as `Europe/Berlin`, or `UTC`/`Etc/UTC`.
///
/// Matching is case-insensitive (`europe/berlin` gives `Europe/Berlin`). Legacy and POSIX-style
/// names (`EST5EDT`, `EST`, `US/Eastern`, `Etc/GMT+5`, ...) are refused because their meaning is
/// surprising (fixed offsets, inverted signs, US-only rules); so are unknown names. Errors suggest
/// the likely region when one is close.
///
/// "Region name" means `UTC`, `Etc/UTC` or a name under Africa/, America/, Antarctica/,
/// Arctic/, Asia/, Atlantic/, Australia/, Europe/, Indian/ or Pacific/ (older region-style
/// aliases such as `Asia/Calcutta` are accepted too; they behave like their canonical zone).
pub fn parse_timezone(name: &str) -> Result<Tz, TimezoneError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TimezoneError::Empty);
    }
    let lower = name.to_ascii_lowercase();
    let known = Tz::from_str(name).ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    });
    let legacy_hint = LEGACY_NAMES
        .iter()
        .find(|(legacy, _)| *legacy == lower)
        .map(|(_, region)| (*region).to_owned());

    match known {
        Some(tz) if is_region_name(tz.name()) => Ok(tz),
        Some(_) => Err(TimezoneError::Legacy {
            name: snippet(name),
            suggestion: legacy_hint,
        }),
        None if legacy_hint.is_some() => Err(TimezoneError::Legacy {
            name: snippet(name),
            suggestion: legacy_hint,
        }),
        None => Err(TimezoneError::Unknown {
            name: snippet(name),
            suggestion: suggest_timezone(&lower),
        }),
    }
}

/// The accepted zone name closest to `lower` (already lowercased), if it is close enough.
fn suggest_timezone(lower: &str) -> Option<String> {
    if lower.chars().count() > MAX_TZ_SUGGEST_CHARS {
        return None;
    }
    let wanted: String = lower
        .chars()
        .map(|c| if c == ' ' { '_' } else { c })
        .collect();
    let candidates = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|n| is_region_name(n));

    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let cand_lower = candidate.to_ascii_lowercase();
        // "berlin" or "new york" -> the city part of a region name.
        let city = cand_lower.rsplit('/').next().unwrap_or(&cand_lower);
        let wanted_city = wanted.rsplit('/').next().unwrap_or(&wanted);
        let distance = if city == wanted_city || cand_lower == wanted {
            0
        } else {
            strsim::levenshtein(&wanted, &cand_lower)
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    let limit = (wanted.chars().count() / 5).max(2);
    best.filter(|(d, _)| *d <= limit)
        .map(|(_, name)| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;

    #[test]
    fn timezones_accepted() {
        assert_eq!(parse_timezone("Europe/Berlin"), Ok(Berlin));
        assert_eq!(parse_timezone("America/New_York"), Ok(New_York));
        assert_eq!(
            parse_timezone("  Asia/Kolkata "),
            Ok(chrono_tz::Asia::Kolkata)
        );
        assert_eq!(parse_timezone("UTC"), Ok(Tz::UTC));
        assert_eq!(parse_timezone("Etc/UTC"), Ok(Tz::Etc__UTC));
        // Exact case-insensitive matches are accepted and canonicalised.
        assert_eq!(parse_timezone("europe/berlin"), Ok(Berlin));
        assert_eq!(
            parse_timezone("AMERICA/NEW_YORK").map(Tz::name),
            Ok("America/New_York")
        );
        assert_eq!(parse_timezone("utc"), Ok(Tz::UTC));
    }

    #[test]
    fn timezones_refused() {
        for (name, suggestion) in [
            ("EST5EDT", "America/New_York"),
            ("EST", "America/New_York"),
            ("MST7MDT", "America/Denver"),
            ("PST8PDT", "America/Los_Angeles"),
            ("CST6CDT", "America/Chicago"),
            ("est5edt", "America/New_York"),
            ("US/Eastern", "America/New_York"),
            ("PST", "America/Los_Angeles"),
            ("GMT", "UTC"),
        ] {
            let err = parse_timezone(name).unwrap_err();
            assert_eq!(
                err,
                TimezoneError::Legacy {
                    name: name.to_owned(),
                    suggestion: Some(suggestion.to_owned())
                },
                "{name}"
            );
            let text = err.to_string();
            assert!(
                text.contains("`Europe/Berlin`") && !text.contains('\n'),
                "{text}"
            );
            assert!(
                text.contains(&format!("did you mean `{suggestion}`?")),
                "{text}"
            );
        }
        assert!(matches!(
            parse_timezone("Etc/GMT+5"),
            Err(TimezoneError::Legacy { .. })
        ));
        assert!(matches!(
            parse_timezone("Japan"),
            Err(TimezoneError::Legacy { .. })
        ));

        let err = parse_timezone("Mars/Olympus").unwrap_err();
        assert_eq!(
            err,
            TimezoneError::Unknown {
                name: "Mars/Olympus".to_owned(),
                suggestion: None
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown time zone `Mars/Olympus` — use an IANA name like `Europe/Berlin`"
        );
        assert_eq!(parse_timezone(" "), Err(TimezoneError::Empty));

        for (name, suggestion) in [
            ("Europe/Berln", "Europe/Berlin"),
            ("Berlin", "Europe/Berlin"),
            ("new york", "America/New_York"),
            ("America/New York", "America/New_York"),
            ("Amercia/New_York", "America/New_York"),
        ] {
            let err = parse_timezone(name).unwrap_err();
            assert_eq!(
                err,
                TimezoneError::Unknown {
                    name: name.to_owned(),
                    suggestion: Some(suggestion.to_owned())
                }
            );
            assert!(err
                .to_string()
                .ends_with(&format!("(did you mean `{suggestion}`?)")));
        }
    }

    #[test]
    fn timezone_fuzz_never_panics() {
        let unknown = |name: &str, suggestion: Option<&str>| TimezoneError::Unknown {
            name: name.to_owned(),
            suggestion: suggestion.map(str::to_owned),
        };
        let huge = "A/".repeat(100_000);
        for (name, expected) in [
            ("", TimezoneError::Empty),
            ("/", unknown("/", None)),
            ("//", unknown("//", None)),
            // Nothing after the region: no city to match, and every region name is more than 2 edits away.
            ("Europe/", unknown("Europe/", None)),
            // The city part alone matches Europe/Berlin's.
            ("/Berlin", unknown("/Berlin", Some("Europe/Berlin"))),
            ("🕘", unknown("🕘", None)),
            // NUL is not whitespace (not trimmed); one edit from Europe/Berlin. The error shows it as a space.
            (
                "Europe/Berlin\u{0}",
                unknown("Europe/Berlin ", Some("Europe/Berlin")),
            ),
            ("Ünïcode/Zone", unknown("Ünïcode/Zone", None)),
            // Offsets are not zone names; "utc+1" is two edits from "utc".
            ("UTC+1", unknown("UTC+1", Some("UTC"))),
            ("+01:00", unknown("+01:00", None)),
            // Too long for a suggestion; the error shows its first 40 characters and an ellipsis.
            (&huge, unknown(&format!("{}…", "A/".repeat(20)), None)),
        ] {
            let err = parse_timezone(name).unwrap_err();
            assert_eq!(err, expected, "{:?}", snippet(name));
            assert!(err.to_string().chars().count() < 300, "{err}");
        }
    }
}
