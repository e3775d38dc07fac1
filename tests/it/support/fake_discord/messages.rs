//! Message endpoints: channel messages, interaction callbacks (acknowledged once; a second one answers 40060)
//! and the interaction webhook (follow-ups and `@original`, which exist only once the interaction was
//! acknowledged; a follow-up sent while a deferred message is still loading becomes that message, with its
//! privacy, as on Discord).

use std::sync::Arc;

use serde_json::{json, Value};
use serenity::model::channel::Message;

use super::objects::{attachment_json, user_json};
use super::payloads::message_json;
use super::recorded::{host_file_locked, RecordedFile};
use super::rest::Reply;
use super::validation::{validate_autocomplete, validate_message_body, validate_modal, FormErrors};
use super::{id_of, next_snowflake, now_timestamp, Inner, St, BOT_USERNAME};

/// Builds the message object Discord would answer for a create.
fn new_message(
    inner: &Inner,
    st: &mut St,
    channel_id: u64,
    guild_id: Option<u64>,
    body: &Value,
    files: &[RecordedFile],
    webhook: bool,
) -> Value {
    let cfg = &inner.config;
    let mut msg = message_json(
        next_snowflake(),
        guild_id,
        channel_id,
        user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "",
    );
    if let Some(o) = msg.as_object_mut() {
        o.remove("member");
    }
    msg = apply_edit(inner, st, msg, body, files);
    msg["edited_timestamp"] = Value::Null;
    if webhook {
        msg["webhook_id"] = json!(cfg.application_id.to_string());
        msg["application_id"] = json!(cfg.application_id.to_string());
        msg["type"] = json!(20);
    }
    if let Some(r) = body.get("message_reference").filter(|r| r.is_object()) {
        let mut r = r.clone();
        r["channel_id"] = r
            .get("channel_id")
            .cloned()
            .unwrap_or(json!(channel_id.to_string()));
        msg["message_reference"] = r;
        msg["type"] = json!(19);
    }
    msg
}

/// Applies a create/edit body (content, embeds, components, flags, attachments + files).
pub(super) fn apply_edit(
    inner: &Inner,
    st: &mut St,
    mut msg: Value,
    body: &Value,
    files: &[RecordedFile],
) -> Value {
    for key in [
        "content",
        "embeds",
        "components",
        "tts",
        "sticker_items",
        "poll",
    ] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            msg[key] = v.clone();
        }
    }
    if let Some(f) = body.get("flags").and_then(Value::as_u64) {
        // Only SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 can be set.
        let loading = msg["flags"].as_u64().unwrap_or(0) & 128;
        msg["flags"] = json!((f & (4 | 64 | 4096 | 32768)) | loading);
    }
    if body.get("attachments").is_some() || !files.is_empty() {
        let mut atts = Vec::new();
        let listed = body["attachments"].as_array().cloned().unwrap_or_default();
        for a in &listed {
            // Either a kept existing attachment (known id) or a new upload (files[id]).
            if let Some(existing) = msg["attachments"]
                .as_array()
                .and_then(|x| x.iter().find(|e| e["id"] == a["id"]))
                .cloned()
            {
                atts.push(existing);
                continue;
            }
            let key = format!(
                "files[{}]",
                a["id"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| a["id"].to_string())
            );
            if let Some(f) = files.iter().find(|f| f.field == key) {
                let name = a["filename"].as_str().unwrap_or(&f.filename).to_string();
                let url = host_file_locked(inner, st, &name, f.bytes.clone());
                let mut att = attachment_json(next_snowflake(), &name, &url, f.bytes.len() as u64);
                if let Some(d) = a.get("description").filter(|d| !d.is_null()) {
                    att["description"] = d.clone();
                }
                atts.push(att);
            }
        }
        for f in files {
            let listed_already = listed.iter().any(|a| {
                format!(
                    "files[{}]",
                    a["id"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| a["id"].to_string())
                ) == f.field
            });
            if !listed_already {
                let url = host_file_locked(inner, st, &f.filename, f.bytes.clone());
                atts.push(attachment_json(
                    next_snowflake(),
                    &f.filename,
                    &url,
                    f.bytes.len() as u64,
                ));
            }
        }
        msg["attachments"] = json!(atts);
    }
    msg["edited_timestamp"] = json!(now_timestamp());
    msg
}

