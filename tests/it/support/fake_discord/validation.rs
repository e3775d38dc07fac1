//! Discord's documented limits on what the bot sends (message content, embeds, components, commands, modals,
//! autocomplete choices): a violation answers 400 `Invalid Form Body` (code 50035) with Discord's error tree,
//! so a body Discord would reject fails here too.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::recorded::RecordedFile;
use super::rest::Reply;

#[derive(Default)]
pub(super) struct FormErrors(Vec<(String, &'static str, String)>);

impl FormErrors {
    pub(super) fn add(
        &mut self,
        path: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push((path.into(), code, message.into()));
    }

    pub(super) fn max_len(&mut self, path: &str, v: Option<&Value>, max: usize) {
        if let Some(s) = v.and_then(Value::as_str) {
            if s.chars().count() > max {
                self.add(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
        }
    }

    pub(super) fn len_between(&mut self, path: &str, v: Option<&Value>, min: usize, max: usize) {
        match v.and_then(Value::as_str) {
            Some(s) if (min..=max).contains(&s.chars().count()) => {}
            Some(_) => self.add(
                path,
                "BASE_TYPE_BAD_LENGTH",
                format!("Must be between {min} and {max} in length."),
            ),
            None => self.add(path, "BASE_TYPE_REQUIRED", "This field is required"),
        }
    }

    pub(super) fn into_reply(self) -> Option<Reply> {
        if self.0.is_empty() {
            return None;
        }
        let mut errors = Value::Object(Map::new());
        for (path, code, message) in self.0 {
            let mut node = &mut errors;
            for part in path.split('.').filter(|p| !p.is_empty()) {
                node = node
                    .as_object_mut()
                    .unwrap()
                    .entry(part.to_string())
                    .or_insert_with(|| json!({}));
            }
            let list = node
                .as_object_mut()
                .unwrap()
                .entry("_errors")
                .or_insert_with(|| json!([]));
            list.as_array_mut()
                .unwrap()
                .push(json!({"code": code, "message": message}));
        }
        Some(Reply::json(
            400,
            json!({"message": "Invalid Form Body", "code": 50035, "errors": errors}),
        ))
    }
}

fn validate_components(e: &mut FormErrors, base: &str, comps: Option<&Value>) {
    let Some(comps) = comps.and_then(Value::as_array) else {
        return;
    };
    if comps.len() > 5 {
        e.add(
            base,
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 0 and 5 in length.",
        );
    }
    let mut ids = BTreeSet::new();
    for (i, row) in comps.iter().enumerate() {
        let p = format!("{base}.{i}");
        if row["type"].as_u64() != Some(1) {
            e.add(
                &p,
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).",
            );
            continue;
        }
        let inner = row["components"].as_array().cloned().unwrap_or_default();
        if inner.is_empty() || inner.len() > 5 {
            e.add(
                format!("{p}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.",
            );
        }
        let has_select = inner
            .iter()
            .any(|c| matches!(c["type"].as_u64(), Some(3 | 5 | 6 | 7 | 8)));
        if has_select && inner.len() > 1 {
            e.add(
                format!("{p}.components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            );
        }
        for (j, c) in inner.iter().enumerate() {
            let cp = format!("{p}.components.{j}");
            match c["type"].as_u64() {
                Some(2) => {
                    e.max_len(&format!("{cp}.label"), c.get("label"), 80);
                    if c["style"].as_u64() == Some(5) {
                        if c["url"].as_str().is_none() {
                            e.add(
                                format!("{cp}.url"),
                                "BASE_TYPE_REQUIRED",
                                "This field is required",
                            );
                        }
                    } else if c["style"].as_u64() != Some(6) {
                        e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100);
                    }
                    if c.get("label")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                        && c.get("emoji").is_none_or(Value::is_null)
                    {
                        e.add(
                            &cp,
                            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                            "A label or an emoji is required",
                        );
                    }
                }
                Some(3) => {
                    e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100);
                    e.max_len(&format!("{cp}.placeholder"), c.get("placeholder"), 150);
                    let opts = c["options"].as_array().cloned().unwrap_or_default();
                    if opts.is_empty() || opts.len() > 25 {
                        e.add(
                            format!("{cp}.options"),
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 25 in length.",
                        );
                    }
                    for (k, o) in opts.iter().enumerate() {
                        e.len_between(&format!("{cp}.options.{k}.label"), o.get("label"), 1, 100);
                        e.len_between(&format!("{cp}.options.{k}.value"), o.get("value"), 1, 100);
                        e.max_len(
                            &format!("{cp}.options.{k}.description"),
                            o.get("description"),
                            100,
                        );
                    }
                }
                Some(5..=8) => {
                    e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100)
                }
                Some(4) => e.add(
                    &cp,
                    "COMPONENT_TYPE_INVALID",
                    "Text inputs are only valid in modals",
                ),
                _ => e.add(&cp, "UNION_TYPE_CHOICES", "Unknown component type"),
            }
            if let Some(id) = c["custom_id"].as_str() {
                if !ids.insert(id.to_string()) {
                    e.add(
                        format!("{cp}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    );
                }
            }
        }
    }
}

fn validate_embeds(e: &mut FormErrors, base: &str, embeds: Option<&Value>) {
    let Some(embeds) = embeds.and_then(Value::as_array) else {
        return;
    };
    if embeds.len() > 10 {
        e.add(
            base,
            "BASE_TYPE_MAX_LENGTH",
            "Must be 10 or fewer in length.",
        );
    }
    let mut total = 0usize;
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    for (i, em) in embeds.iter().enumerate() {
        let p = format!("{base}.{i}");
        e.max_len(&format!("{p}.title"), em.get("title"), 256);
        e.max_len(&format!("{p}.description"), em.get("description"), 4096);
        e.max_len(
            &format!("{p}.footer.text"),
            em.get("footer").and_then(|f| f.get("text")),
            2048,
        );
        e.max_len(
            &format!("{p}.author.name"),
            em.get("author").and_then(|f| f.get("name")),
            256,
        );
        total += len(&em["title"])
            + len(&em["description"])
            + len(&em["footer"]["text"])
            + len(&em["author"]["name"]);
        if let Some(c) = em.get("color").filter(|c| !c.is_null()) {
            if c.as_u64().is_none_or(|c| c > 0xFF_FFFF) {
                e.add(
                    format!("{p}.color"),
                    "NUMBER_TYPE_MAX",
                    "int value should be less than or equal to 16777215.",
                );
            }
        }
        let fields = em["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            e.add(
                format!("{p}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            );
        }
        for (j, f) in fields.iter().enumerate() {
            e.len_between(&format!("{p}.fields.{j}.name"), f.get("name"), 1, 256);
            e.len_between(&format!("{p}.fields.{j}.value"), f.get("value"), 1, 1024);
            total += len(&f["name"]) + len(&f["value"]);
        }
    }
    if total > 6000 {
        e.add(
            base,
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        );
    }
}

/// Validates a message create/edit body. `require_nonempty`: a create with nothing to show is
/// rejected (50006) like Discord does.
/// An embed's image or thumbnail `attachment://NAME` must name a file of the same message: one uploaded with
/// the request, or an attachment it keeps (`attachments[].filename`). Discord otherwise shows a broken image.
fn validate_attachment_refs(e: &mut FormErrors, body: &Value, files: &[RecordedFile]) {
    let kept: Vec<&str> = body["attachments"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["filename"].as_str()).collect())
        .unwrap_or_default();
    for (i, em) in body["embeds"].as_array().into_iter().flatten().enumerate() {
        for key in ["image", "thumbnail"] {
            let Some(url) = em[key]["url"].as_str() else {
                continue;
            };
            if let Some(name) = url.strip_prefix("attachment://") {
                if !files.iter().any(|f| f.filename == name) && !kept.contains(&name) {
                    e.add(
                        format!("embeds.{i}.{key}.url"),
                        "ATTACHMENT_NOT_FOUND",
                        format!("No attachment named {name} in this message."),
                    );
                }
            }
        }
    }
}

pub(super) fn validate_message_body(
    body: &Value,
    files: &[RecordedFile],
    require_nonempty: bool,
) -> Option<Reply> {
    let file_count = files.len();
    let mut e = FormErrors::default();
    if !(body.is_object() || body.is_null()) {
        return Some(Reply::error(
            400,
            50109,
            "The request body contains invalid JSON.",
        ));
    }
    e.max_len("content", body.get("content"), 2000);
    validate_embeds(&mut e, "embeds", body.get("embeds"));
    validate_attachment_refs(&mut e, body, files);
    validate_components(&mut e, "components", body.get("components"));
    if let Some(r) = e.into_reply() {
        return Some(r);
    }
    let nonempty = |k: &str| match body.get(k) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(_)) => true,
        _ => false,
    };
    let has_something = nonempty("content")
        || nonempty("embeds")
        || nonempty("components")
        || nonempty("sticker_ids")
        || nonempty("poll")
        || file_count > 0;
    if require_nonempty && !has_something {
        return Some(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    None
}

fn name_ok(name: &str, chat_input: bool) -> bool {
    let n = name.chars().count();
    if !(1..=32).contains(&n) {
        return false;
    }
    if !chat_input {
        return true;
    }
    name.chars()
        .all(|c| c == '-' || c == '_' || c.is_alphanumeric())
        && name.to_lowercase() == name
}

fn validate_option(e: &mut FormErrors, p: &str, o: &Value, depth: usize, chars: &mut usize) {
    let kind = o["type"].as_u64().unwrap_or(0);
    if !(1..=11).contains(&kind) {
        e.add(
            format!("{p}.type"),
            "BASE_TYPE_CHOICES",
            "Value must be one of (1..11).",
        );
    }
    let name = o["name"].as_str().unwrap_or_default();
    if !name_ok(name, true) {
        e.add(
            format!("{p}.name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            format!("Command name is invalid: {name:?}"),
        );
    }
    e.len_between(&format!("{p}.description"), o.get("description"), 1, 100);
    *chars += name.chars().count() + o["description"].as_str().map_or(0, |s| s.chars().count());
    let choices = o["choices"].as_array().cloned().unwrap_or_default();
    if !choices.is_empty() {
        if !matches!(kind, 3 | 4 | 10) {
            e.add(
                format!("{p}.choices"),
                "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                "Choices are only for string, integer and number options",
            );
        }
        if o["autocomplete"].as_bool() == Some(true) {
            e.add(
                format!("{p}.autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be used with choices",
            );
        }
        if choices.len() > 25 {
            e.add(
                format!("{p}.choices"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            );
        }
        for (k, c) in choices.iter().enumerate() {
            e.len_between(&format!("{p}.choices.{k}.name"), c.get("name"), 1, 100);
            e.max_len(&format!("{p}.choices.{k}.value"), c.get("value"), 100);
            *chars += c["name"].as_str().map_or(0, |s| s.chars().count())
                + c["value"]
                    .as_str()
                    .map_or_else(|| c["value"].to_string().len(), |s| s.chars().count());
        }
    }
    for key in ["min_length", "max_length"] {
        if let Some(n) = o.get(key).and_then(Value::as_u64) {
            if n > 6000 || kind != 3 {
                e.add(
                    format!("{p}.{key}"),
                    "NUMBER_TYPE_MAX",
                    "min_length/max_length are for string options, at most 6000",
                );
            }
        }
    }
    let subs = o["options"].as_array().cloned().unwrap_or_default();
    match kind {
        1 | 2 => {
            if depth >= 2 || (kind == 2 && depth >= 1) {
                e.add(
                    p,
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Subcommand nested too deep",
                );
            }
            validate_options(
                e,
                &format!("{p}.options"),
                &subs,
                depth + 1,
                kind == 2,
                chars,
            );
        }
        _ if !subs.is_empty() => e.add(
            format!("{p}.options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Only subcommands have options",
        ),
        _ => {}
    }
}

fn validate_options(
    e: &mut FormErrors,
    p: &str,
    opts: &[Value],
    depth: usize,
    only_subcommands: bool,
    chars: &mut usize,
) {
    if opts.len() > 25 {
        e.add(p, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    }
    let kinds: Vec<u64> = opts
        .iter()
        .map(|o| o["type"].as_u64().unwrap_or(0))
        .collect();
    let subs = kinds.iter().filter(|k| matches!(k, 1 | 2)).count();
    if subs > 0 && subs != kinds.len() {
        e.add(
            p,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommands cannot be mixed with other options",
        );
    }
    if only_subcommands && kinds.iter().any(|k| *k != 1) {
        e.add(
            p,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "A subcommand group may only contain subcommands",
        );
    }
    let mut seen_optional = false;
    let mut names = BTreeSet::new();
    for (i, o) in opts.iter().enumerate() {
        let required = o["required"].as_bool().unwrap_or(false);
        if !matches!(kinds[i], 1 | 2) {
            if required && seen_optional {
                e.add(
                    format!("{p}.{i}.required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                );
            }
            seen_optional |= !required;
        }
        if !names.insert(o["name"].as_str().unwrap_or_default().to_string()) {
            e.add(
                format!("{p}.{i}.name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            );
        }
        validate_option(e, &format!("{p}.{i}"), o, depth, chars);
    }
}

pub(super) fn validate_command(e: &mut FormErrors, p: &str, c: &Value) {
    let kind = c["type"].as_u64().unwrap_or(1);
    let name = c["name"].as_str().unwrap_or_default();
    if !name_ok(name, kind == 1) {
        e.add(
            format!("{p}.name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            format!("Command name is invalid: {name:?}"),
        );
    }
    let mut chars = name.chars().count();
    if kind == 1 {
        e.len_between(&format!("{p}.description"), c.get("description"), 1, 100);
        chars += c["description"].as_str().map_or(0, |s| s.chars().count());
        let opts = c["options"].as_array().cloned().unwrap_or_default();
        validate_options(e, &format!("{p}.options"), &opts, 0, false, &mut chars);
    } else if c["description"].as_str().is_some_and(|d| !d.is_empty()) {
        e.add(
            format!("{p}.description"),
            "APPLICATION_COMMAND_DESCRIPTION_INVALID",
            "Context menu commands have no description",
        );
    }
    if chars > 4000 {
        e.add(
            p,
            "APPLICATION_COMMAND_TOO_LARGE",
            "Command exceeds maximum size (4000)",
        );
    }
    if let Some(dmp) = c.get("default_member_permissions").filter(|v| !v.is_null()) {
        if dmp.as_str().is_none_or(|s| s.parse::<u64>().is_err()) {
            e.add(
                format!("{p}.default_member_permissions"),
                "BASE_TYPE_INVALID",
                "Must be a string of a permission integer or null",
            );
        }
    }
}

pub(super) fn validate_modal(data: &Value) -> Option<Reply> {
    let mut e = FormErrors::default();
    e.len_between("data.custom_id", data.get("custom_id"), 1, 100);
    e.len_between("data.title", data.get("title"), 1, 45);
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() || rows.len() > 5 {
        e.add(
            "data.components",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 5 in length.",
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let inner = row["components"].as_array().cloned().unwrap_or_default();
        if row["type"].as_u64() != Some(1)
            || inner.len() != 1
            || inner[0]["type"].as_u64() != Some(4)
        {
            e.add(
                format!("data.components.{i}"),
                "MODAL_ROW_INVALID",
                "Each modal row holds exactly one text input",
            );
            continue;
        }
        let t = &inner[0];
        let p = format!("data.components.{i}.components.0");
        e.len_between(&format!("{p}.custom_id"), t.get("custom_id"), 1, 100);
        e.len_between(&format!("{p}.label"), t.get("label"), 1, 45);
        e.max_len(&format!("{p}.value"), t.get("value"), 4000);
        e.max_len(&format!("{p}.placeholder"), t.get("placeholder"), 100);
        if !matches!(t["style"].as_u64(), Some(1 | 2)) {
            e.add(
                format!("{p}.style"),
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2).",
            );
        }
    }
    e.into_reply()
}

pub(super) fn validate_autocomplete(data: &Value) -> Option<Reply> {
    let mut e = FormErrors::default();
    let choices = data["choices"].as_array().cloned().unwrap_or_default();
    if choices.len() > 25 {
        e.add(
            "data.choices",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        );
    }
    for (i, c) in choices.iter().enumerate() {
        e.len_between(&format!("data.choices.{i}.name"), c.get("name"), 1, 100);
        e.max_len(&format!("data.choices.{i}.value"), c.get("value"), 100);
    }
    e.into_reply()
}
