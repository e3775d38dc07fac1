//! The ids of our buttons and forms. A component's `custom_id` is data from the network — Discord checks it
//! against the message it sits on, but the bot must not rely on that — so each id is one of a few fixed kinds
//! with typed, bounded arguments (list filters as names of fixed vocabularies, record ids as positive
//! numbers, a page number), parsed strictly. An id never holds a command or free text; whatever it names is
//! looked up again inside the caller's workspace, with the caller's role checked again.

use crate::app::card::Target;
use crate::app::lists::{ListId, MAX_PAGE};
use crate::domain::{PartnerType, Stage, Verdict};

/// The longest custom id Discord allows.
pub const MAX_ID_CHARS: usize = 100;

/// A pressed button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// Show page `page` of a list.
    Page { list: ListId, page: usize },
    /// Open the evidence form of one trait of one partner.
    RecordEvidence { partner: i64, trait_id: i64 },
    /// Screen one partner (the choice of a name that could mean several).
    Screen { partner: i64 },
}

/// A submitted form: evidence of one trait of one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceForm {
    pub partner: i64,
    pub trait_id: i64,
}

/// Why an id was refused (never echoed: the caller sees one fixed message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOurs;

const ANY: &str = "*";

fn opt_name<T: Copy>(v: Option<T>, name: impl Fn(T) -> &'static str) -> &'static str {
    v.map_or(ANY, name)
}

/// The custom id of a page button.
pub fn page_id(list: &ListId, page: usize) -> String {
    match list {
        ListId::Roster {
            partner_type,
            stage,
            verdict,
        } => format!(
            "pg:r:{}:{}:{}:{page}",
            opt_name(*partner_type, PartnerType::as_str),
            opt_name(*stage, Stage::as_str),
            opt_name(*verdict, Verdict::as_str)
        ),
        ListId::Evidence { partner } => format!("pg:e:{partner}:{page}"),
        ListId::History { partner_type } => format!("pg:h:{partner_type}:{page}"),
        ListId::Checklist { partner_type } => format!(
            "pg:c:{}:{page}",
            opt_name(*partner_type, PartnerType::as_str)
        ),
        ListId::Help => format!("pg:help:{page}"),
    }
}

/// The custom id of an action button.
pub fn action_id(target: &Target) -> String {
    match target {
        Target::RecordEvidence { partner, trait_id } => format!("ev:{partner}:{trait_id}"),
        Target::Screen { partner } => format!("sc:{partner}"),
    }
}

/// The custom id of the evidence form.
pub fn form_id(f: EvidenceForm) -> String {
    format!("evm:{}:{}", f.partner, f.trait_id)
}

/// A record id: a positive decimal number without sign or leading zeros that fits an i64.
fn record_id(s: &str) -> Result<i64, NotOurs> {
    if s.is_empty() || s.len() > 19 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(NotOurs);
    }
    s.parse::<i64>().map_err(|_| NotOurs)
}

/// A page number: `0` or a decimal number without leading zeros, at most [`MAX_PAGE`].
fn page_number(s: &str) -> Result<usize, NotOurs> {
    if s.is_empty() || s.len() > 6 || (s.len() > 1 && s.starts_with('0')) {
        return Err(NotOurs);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NotOurs);
    }
    s.parse::<usize>()
        .ok()
        .filter(|p| *p <= MAX_PAGE)
        .ok_or(NotOurs)
}