/// A message the fake built must deserialize as serenity's Message; otherwise it is a fake bug.
fn message_reply(status: u16, msg: Value) -> Reply {
    match serde_json::from_value::<Message>(msg.clone()) {
        Ok(_) => Reply::json(status, msg),
        Err(e) => {
            eprintln!("fake_discord: BUG: built a message serenity cannot read: {e}\n{msg}");
            Reply::error(
                500,
                0,
                &format!("fake-discord bug: message does not deserialize: {e}"),
            )
        }
    }
}

pub(super) fn channel_message_post(
    inner: &Arc<Inner>,
    cid: &str,
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let cfg = &inner.config;
    let cid: u64 = cid.parse().unwrap_or(0);
    let guild_id = match cfg.channel(cid) {
        Some((_, c)) if !c.bot_can_send => return Reply::error(403, 50013, "Missing Permissions"),
        Some((g, _)) => Some(g.id),
        None if inner.st().dm_channels.contains_key(&cid) => None,
        None => return Reply::error(404, 10003, "Unknown Channel"),
    };
    if let Some(r) = validate_message_body(body, files, true) {
        return r;
    }
    let mut st = inner.st();
    // Discord: with `enforce_nonce`, a message the author created with the same nonce a few minutes before is
    // answered again and nothing is created (the fake keeps nonces for its whole life).
    let nonce = (body["enforce_nonce"] == true)
        .then(|| match &body["nonce"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .flatten();
    if let Some(earlier) = nonce
        .as_ref()
        .and_then(|n| st.nonces.get(n))
        .and_then(|id| st.messages.get(id))
        .cloned()
    {
        st.repeated_nonces += 1;
        return message_reply(200, earlier);
    }
    let msg = new_message(inner, &mut st, cid, guild_id, body, files, false);
    let id = id_of(msg.get("id")).unwrap_or(0);
    st.messages.insert(id, msg.clone());
    if let Some(n) = nonce {
        st.nonces.insert(n, id);
    }
    message_reply(200, msg)
}

pub(super) fn interaction_callback(
    inner: &Arc<Inner>,
    id: &str,
    token: &str,
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let unknown = || Reply::error(404, 10062, "Unknown interaction");
    let mut st = inner.st();
    let Some(rec) = st.interactions.get(token) else {
        return unknown();
    };
    if rec.id.to_string() != id {
        return unknown();
    }
    if let Some(deadline) = inner.opts.ack_deadline {
        if rec.sent_at.elapsed() > deadline {
            return unknown();
        }
    }
    if rec.acked.is_some() {
        return Reply::error(400, 40060, "Interaction has already been acknowledged.");
    }
    let ikind = rec.kind;
    let (channel_id, guild_id) = (rec.channel_id, rec.guild_id);
    let source = rec.source_message.clone();
    let rtype = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let bad_type = || {
        let mut e = FormErrors::default();
        e.add(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID",
            format!("Response type {rtype} is not valid for interaction type {ikind}"),
        );
        e.into_reply().expect("one error")
    };
    // Interaction types: 1 ping, 2 command, 3 component, 4 autocomplete, 5 modal submit.
    let original = match rtype {
        1 if ikind == 1 => None,
        4 if matches!(ikind, 2 | 3 | 5) => {
            if let Some(r) = validate_message_body(&data, files, true) {
                return r;
            }
            Some(new_message(
                inner, &mut st, channel_id, guild_id, &data, files, true,
            ))
        }
        5 if matches!(ikind, 2 | 3 | 5) => {
            let mut m = new_message(inner, &mut st, channel_id, guild_id, &json!({}), &[], true);
            let ephemeral = data["flags"].as_u64().unwrap_or(0) & 64;
            m["flags"] = json!(128 | ephemeral);
            Some(m)
        }
        6 if matches!(ikind, 3 | 5) => source,
        7 if matches!(ikind, 3 | 5) => {
            if let Some(r) = validate_message_body(&data, files, false) {
                return r;
            }
            match source {
                Some(src) => Some(apply_edit(inner, &mut st, src, &data, files)),
                None => return bad_type(),
            }
        }
        8 if ikind == 4 => {
            if let Some(r) = validate_autocomplete(&data) {
                return r;
            }
            None
        }
        9 if matches!(ikind, 2 | 3) => {
            if let Some(r) = validate_modal(&data) {
                return r;
            }
            None
        }
        _ => return bad_type(),
    };
    if let Some(o) = &original {
        if serde_json::from_value::<Message>(o.clone()).is_err() {
            eprintln!("fake_discord: BUG: original message does not deserialize: {o}");
        }
    }
    let rec = st.interactions.get_mut(token).expect("checked above");
    rec.acked = Some(rtype);
    rec.original = original;
    Reply::no_content()
}

pub(super) fn webhook(
    inner: &Arc<Inner>,
    m: &str,
    app: &str,
    token: &str,
    rest: &[&str],
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let unknown_webhook = || Reply::error(404, 10015, "Unknown Webhook");
    if app != inner.config.application_id.to_string() {
        return unknown_webhook();
    }
    let mut st = inner.st();
    let Some(rec) = st.interactions.get(token) else {
        return unknown_webhook();
    };
    if rec.acked.is_none() {
        return unknown_webhook();
    }
    let (channel_id, guild_id) = (rec.channel_id, rec.guild_id);
    match (m, rest) {
        ("POST", []) => {
            if let Some(r) = validate_message_body(body, files, true) {
                return r;
            }
            // Discord: a follow-up sent while the deferred message is still loading is taken as that message
            // ("we interpret your followup as you resolving the loading state", discord-api-docs#2742): it
            // becomes `@original`, with the deferral's privacy (the follow-up's own flag 64 ignored, #3466).
            let loading = st
                .interactions
                .get(token)
                .and_then(|r| r.original.clone())
                .filter(|o| o["flags"].as_u64().unwrap_or(0) & 128 != 0);
            if let Some(orig) = loading {
                let deferral_privacy = orig["flags"].as_u64().unwrap_or(0) & 64;
                let mut resolved = apply_edit(inner, &mut st, orig, body, files);
                let own = body["flags"].as_u64().unwrap_or(0) & (4 | 4096 | 32768);
                resolved["flags"] = json!(own | deferral_privacy);
                resolved["edited_timestamp"] = Value::Null;
                let rec = st.interactions.get_mut(token).expect("exists");
                rec.original = Some(resolved.clone());
                rec.resolved_by_followup = Some(resolved.clone());
                return message_reply(200, resolved);
            }
            let msg = new_message(inner, &mut st, channel_id, guild_id, body, files, true);
            let mid = id_of(msg.get("id")).unwrap_or(0);
            st.messages.insert(mid, msg.clone());
            st.interactions
                .get_mut(token)
                .expect("exists")
                .followup_ids
                .push(mid);
            message_reply(200, msg)
        }
        (_, ["messages", "@original"]) => {
            let Some(orig) = st.interactions.get(token).and_then(|r| r.original.clone()) else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => message_reply(200, orig),
                "PATCH" => {
                    if let Some(r) = validate_message_body(body, files, false) {
                        return r;
                    }
                    let mut updated = apply_edit(inner, &mut st, orig, body, files);
                    // Editing a deferred reply turns the "thinking" placeholder into the message.
                    let flags = updated["flags"].as_u64().unwrap_or(0);
                    updated["flags"] = json!(flags & !128);
                    st.interactions.get_mut(token).expect("exists").original =
                        Some(updated.clone());
                    message_reply(200, updated)
                }
                "DELETE" => {
                    st.interactions.get_mut(token).expect("exists").original = None;
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        (_, ["messages", mid]) => {
            let mid: u64 = mid.parse().unwrap_or(0);
            let Some(msg) = st
                .messages
                .get(&mid)
                .filter(|x| x["webhook_id"].is_string())
                .cloned()
            else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => message_reply(200, msg),
                "PATCH" => {
                    if let Some(r) = validate_message_body(body, files, false) {
                        return r;
                    }
                    let updated = apply_edit(inner, &mut st, msg, body, files);
                    st.messages.insert(mid, updated.clone());
                    message_reply(200, updated)
                }
                "DELETE" => {
                    st.messages.remove(&mid);
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        _ => Reply::not_found(),
    }
}
