//! Block Kit as Slack checks it: what the fake refuses (`invalid_blocks`, `msg_too_long`) is what Slack
//! refuses, so a message the bot builds past a limit fails here too.
//!
//! Limits from Slack's Block Kit reference: a message has at most 50 blocks and a modal 100; a section's
//! text at most 3,000 characters, at most 10 fields of at most 2,000; a header's plain text 150; a context
//! at most 10 elements; an actions block 25 elements; a button's label 75 characters, its value 2,000, an
//! `action_id` or `block_id` 255; a modal's title, submit and close 24; `private_metadata` 3,000; an input's
//! label 2,000; a message's top-level `text` 40,000; an options response at most 100 options, each label
//! 75 and value 150. Text objects are `plain_text` or `mrkdwn` and not empty.

use serde_json::Value;

type R = Result<(), String>;

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn max_len(what: &str, v: &Value, max: usize) -> R {
    match v.as_str() {
        Some(s) if chars(s) > max => Err(format!("{what} is {} characters, over {max}", chars(s))),
        _ => Ok(()),
    }
}

/// A text object: `{"type": "plain_text"|"mrkdwn", "text": "…"}`, not empty, at most `max`.
fn text_object(what: &str, v: &Value, max: usize, plain_only: bool) -> R {
    let kind = v["type"].as_str().unwrap_or_default();
    if kind != "plain_text" && (plain_only || kind != "mrkdwn") {
        return Err(format!(
            "{what} must be a {} text object, got {v}",
            if plain_only {
                "plain_text"
            } else {
                "plain_text or mrkdwn"
            }
        ));
    }
    let text = v["text"]
        .as_str()
        .ok_or_else(|| format!("{what} has no text"))?;
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    max_len(what, &v["text"], max)
}

fn ids(what: &str, v: &Value) -> R {
    max_len(&format!("{what} block_id"), &v["block_id"], 255)?;
    max_len(&format!("{what} action_id"), &v["action_id"], 255)
}

/// An interactive element (button, external select, text input).
fn element(what: &str, e: &Value, in_modal: bool) -> R {
    ids(what, e)?;
    match e["type"].as_str().unwrap_or_default() {
        "button" => {
            text_object(&format!("{what} button text"), &e["text"], 75, true)?;
            max_len(&format!("{what} button value"), &e["value"], 2000)?;
            if let Some(style) = e["style"].as_str() {
                if style != "primary" && style != "danger" {
                    return Err(format!(
                        "{what} button style {style} is not primary or danger"
                    ));
                }
            }
            Ok(())
        }
        "external_select" | "static_select" => {
            if !in_modal
                && e["type"] == "external_select"
                && e.get("min_query_length").is_some_and(|m| !m.is_u64())
            {
                return Err(format!("{what} min_query_length must be a number"));
            }
            if let Some(p) = e.get("placeholder") {
                text_object(&format!("{what} placeholder"), p, 150, true)?;
            }
            if let Some(o) = e.get("initial_option") {
                option(&format!("{what} initial_option"), o)?;
            }
            if let Some(opts) = e.get("options") {
                options_list(what, opts)?;
            }
            Ok(())
        }
        "plain_text_input" => {
            if let Some(m) = e["max_length"].as_u64() {
                if m > 3000 {
                    return Err(format!("{what} max_length {m} over 3000"));
                }
            }
            if let Some(p) = e.get("placeholder") {
                text_object(&format!("{what} placeholder"), p, 150, true)?;
            }
            Ok(())
        }
        "datepicker" | "checkboxes" | "radio_buttons" => Ok(()),
        other => Err(format!("{what}: unsupported element type {other:?}")),
    }
}

fn option(what: &str, o: &Value) -> R {
    text_object(&format!("{what} text"), &o["text"], 75, true)?;
    let value = o["value"]
        .as_str()
        .ok_or_else(|| format!("{what} has no value"))?;
    max_len(&format!("{what} value"), &Value::String(value.into()), 150)
}

fn options_list(what: &str, opts: &Value) -> R {
    let list = opts
        .as_array()
        .ok_or_else(|| format!("{what} options must be a list"))?;
    if list.len() > 100 {
        return Err(format!("{what} has {} options, over 100", list.len()));
    }
    list.iter()
        .enumerate()
        .try_for_each(|(i, o)| option(&format!("{what} option {i}"), o))
}

