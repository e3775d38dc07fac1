//! What a Slack button carries back when pressed: the app's typed targets — a page of a [`ListId`],
//! "record evidence" or "screen" for a [`Target`] — encoded as a short value and parsed strictly, never a
//! command line. Whatever a value names is looked up again inside the presser's workspace, with the
//! presser's role checked again (by [`crate::app::lists::page`], the evidence form and the screen).

use crate::app::card::Target;
use crate::app::lists::{ListId, MAX_PAGE};
use crate::domain::{PartnerType, Stage, Verdict};

/// A pressed button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonData {
    /// Show page `page` (from 0) of a list.
    Page { list: ListId, page: usize },
    /// Open the evidence form of one trait of one partner.
    RecordEvidence { partner: i64, trait_id: i64 },
    /// Screen one partner (the choice of a name that could mean several).
    Screen { partner: i64 },
}

/// The value of an action button: `record:<partner>:<trait>` opens the evidence form, `screen:<partner>`
/// screens a partner.
pub fn action_value(target: &Target) -> String {
    match target {
        Target::RecordEvidence { partner, trait_id } => format!("record:{partner}:{trait_id}"),
        Target::Screen { partner } => format!("screen:{partner}"),
    }
}

/// The value of a page button: `page:<list>:<page>`, the list as `roster/<type>/<stage>/<verdict>` (`-` for
/// no filter), `evidence/<partner id>`, `history/<type>`, `checklist/<type>` (`-`: every type) or `help`.
pub fn page_value(list: &ListId, page: usize) -> String {
    fn or_dash(s: Option<&'static str>) -> &'static str {
        s.unwrap_or("-")
    }
    let list = match list {
        ListId::Roster {
            partner_type,
            stage,
            verdict,
        } => format!(
            "roster/{}/{}/{}",
            or_dash(partner_type.map(PartnerType::as_str)),
            or_dash(stage.map(Stage::as_str)),
            or_dash(verdict.map(Verdict::as_str))
        ),
        ListId::Evidence { partner } => format!("evidence/{partner}"),
        ListId::History { partner_type } => format!("history/{}", partner_type.as_str()),
        ListId::Checklist { partner_type } => format!(
            "checklist/{}",
            or_dash(partner_type.map(PartnerType::as_str))
        ),
        ListId::Help => "help".to_string(),
    };
    format!("page:{list}:{page}")
}

/// A positive record id, digits only.
fn id(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|v| *v > 0)
}

/// A filter: `-` for none, else a value of its vocabulary.
fn filter<T: std::str::FromStr>(s: &str) -> Option<Option<T>> {
    if s == "-" {
        Some(None)
    } else {
        s.parse().ok().map(Some)
    }
}

fn list(s: &str) -> Option<ListId> {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        ["roster", t, st, v] => Some(ListId::Roster {
            partner_type: filter(t)?,
            stage: filter(st)?,
            verdict: filter(v)?,
        }),
        ["evidence", p] => Some(ListId::Evidence { partner: id(p)? }),
        ["history", t] => Some(ListId::History {
            partner_type: t.parse().ok()?,
        }),
        ["checklist", t] => Some(ListId::Checklist {
            partner_type: filter(t)?,
        }),
        ["help"] => Some(ListId::Help),
        _ => None,
    }
}

impl ButtonData {
    /// Parse a button's value; None for anything that is not exactly one of the kinds above.
    pub fn parse(value: &str) -> Option<ButtonData> {
        if value.len() > 100 {
            return None;
        }
        let parts: Vec<&str> = value.split(':').collect();
        match parts.as_slice() {
            ["record", p, t] => Some(ButtonData::RecordEvidence {
                partner: id(p)?,
                trait_id: id(t)?,
            }),
            ["screen", p] => Some(ButtonData::Screen { partner: id(p)? }),
            ["page", l, n] => {
                let page: usize =
                    (!n.is_empty() && n.len() <= 5 && n.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| n.parse().ok())
                        .flatten()?;
                (page <= MAX_PAGE).then_some(())?;
                Some(ButtonData::Page {
                    list: list(l)?,
                    page,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_nothing_else_parses() {
        let lists = [
            ListId::Roster {
                partner_type: Some(PartnerType::Reseller),
                stage: None,
                verdict: Some(Verdict::NearFit),
            },
            ListId::Evidence { partner: 42 },
            ListId::History {
                partner_type: PartnerType::Si,
            },
            ListId::Checklist { partner_type: None },
            ListId::Help,
        ];
        for l in lists {
            let v = page_value(&l, 3);
            assert_eq!(
                ButtonData::parse(&v),
                Some(ButtonData::Page { list: l, page: 3 }),
                "{v}"
            );
        }
        let t = Target::RecordEvidence {
            partner: 12,
            trait_id: 34,
        };
        assert_eq!(
            ButtonData::parse(&action_value(&t)),
            Some(ButtonData::RecordEvidence {
                partner: 12,
                trait_id: 34
            })
        );
        let s = Target::Screen { partner: 7 };
        assert_eq!(action_value(&s), "screen:7");
        assert_eq!(
            ButtonData::parse("screen:7"),
            Some(ButtonData::Screen { partner: 7 })
        );
        for bad in [
            "screen:0",
            "screen:",
            "screen:7:8",
            "screen:Acme",
            "record:12",
            "record:-1:2",
            "record:0:1",
            "record:1:2:3",
            "page:roster/x/-/-:0",
            "page:evidence/1:999999",
            "page:help:1:2",
            "page:checklist/Acme:0",
            "/settings set key:alpha value:1",
            "page:settings/set:0",
            "",
        ] {
            assert_eq!(ButtonData::parse(bad), None, "{bad}");
        }
    }
}
