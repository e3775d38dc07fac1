//! Slack's evidence form: the modal built from `/evidence add`'s declared options, its menus' options and the
//! values read back from a submitted form's state.
//!
//! The partner and trait menus carry ids, never names: an option's value is the partner's or the trait's id
//! (its label the name), and a form opened by a button carries the partner and the trait it was opened for in
//! its metadata too. A submission records for those ids ([`crate::app::evidence::submit_form`], as Discord's
//! form does), which checks again that the trait is one of the partner's active profile — so a partner
//! renamed, or one whose name looks like another's, can never receive evidence meant for another.

use super::render;
use crate::app::complete::{self, MAX_SUGGESTIONS};
use crate::app::spec::{self, Complete, Kind};
use crate::app::{App, AppResult};
use crate::domain::name_key;
use serde_json::{json, Value};

/// The callback id of the evidence modal.
pub const EVIDENCE_MODAL: &str = "evidence_add";

/// The value a form's state holds for the input `block` (its action id is the block id): typed text, the
/// selected option's value, or the picked date.
pub fn state_value(state: &Value, block: &str) -> Option<String> {
    let el = &state["values"][block][block];
    el["value"]
        .as_str()
        .or_else(|| el["selected_option"]["value"].as_str())
        .or_else(|| el["selected_date"].as_str())
        .map(str::to_string)
}

/// A record id as a menu option carries it: digits only, positive.
pub fn id_of(value: &str) -> Option<i64> {
    let v = value.trim();
    (!v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse().ok())
        .flatten()
        .filter(|id| *id > 0)
}

/// The partner and the trait a form was opened for (a button's), by id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    pub partner_id: i64,
    pub partner: String,
    pub trait_id: i64,
    pub trait_name: String,
}

/// What a form's metadata says: the channel it was opened in, and the partner and trait of its button.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub channel: Option<String>,
    pub preset: Option<(i64, i64)>,
}

impl Metadata {
    /// Read a form's `private_metadata` (what [`evidence_modal`] wrote; anything else reads as nothing).
    pub fn parse(metadata: &str) -> Metadata {
        let m = serde_json::from_str::<Value>(metadata).unwrap_or(Value::Null);
        Metadata {
            channel: m["c"].as_str().map(str::to_string),
            preset: m["p"].as_i64().zip(m["t"].as_i64()),
        }
    }

    /// The `private_metadata` that says this (what [`Metadata::parse`] reads back).
    pub fn encode(&self) -> String {
        let mut m = json!({"c": self.channel});
        if let Some((p, t)) = self.preset {
            m["p"] = json!(p);
            m["t"] = json!(t);
        }
        m.to_string()
    }
}

/// A menu option: the label escaped and cut like every other (Slack's 75 characters), the value an id.
fn option(text: &str, id: i64) -> Value {
    json!({"text": {"type": "plain_text", "text": render::escape_clipped(text, 75), "emoji": false}, "value": id.to_string()})
}

