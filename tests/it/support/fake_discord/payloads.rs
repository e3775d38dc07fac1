//! Builders for what Discord sends the bot (slash commands, autocomplete, buttons, selects, modal submits,
//! messages), played by an `Invoker` (a lead, a member, a guest).

use serde_json::{json, Map, Value};

use super::objects::{attachment_json, user_json};
use super::{
    next_snowflake, now_timestamp, perms, role_permissions, BOT_USERNAME, GUEST_USER_ID, JOINED_AT,
    LEAD_ROLE_ID, LEAD_USER_ID, MEMBER_ROLE_ID, MEMBER_USER_ID, STANDARD_APPLICATION_ID,
    STANDARD_BOT_USER_ID,
};

#[derive(Clone, Debug)]
pub struct Invoker {
    pub user_id: u64,
    pub username: String,
    pub roles: Vec<u64>,
    /// Total permissions in the channel, sent as a decimal string in `member.permissions`.
    pub permissions: u64,
}

impl Invoker {
    pub fn new(user_id: u64, username: &str, roles: Vec<u64>, permissions: u64) -> Self {
        Invoker {
            user_id,
            username: username.to_string(),
            roles,
            permissions,
        }
    }

    /// Has the Lead role and MANAGE_GUILD.
    pub fn lead() -> Self {
        Self::new(
            LEAD_USER_ID,
            "lena.lead",
            vec![LEAD_ROLE_ID],
            role_permissions("Lead"),
        )
    }

    /// Has the Member role; no MANAGE_GUILD.
    pub fn member() -> Self {
        Self::new(
            MEMBER_USER_ID,
            "milo.member",
            vec![MEMBER_ROLE_ID],
            perms::EVERYONE,
        )
    }

    /// In the guild with no role; no MANAGE_GUILD.
    pub fn guest() -> Self {
        Self::new(GUEST_USER_ID, "gus.guest", vec![], perms::EVERYONE)
    }

    pub fn user_json(&self) -> Value {
        user_json(self.user_id, &self.username, false)
    }

    /// The guild member object as sent in interactions (with `user` and `permissions`).
    pub fn member_json(&self) -> Value {
        json!({
            "user": self.user_json(),
            "nick": null,
            "avatar": null,
            "banner": null,
            "roles": self.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": JOINED_AT,
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "permissions": self.permissions.to_string(),
            "communication_disabled_until": null,
            "unusual_dm_activity_until": null,
        })
    }
}

fn interaction_base(
    kind: u64,
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
) -> Map<String, Value> {
    let id = next_snowflake();
    let mut m = Map::new();
    m.insert("id".into(), json!(id.to_string()));
    m.insert(
        "application_id".into(),
        json!(STANDARD_APPLICATION_ID.to_string()),
    );
    m.insert("type".into(), json!(kind));
    m.insert(
        "token".into(),
        json!(format!("fake-interaction-token-{id}")),
    );
    m.insert("version".into(), json!(1));
    m.insert("locale".into(), json!("en-US"));
    m.insert("entitlements".into(), json!([]));
    m.insert("attachment_size_limit".into(), json!(26_214_400));
    m.insert("channel_id".into(), json!(channel_id.to_string()));
    match guild_id {
        Some(g) => {
            m.insert("guild_id".into(), json!(g.to_string()));
            m.insert(
                "guild".into(),
                json!({"id": g.to_string(), "locale": "en-US", "features": []}),
            );
            m.insert("guild_locale".into(), json!("en-US"));
            m.insert("member".into(), invoker.member_json());
            m.insert(
                "authorizing_integration_owners".into(),
                json!({"0": g.to_string()}),
            );
            m.insert("context".into(), json!(0));
        }
        None => {
            m.insert("user".into(), invoker.user_json());
            m.insert(
                "channel".into(),
                json!({"id": channel_id.to_string(), "type": 1, "name": null, "flags": 0, "last_message_id": null,
                       "recipients": [invoker.user_json()]}),
            );
            m.insert("app_permissions".into(), json!(perms::EVERYONE.to_string()));
            m.insert("authorizing_integration_owners".into(), json!({"0": "0"}));
            m.insert("context".into(), json!(1));
        }
    }
    m
}

/// A CHAT_INPUT command (type 2). `options` is `data.options` exactly as Discord sends it
/// (subcommand groups / subcommands nested with their own `options`; values typed).
pub fn slash_command(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
) -> Value {
    let mut m = interaction_base(2, guild_id, channel_id, invoker);
    let mut data = json!({
        "id": command_id_for(name).to_string(),
        "name": name,
        "type": 1,
        "options": if options.is_null() { json!([]) } else { options },
    });
    if let Some(g) = guild_id {
        data["guild_id"] = json!(g.to_string());
    }
    m.insert("data".into(), data);
    Value::Object(m)
}

