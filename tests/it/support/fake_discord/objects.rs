//! The JSON objects the fake itself describes (users, roles, channels, guilds, attachments, the application):
//! shaped like Discord's and read by serenity's own types.

use serde_json::{json, Map, Value};

use super::config::{FakeChannel, FakeConfig, FakeGuild};
use super::{perms, role_permissions, BOT_USERNAME, GUILD_OWNER_USER_ID, JOINED_AT};

pub fn user_json(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(username) },
        "avatar": null,
        "banner": null,
        "accent_color": null,
        "bot": bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": null,
    })
}

fn role_json(id: u64, name: &str, permissions: u64, position: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

pub(super) fn roles_json(g: &FakeGuild) -> Vec<Value> {
    let mut roles = vec![role_json(g.id, "@everyone", perms::EVERYONE, 0)];
    for (i, (id, name)) in g.roles.iter().enumerate() {
        roles.push(role_json(*id, name, role_permissions(name), i as u64 + 1));
    }
    roles
}

pub(super) fn channel_json(
    cfg: &FakeConfig,
    g: &FakeGuild,
    c: &FakeChannel,
    position: usize,
) -> Value {
    let overwrites = if c.bot_can_send {
        json!([])
    } else {
        json!([{
            "id": cfg.bot_user_id.to_string(),
            "type": 1,
            "allow": "0",
            "deny": (perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS).to_string(),
        }])
    };
    json!({
        "id": c.id.to_string(),
        "type": 0,
        "guild_id": g.id.to_string(),
        "name": c.name,
        "position": position,
        "permission_overwrites": overwrites,
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "parent_id": null,
        "flags": 0,
    })
}

pub(super) fn bot_member_json(cfg: &FakeConfig) -> Value {
    json!({
        "user": user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": JOINED_AT,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

pub(super) fn guild_base_json(g: &FakeGuild) -> Map<String, Value> {
    let v = json!({
        "id": g.id.to_string(),
        "name": g.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": GUILD_OWNER_USER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles_json(g),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "nsfw": false,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

pub(super) fn guild_create_json(cfg: &FakeConfig, g: &FakeGuild) -> Value {
    let mut m = guild_base_json(g);
    let extra = json!({
        "joined_at": JOINED_AT,
        "large": false,
        "unavailable": false,
        "lazy": true,
        "member_count": 4,
        "voice_states": [],
        "members": [bot_member_json(cfg)],
        "channels": g.channels.iter().enumerate().map(|(i, c)| channel_json(cfg, g, c, i)).collect::<Vec<_>>(),
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
    });
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    Value::Object(m)
}

pub(super) fn attachment_json(id: u64, filename: &str, url: &str, size: u64) -> Value {
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type_for(filename),
        "description": null,
        "height": null,
        "width": null,
    })
}

pub fn content_type_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

pub(super) fn dm_channel_json(cid: u64, user: &Value) -> Value {
    json!({"id": cid.to_string(), "type": 1, "last_message_id": null, "flags": 0, "recipients": [user]})
}

/// The application's flags as Discord reports them: `APPLICATION_COMMAND_BADGE` (1 << 23), and for each
/// privileged intent switched on in the portal its `GATEWAY_*_LIMITED` flag, as an app in fewer than 100
/// servers has it — presence 1 << 13, guild members 1 << 15, message content 1 << 19 (a verified app gets
/// the bit below each instead).
pub(super) fn application_flags(privileged_intents: u64) -> u64 {
    use super::intents;
    let mut flags = 1u64 << 23;
    for (intent, flag) in [
        (intents::GUILD_PRESENCES, 13),
        (intents::GUILD_MEMBERS, 15),
        (intents::MESSAGE_CONTENT, 19),
    ] {
        if privileged_intents & intent != 0 {
            flags |= 1 << flag;
        }
    }
    flags
}

pub(super) fn application_json(cfg: &FakeConfig) -> Value {
    json!({
        "id": cfg.application_id.to_string(),
        "name": BOT_USERNAME,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "owner": user_json(GUILD_OWNER_USER_ID, "owner", false),
        "team": null,
        "flags": application_flags(cfg.privileged_intents),
        "bot": user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "role_connections_verification_url": null,
        "approximate_guild_count": cfg.guilds.len(),
        "redirect_uris": [],
        "interactions_endpoint_url": null,
    })
}