/// One block of a message (`in_modal` false) or a modal.
pub fn block(i: usize, b: &Value, in_modal: bool) -> R {
    let what = format!("block {i}");
    max_len(&format!("{what} block_id"), &b["block_id"], 255)?;
    match b["type"].as_str().unwrap_or_default() {
        "header" => text_object(&format!("{what} header"), &b["text"], 150, true),
        "section" => {
            let has_text = b.get("text").is_some();
            if has_text {
                text_object(&format!("{what} section text"), &b["text"], 3000, false)?;
            }
            match b.get("fields") {
                Some(Value::Array(f)) => {
                    if f.len() > 10 {
                        return Err(format!("{what} has {} fields, over 10", f.len()));
                    }
                    for (j, x) in f.iter().enumerate() {
                        text_object(&format!("{what} field {j}"), x, 2000, false)?;
                    }
                }
                Some(_) => return Err(format!("{what} fields must be a list")),
                None if !has_text => return Err(format!("{what}: a section needs text or fields")),
                None => {}
            }
            if let Some(a) = b.get("accessory") {
                element(&format!("{what} accessory"), a, in_modal)?;
            }
            Ok(())
        }
        "context" => {
            let els = b["elements"]
                .as_array()
                .ok_or_else(|| format!("{what} context needs elements"))?;
            if els.is_empty() || els.len() > 10 {
                return Err(format!(
                    "{what} context has {} elements (1 to 10)",
                    els.len()
                ));
            }
            for (j, e) in els.iter().enumerate() {
                if e["type"] == "image" {
                    continue;
                }
                text_object(&format!("{what} context element {j}"), e, 3000, false)?;
            }
            Ok(())
        }
        "actions" => {
            let els = b["elements"]
                .as_array()
                .ok_or_else(|| format!("{what} actions needs elements"))?;
            if els.is_empty() || els.len() > 25 {
                return Err(format!(
                    "{what} actions has {} elements (1 to 25)",
                    els.len()
                ));
            }
            els.iter()
                .enumerate()
                .try_for_each(|(j, e)| element(&format!("{what} element {j}"), e, in_modal))
        }
        "divider" => Ok(()),
        "image" => {
            max_len(&format!("{what} image_url"), &b["image_url"], 3000)?;
            max_len(&format!("{what} alt_text"), &b["alt_text"], 2000)
        }
        "input" if in_modal => {
            text_object(&format!("{what} input label"), &b["label"], 2000, true)?;
            if let Some(h) = b.get("hint") {
                text_object(&format!("{what} input hint"), h, 2000, true)?;
            }
            element(&format!("{what} input element"), &b["element"], true)
        }
        other => Err(format!("{what}: block type {other:?} is not allowed here")),
    }
}

fn blocks(list: &Value, max: usize, in_modal: bool) -> R {
    let list = list.as_array().ok_or("blocks must be a list")?;
    if list.len() > max {
        return Err(format!("{} blocks, over {max}", list.len()));
    }
    list.iter()
        .enumerate()
        .try_for_each(|(i, b)| block(i, b, in_modal))
}

/// A message body (`chat.postMessage`, `chat.postEphemeral`, `chat.update`, a response_url post, a slash
/// command's ack payload). Err starts with Slack's error code.
pub fn message(body: &Value) -> R {
    if let Some(t) = body["text"].as_str() {
        if chars(t) > 40_000 {
            return Err(format!("msg_too_long: text is {} characters", chars(t)));
        }
    }
    match body.get("blocks") {
        None | Some(Value::Null) => {
            if body["text"].as_str().is_none_or(str::is_empty)
                && body.get("delete_original").is_none()
            {
                return Err("no_text: a message needs text or blocks".into());
            }
            Ok(())
        }
        Some(b) => blocks(b, 50, false).map_err(|e| format!("invalid_blocks: {e}")),
    }
}