/// Like `slash_command`, with `data.resolved.attachments` holding `attachment` =
/// (id, filename, url, size); the attachment option in `options` must carry `"value": "<id>"`
/// (see `attachment_option`).
pub fn slash_command_with_attachment(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
    attachment: (u64, &str, &str, u64),
) -> Value {
    let mut v = slash_command(guild_id, channel_id, invoker, name, options);
    let (id, filename, url, size) = attachment;
    v["data"]["resolved"] =
        json!({"attachments": {id.to_string(): attachment_json(id, filename, url, size)}});
    v
}

/// `{"name": name, "type": 11, "value": "<id>"}`
pub fn attachment_option(name: &str, attachment_id: u64) -> Value {
    json!({"name": name, "type": 11, "value": attachment_id.to_string()})
}

/// An APPLICATION_COMMAND_AUTOCOMPLETE (type 4); one option in `options` carries `"focused": true`.
pub fn autocomplete(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
) -> Value {
    let mut v = slash_command(guild_id, channel_id, invoker, name, options);
    v["type"] = json!(4);
    v
}

/// A bot-authored message with one button `custom_id` (what a component interaction comes from).
pub fn bot_message_with_button(
    guild_id: Option<u64>,
    channel_id: u64,
    message_id: u64,
    custom_id: &str,
) -> Value {
    let mut m = message_json(
        message_id,
        guild_id,
        channel_id,
        user_json(STANDARD_BOT_USER_ID, BOT_USERNAME, true),
        "",
    );
    m["components"] = json!([{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}]}]);
    m["application_id"] = json!(STANDARD_APPLICATION_ID.to_string());
    m["flags"] = json!(0);
    m.as_object_mut().map(|o| o.remove("member"));
    m
}

/// A MESSAGE_COMPONENT interaction (type 3) for a button (component_type 2) on `message_id`.
pub fn button_click(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    message_id: u64,
) -> Value {
    let mut m = interaction_base(3, guild_id, channel_id, invoker);
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    m.insert(
        "message".into(),
        bot_message_with_button(guild_id, channel_id, message_id, custom_id),
    );
    Value::Object(m)
}

/// A MESSAGE_COMPONENT interaction for a string select (component_type 3) with the chosen `values`.
pub fn select_menu(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    message_id: u64,
    values: &[&str],
) -> Value {
    let mut m = interaction_base(3, guild_id, channel_id, invoker);
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "component_type": 3, "values": values}),
    );
    let mut msg = bot_message_with_button(guild_id, channel_id, message_id, custom_id);
    msg["components"] = json!([{"type": 1, "components": [{"type": 3, "custom_id": custom_id,
        "options": values.iter().map(|v| json!({"label": v, "value": v})).collect::<Vec<_>>(),
        "min_values": 1, "max_values": values.len().max(1)}]}]);
    m.insert("message".into(), msg);
    Value::Object(m)
}

/// A MODAL_SUBMIT (type 5): one action row per text input `(custom_id, value)`.
pub fn modal_submit(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let mut m = interaction_base(5, guild_id, channel_id, invoker);
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
        .collect();
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "components": rows}),
    );
    Value::Object(m)
}

pub(super) fn message_json(
    id: u64,
    guild_id: Option<u64>,
    channel_id: u64,
    author: Value,
    content: &str,
) -> Value {
    let mut m = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": now_timestamp(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "reactions": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(g) = guild_id {
        m["guild_id"] = json!(g.to_string());
        m["member"] = json!({"roles": [], "joined_at": JOINED_AT, "deaf": false, "mute": false, "flags": 0,
                             "premium_since": null, "nick": null, "pending": false});
    }
    m
}

/// A MESSAGE_CREATE from `author` (no mention).
pub fn user_message(
    guild_id: Option<u64>,
    channel_id: u64,
    author: &Invoker,
    content: &str,
) -> Value {
    let mut m = message_json(
        next_snowflake(),
        guild_id,
        channel_id,
        author.user_json(),
        content,
    );
    if guild_id.is_some() {
        m["member"]["roles"] = json!(author.roles.iter().map(u64::to_string).collect::<Vec<_>>());
    }
    m["nonce"] = json!(next_snowflake().to_string());
    m
}

/// A MESSAGE_CREATE mentioning the bot: `<@bot>` leads `content` (unless already in it) and
/// the bot is in `mentions`.
pub fn mention_message(
    guild_id: Option<u64>,
    channel_id: u64,
    author: &Invoker,
    bot_user_id: u64,
    content: &str,
) -> Value {
    let tag = format!("<@{bot_user_id}>");
    let content = if content.contains(&tag) {
        content.to_string()
    } else {
        format!("{tag} {content}")
    };
    let mut m = user_message(guild_id, channel_id, author, &content);
    m["mentions"] = json!([user_json(bot_user_id, BOT_USERNAME, true)]);
    m
}

/// Stable fake command id for a command name (the same the fake gives registered commands).
pub fn command_id_for(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // A plausible snowflake: fixed 2024 timestamp part plus the name hash in the low bits.
    (1_200_000_000_000_000_000u64 & !((1 << 22) - 1)) | (h & ((1 << 22) - 1))
}
