//! Application command endpoints: registration (PUT/POST, validated against Discord's limits) and listing.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use super::payloads::command_id_for;
use super::rest::Reply;
use super::validation::{validate_command, FormErrors};
use super::{next_snowflake, Inner};

pub(super) fn commands_get(inner: &Inner, guild: Option<u64>) -> Reply {
    Reply::json(
        200,
        json!(inner.st().commands.get(&guild).cloned().unwrap_or_default()),
    )
}

fn echo_command(inner: &Inner, guild: Option<u64>, c: &Value) -> Value {
    let mut c = c.clone();
    let name = c["name"].as_str().unwrap_or_default().to_string();
    let o = c.as_object_mut().expect("validated as object");
    o.entry("type").or_insert(json!(1));
    o.insert("id".into(), json!(command_id_for(&name).to_string()));
    o.insert(
        "application_id".into(),
        json!(inner.config.application_id.to_string()),
    );
    o.insert("version".into(), json!(next_snowflake().to_string()));
    o.entry("description").or_insert(json!(""));
    o.entry("default_member_permissions").or_insert(Value::Null);
    o.entry("nsfw").or_insert(json!(false));
    o.entry("options").or_insert(json!([]));
    if let Some(g) = guild {
        o.insert("guild_id".into(), json!(g.to_string()));
    }
    c
}

pub(super) fn commands_put(inner: &Inner, guild: Option<u64>, body: &Value) -> Reply {
    let Some(cmds) = body.as_array() else {
        return Reply::error(400, 50109, "The request body contains invalid JSON.");
    };
    let mut e = FormErrors::default();
    let mut seen = BTreeSet::new();
    let mut per_type: HashMap<u64, usize> = HashMap::new();
    for (i, c) in cmds.iter().enumerate() {
        if !c.is_object() {
            e.add(
                format!("{i}"),
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            );
            continue;
        }
        validate_command(&mut e, &format!("{i}"), c);
        let kind = c["type"].as_u64().unwrap_or(1);
        *per_type.entry(kind).or_default() += 1;
        if !seen.insert((kind, c["name"].as_str().unwrap_or_default().to_string())) {
            e.add(
                format!("{i}.name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            );
        }
    }
    for (kind, n) in per_type {
        let max = if kind == 1 { 100 } else { 15 };
        if n > max {
            e.add(
                "",
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {max} or fewer commands of type {kind}."),
            );
        }
    }
    if let Some(r) = e.into_reply() {
        return r;
    }
    let echoed: Vec<Value> = cmds.iter().map(|c| echo_command(inner, guild, c)).collect();
    let mut st = inner.st();
    st.registered = Some(body.clone());
    st.commands.insert(guild, echoed.clone());
    Reply::json(200, json!(echoed))
}

pub(super) fn commands_post(inner: &Inner, guild: Option<u64>, body: &Value) -> Reply {
    if !body.is_object() {
        return Reply::error(400, 50109, "The request body contains invalid JSON.");
    }
    let mut e = FormErrors::default();
    validate_command(&mut e, "", body);
    if let Some(r) = e.into_reply() {
        return r;
    }
    let echoed = echo_command(inner, guild, body);
    let mut st = inner.st();
    let list = st.commands.entry(guild).or_default();
    list.retain(|c| c["name"] != echoed["name"] || c["type"] != echoed["type"]);
    list.push(echoed.clone());
    Reply::json(201, echoed)
}