/// One of a fixed vocabulary, exactly as we write it (no case folding, no spaces).
fn exact<T: Copy>(s: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T, NotOurs> {
    all.iter().copied().find(|v| name(*v) == s).ok_or(NotOurs)
}

/// `*` or one of a fixed vocabulary.
fn exact_opt<T: Copy>(
    s: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<Option<T>, NotOurs> {
    if s == ANY {
        Ok(None)
    } else {
        exact(s, all, name).map(Some)
    }
}

/// Parse a button's custom id.
pub fn parse_button(id: &str) -> Result<Button, NotOurs> {
    if id.len() > MAX_ID_CHARS {
        return Err(NotOurs);
    }
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["pg", "r", ty, stage, verdict, page] => Ok(Button::Page {
            list: ListId::Roster {
                partner_type: exact_opt(ty, PartnerType::ALL, PartnerType::as_str)?,
                stage: exact_opt(stage, Stage::ALL, Stage::as_str)?,
                verdict: exact_opt(verdict, Verdict::ALL, Verdict::as_str)?,
            },
            page: page_number(page)?,
        }),
        ["pg", "e", partner, page] => Ok(Button::Page {
            list: ListId::Evidence {
                partner: record_id(partner)?,
            },
            page: page_number(page)?,
        }),
        ["pg", "h", ty, page] => Ok(Button::Page {
            list: ListId::History {
                partner_type: exact(ty, PartnerType::ALL, PartnerType::as_str)?,
            },
            page: page_number(page)?,
        }),
        ["pg", "c", ty, page] => Ok(Button::Page {
            list: ListId::Checklist {
                partner_type: exact_opt(ty, PartnerType::ALL, PartnerType::as_str)?,
            },
            page: page_number(page)?,
        }),
        ["pg", "help", page] => Ok(Button::Page {
            list: ListId::Help,
            page: page_number(page)?,
        }),
        ["ev", partner, trait_id] => Ok(Button::RecordEvidence {
            partner: record_id(partner)?,
            trait_id: record_id(trait_id)?,
        }),
        ["sc", partner] => Ok(Button::Screen {
            partner: record_id(partner)?,
        }),
        _ => Err(NotOurs),
    }
}

/// Parse a form's custom id.
pub fn parse_form(id: &str) -> Result<EvidenceForm, NotOurs> {
    if id.len() > MAX_ID_CHARS {
        return Err(NotOurs);
    }
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["evm", partner, trait_id] => Ok(EvidenceForm {
            partner: record_id(partner)?,
            trait_id: record_id(trait_id)?,
        }),
        _ => Err(NotOurs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_we_write_parses_back() {
        let lists = [
            ListId::Roster {
                partner_type: Some(PartnerType::TechIsv),
                stage: None,
                verdict: Some(Verdict::WalkAway),
            },
            ListId::Roster {
                partner_type: None,
                stage: Some(Stage::Signed),
                verdict: None,
            },
            ListId::Evidence { partner: i64::MAX },
            ListId::History {
                partner_type: PartnerType::Si,
            },
            ListId::Checklist { partner_type: None },
            ListId::Checklist {
                partner_type: Some(PartnerType::Reseller),
            },
            ListId::Help,
        ];
        for list in lists {
            for page in [0, 1, MAX_PAGE] {
                let id = page_id(&list, page);
                assert!(id.len() <= MAX_ID_CHARS, "{id}");
                assert_eq!(parse_button(&id), Ok(Button::Page { list, page }), "{id}");
            }
        }
        let t = Target::RecordEvidence {
            partner: 12,
            trait_id: 7,
        };
        assert_eq!(action_id(&t), "ev:12:7");
        assert_eq!(
            parse_button("ev:12:7"),
            Ok(Button::RecordEvidence {
                partner: 12,
                trait_id: 7
            })
        );
        let s = Target::Screen { partner: 42 };
        assert_eq!(action_id(&s), "sc:42");
        assert_eq!(parse_button("sc:42"), Ok(Button::Screen { partner: 42 }));
        let f = EvidenceForm {
            partner: 3,
            trait_id: 4,
        };
        assert_eq!(parse_form(&form_id(f)), Ok(f));
    }

    #[test]
    fn forged_ids_are_refused() {
        for id in [
            // the old format: a command line
            "pg:1:/partner add name:\"x\" type:si",
            "pg:0:/import what:partners file:/etc/passwd",
            "pg:r:si:*:*:1:extra",
            "pg:r:SI:*:*:1",
            "pg:r: si:*:*:1",
            "pg:r:si:*:*:100000",
            "pg:r:si:*:*:99999999999999999999",
            "pg:r:si:*:*:-1",
            "pg:r:si:*:*:01",
            "pg:r:si:*:*:+1",
            "pg:e:0:1",
            "pg:e:-5:1",
            "pg:e:+5:1",
            "pg:e:9223372036854775808:1",
            "pg:e:/etc/passwd:0",
            "pg:h:*:0",
            "pg:c:si",
            "pg:c:Acme Corp:0",
            "pg:c:*:*:0",
            "pg:help",
            "ev:1",
            "ev:1:2:3",
            "ev:1:x",
            "ev:01:2",
            "evm:1:2",
            "sc:",
            "sc:0",
            "sc:-3",
            "sc:1:2",
            "sc:Acme Corp",
            "",
        ] {
            assert_eq!(parse_button(id), Err(NotOurs), "{id}");
        }
        assert_eq!(
            parse_button(&format!("ev:1:{}", "1".repeat(200))),
            Err(NotOurs)
        );
        assert_eq!(parse_form("ev:1:2"), Err(NotOurs));
        assert_eq!(parse_form("evm:1:2:3"), Err(NotOurs));
        assert_eq!(parse_form("evm:1:/dev/zero"), Err(NotOurs));
    }
}