/// The evidence form, built from `/evidence add`'s declared options: partner and trait as external selects
/// (Slack's autocomplete) whose options carry ids, yes/no as a select, the rest as text inputs. Picking a
/// partner sends the bot a `block_actions` (the partner's input block dispatches actions), which narrows the
/// trait menu to that partner's traits ([`scoped_modal`]).
pub fn evidence_modal(channel: Option<&str>, preset: Option<&Preset>) -> Value {
    let mut blocks = Vec::new();
    let opts = spec::EVIDENCE_ADD.options;
    for o in opts {
        let element = match o.kind {
            Kind::Text {
                complete: Some(c), ..
            } if matches!(c, Complete::Partner | Complete::Trait) => {
                let mut e = json!({"type": "external_select", "action_id": o.name, "min_query_length": 0,
                    "placeholder": {"type": "plain_text", "text": if c == Complete::Partner { "Type a partner name" } else { "Type a trait" }}});
                let initial = match (c, preset) {
                    (Complete::Partner, Some(p)) => Some(option(&p.partner, p.partner_id)),
                    (Complete::Trait, Some(p)) => Some(option(&p.trait_name, p.trait_id)),
                    _ => None,
                };
                if let Some(v) = initial {
                    e["initial_option"] = v;
                }
                e
            }
            Kind::Bool => json!({"type": "static_select", "action_id": o.name,
                "options": [{"text": {"type": "plain_text", "text": "yes — met"}, "value": "true"}, {"text": {"type": "plain_text", "text": "no — missed"}, "value": "false"}]}),
            Kind::Text { max, .. } => {
                json!({"type": "plain_text_input", "action_id": o.name, "max_length": max.min(3000), "multiline": o.name == "note"})
            }
            _ => json!({"type": "plain_text_input", "action_id": o.name, "max_length": 200}),
        };
        blocks.push(json!({
            "type": "input",
            "block_id": o.name,
            "optional": !o.required,
            "dispatch_action": o.name == spec::PARTNER.name,
            "label": {"type": "plain_text", "text": render::clip(o.name, 2000)},
            "hint": {"type": "plain_text", "text": render::clip(o.description, 2000)},
            "element": element,
        }));
    }
    let metadata = Metadata {
        channel: channel.map(str::to_string),
        preset: preset.map(|p| (p.partner_id, p.trait_id)),
    };
    json!({
        "type": "modal",
        "callback_id": EVIDENCE_MODAL,
        "title": {"type": "plain_text", "text": "Record evidence"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata.encode(),
        "blocks": blocks,
    })
}

/// The refusal of a form whose partner has no trait to pick (its trait menu became a line saying so).
pub const NO_TRAITS: &str =
    "That partner's type has no active profile with traits: pick another partner.";

/// Whether the form `view` has a trait menu: not once its partner turned out to have no trait to pick.
pub fn has_trait_menu(view: &Value) -> bool {
    view["blocks"].as_array().is_none_or(|blocks| {
        blocks
            .iter()
            .any(|b| b["block_id"] == spec::TRAIT.name && b["type"] == "input")
    })
}

/// The evidence form once a partner was picked in it (for `views.update`): the same form, with the same
/// metadata (channel, a button's partner and trait), the partner shown picked, and the trait menu a static
/// select of `traits` — the (id, name) of that partner's active profile's traits — picked already when the
/// form's button named one of them for this partner; with no traits, a line saying so instead (a
/// submission is then refused: no trait is picked). Every other block keeps its block and action ids, so
/// Slack keeps what was typed or picked in them.
pub fn scoped_modal(
    meta: &Metadata,
    partner: (i64, &str),
    ty: &str,
    traits: &[(i64, String)],
) -> Value {
    let mut view = evidence_modal(meta.channel.as_deref(), None);
    view["private_metadata"] = json!(meta.encode());
    let preset = meta
        .preset
        .filter(|(p, _)| *p == partner.0)
        .and_then(|(_, t)| traits.iter().find(|(id, _)| *id == t));
    for b in view["blocks"].as_array_mut().into_iter().flatten() {
        if b["block_id"] == spec::PARTNER.name {
            b["element"]["initial_option"] = option(partner.1, partner.0);
        } else if b["block_id"] == spec::TRAIT.name && traits.is_empty() {
            let line = format!("No trait to pick: this partner's type ({ty}) has no active profile with traits. Pick another partner.");
            *b = json!({"type": "context", "block_id": spec::TRAIT.name,
                "elements": [{"type": "plain_text", "text": render::escape_clipped(&line, 3000), "emoji": false}]});
        } else if b["block_id"] == spec::TRAIT.name {
            // Slack's limit on a static select's options.
            let options: Vec<Value> = traits
                .iter()
                .take(100)
                .map(|(id, name)| option(name, *id))
                .collect();
            let mut e = json!({"type": "static_select", "action_id": spec::TRAIT.name, "options": options,
                "placeholder": {"type": "plain_text", "text": "Pick a trait"}});
            if let Some((id, name)) = preset {
                e["initial_option"] = option(name, *id);
            }
            b["element"] = e;
        }
    }
    view
}

/// The options of the form's menu `action_id` in workspace `ws`, as (label, value): partners whose names
/// match what is `typed` (the roster's completion), with their ids; the traits of the `partner` chosen so far
/// (its active profile), else of every active profile, with their ids.
pub async fn menu_options(
    app: &App,
    ws: &str,
    action_id: &str,
    typed: &str,
    partner: Option<i64>,
) -> AppResult<Vec<(String, String)>> {
    if action_id == spec::PARTNER.name {
        let path: Vec<String> = spec::EVIDENCE_ADD
            .path
            .iter()
            .map(|s| s.to_string())
            .collect();
        let names = complete::suggest(app, ws, &path, action_id, typed, &[]).await?;
        // Each name's partner, read at once: the option carries its id.
        let keys: Vec<String> = names.iter().map(|s| name_key(&s.value)).collect();
        let partners =
            futures_util::future::join_all(keys.iter().map(|k| app.store.partner_by_key(ws, k)))
                .await;
        let mut out = Vec::new();
        for p in partners {
            if let Some(p) = p? {
                out.push((p.name, p.id.to_string()));
            }
        }
        return Ok(out);
    }
    if action_id != spec::TRAIT.name {
        return Ok(Vec::new());
    }
    let key = name_key(typed);
    let chosen = match partner {
        Some(id) => app.store.partner_by_id(ws, id).await?,
        None => None,
    };
    let profiles = match &chosen {
        Some(p) => app
            .store
            .active_profile(ws, p.partner_type)
            .await?
            .into_iter()
            .collect(),
        None => app.store.active_profiles(ws).await?,
    };
    Ok(profiles
        .iter()
        .flat_map(|p| p.traits.iter().map(move |t| (p.partner_type, t)))
        .filter(|(_, t)| name_key(&t.name).contains(&key))
        .map(|(ty, t)| {
            let label = if chosen.is_some() {
                t.name.clone()
            } else {
                format!("{} ({ty})", t.name)
            };
            (label, t.id.to_string())
        })
        .take(MAX_SUGGESTIONS)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_the_declaration_and_carries_ids() {
        let preset = Preset {
            partner_id: 7,
            partner: "Acme".into(),
            trait_id: 3,
            trait_name: "Overlap".into(),
        };
        let v = evidence_modal(Some("C0PARTNER"), Some(&preset));
        let blocks = v["blocks"].as_array().unwrap();
        let ids: Vec<&str> = blocks
            .iter()
            .map(|b| b["block_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["partner", "trait", "met", "value", "source", "note", "observed"]
        );
        assert_eq!(blocks[0]["element"]["type"], "external_select");
        assert_eq!(blocks[0]["element"]["initial_option"]["value"], "7");
        assert_eq!(
            blocks[0]["element"]["initial_option"]["text"]["text"],
            "Acme"
        );
        assert_eq!(blocks[1]["element"]["initial_option"]["value"], "3");
        assert_eq!(blocks[0]["optional"], false);
        assert_eq!(blocks[3]["optional"], true);
        assert_eq!(v["private_metadata"], r#"{"c":"C0PARTNER","p":7,"t":3}"#);
        assert_eq!(
            Metadata::parse(v["private_metadata"].as_str().unwrap()),
            Metadata {
                channel: Some("C0PARTNER".into()),
                preset: Some((7, 3))
            }
        );
        let typed = evidence_modal(None, None);
        assert_eq!(typed["private_metadata"], r#"{"c":null}"#);
        assert_eq!(
            Metadata::parse(typed["private_metadata"].as_str().unwrap()),
            Metadata::default()
        );
        let state = json!({"values": {"partner": {"partner": {"type": "external_select", "selected_option": {"value": "7"}}},
            "value": {"value": {"type": "plain_text_input", "value": "31"}}}});
        assert_eq!(state_value(&state, "partner").as_deref(), Some("7"));
        assert_eq!(state_value(&state, "value").as_deref(), Some("31"));
        assert_eq!(state_value(&state, "note"), None);
        assert_eq!(id_of("7"), Some(7));
        for bad in ["Acme", "0", "-1", "", "7a", "99999999999999999999"] {
            assert_eq!(id_of(bad), None, "{bad}");
        }
    }
}