/// A modal view (`views.open`).
pub fn view(v: &Value) -> R {
    let bad = |e: String| format!("invalid_arguments: {e}");
    if v["type"] != "modal" {
        return Err(bad(format!("view type must be modal, got {}", v["type"])));
    }
    text_object("title", &v["title"], 24, true).map_err(bad)?;
    for k in ["submit", "close"] {
        if let Some(t) = v.get(k) {
            text_object(k, t, 24, true).map_err(bad)?;
        }
    }
    max_len("callback_id", &v["callback_id"], 255).map_err(bad)?;
    max_len("private_metadata", &v["private_metadata"], 3000).map_err(bad)?;
    blocks(&v["blocks"], 100, true).map_err(bad)?;
    let has_input = v["blocks"]
        .as_array()
        .is_some_and(|b| b.iter().any(|x| x["type"] == "input"));
    if has_input && v.get("submit").is_none() {
        return Err(bad("a modal with inputs needs a submit button".into()));
    }
    Ok(())
}

/// The payload acknowledging a `block_suggestion`: `{"options": [...]}` (or option groups).
pub fn suggestion_response(p: &Value) -> R {
    match (p.get("options"), p.get("option_groups")) {
        (Some(o), _) => options_list("response", o),
        (None, Some(_)) => Ok(()),
        (None, None) => Err("a block_suggestion response needs options".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> Value {
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    }

    #[test]
    fn limits_are_slacks() {
        assert!(message(&json!({"text": "x", "blocks": [section(&"a".repeat(3000))]})).is_ok());
        assert!(
            message(&json!({"text": "x", "blocks": [section(&"a".repeat(3001))]}))
                .unwrap_err()
                .starts_with("invalid_blocks")
        );
        let fifty: Vec<Value> = (0..50).map(|_| section("a")).collect();
        assert!(message(&json!({"text": "x", "blocks": fifty})).is_ok());
        let fifty_one: Vec<Value> = (0..51).map(|_| section("a")).collect();
        assert!(message(&json!({"text": "x", "blocks": fifty_one})).is_err());
        let fields = |n: usize| json!({"type": "section", "fields": (0..n).map(|_| json!({"type": "mrkdwn", "text": "f"})).collect::<Vec<_>>()});
        assert!(message(&json!({"text": "x", "blocks": [fields(10)]})).is_ok());
        assert!(message(&json!({"text": "x", "blocks": [fields(11)]})).is_err());
        let header = |n: usize| json!({"type": "header", "text": {"type": "plain_text", "text": "h".repeat(n)}});
        assert!(message(&json!({"text": "x", "blocks": [header(150)]})).is_ok());
        assert!(message(&json!({"text": "x", "blocks": [header(151)]})).is_err());
        assert!(message(&json!({"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]})).is_err());
        assert!(message(&json!({"text": "a".repeat(40_001)}))
            .unwrap_err()
            .starts_with("msg_too_long"));
        assert!(message(&json!({})).unwrap_err().starts_with("no_text"));
        let button = |label: usize| json!({"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b".repeat(label)}}]});
        assert!(message(&json!({"text": "x", "blocks": [button(75)]})).is_ok());
        assert!(message(&json!({"text": "x", "blocks": [button(76)]})).is_err());
        assert!(message(&json!({"text": "x", "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "l"}, "element": {"type": "plain_text_input"}}]})).is_err());
    }

    #[test]
    fn modals_and_options() {
        let ok = json!({"type": "modal", "title": {"type": "plain_text", "text": "Record evidence"}, "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [{"type": "input", "block_id": "p", "label": {"type": "plain_text", "text": "Partner"}, "element": {"type": "external_select", "action_id": "p"}}]});
        assert_eq!(view(&ok), Ok(()));
        let mut long = ok.clone();
        long["title"]["text"] = json!("t".repeat(25));
        assert!(view(&long).is_err());
        let mut no_submit = ok.clone();
        no_submit.as_object_mut().unwrap().remove("submit");
        assert!(view(&no_submit).is_err());
        let opt = |t: &str| json!({"text": {"type": "plain_text", "text": t}, "value": t});
        assert!(suggestion_response(&json!({"options": [opt("Acme")]})).is_ok());
        assert!(suggestion_response(&json!({"options": [opt(&"a".repeat(76))]})).is_err());
        let many: Vec<Value> = (0..101).map(|i| opt(&i.to_string())).collect();
        assert!(suggestion_response(&json!({"options": many})).is_err());
    }
}
