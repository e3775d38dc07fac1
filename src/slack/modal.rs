//! Slack's evidence form: the modal built from `/evidence add`'s declared options, and the values read back
//! from a submitted form's state.

use super::render;
use crate::app::spec::{self, Complete, Kind};
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

/// The evidence form, built from `/evidence add`'s declared options: partner and trait as external selects
/// (Slack's autocomplete), yes/no as a select, the rest as text inputs.
pub fn evidence_modal(channel: Option<&str>, preset: Option<&(String, String)>) -> Value {
    let option = |text: &str| json!({"text": {"type": "plain_text", "text": render::clip(text, 75)}, "value": render::clip(text, 150)});
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
                    (Complete::Partner, Some((p, _))) => Some(p),
                    (Complete::Trait, Some((_, t))) => Some(t),
                    _ => None,
                };
                if let Some(v) = initial {
                    e["initial_option"] = option(v);
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
            "label": {"type": "plain_text", "text": render::clip(o.name, 2000)},
            "hint": {"type": "plain_text", "text": render::clip(o.description, 2000)},
            "element": element,
        }));
    }
    json!({
        "type": "modal",
        "callback_id": EVIDENCE_MODAL,
        "title": {"type": "plain_text", "text": "Record evidence"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json!({"c": channel}).to_string(),
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_the_declaration() {
        let v = evidence_modal(Some("C0PARTNER"), Some(&("Acme".into(), "Overlap".into())));
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
        assert_eq!(blocks[0]["element"]["initial_option"]["value"], "Acme");
        assert_eq!(blocks[1]["element"]["initial_option"]["value"], "Overlap");
        assert_eq!(blocks[0]["optional"], false);
        assert_eq!(blocks[3]["optional"], true);
        assert_eq!(v["private_metadata"], r#"{"c":"C0PARTNER"}"#);
        let state = json!({"values": {"partner": {"partner": {"type": "external_select", "selected_option": {"value": "Acme"}}},
            "value": {"value": {"type": "plain_text_input", "value": "31"}}}});
        assert_eq!(state_value(&state, "partner").as_deref(), Some("Acme"));
        assert_eq!(state_value(&state, "value").as_deref(), Some("31"));
        assert_eq!(state_value(&state, "note"), None);
    }
}
