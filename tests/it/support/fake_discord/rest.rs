//! The REST side: reads each request (JSON or multipart), applies injected faults, routes it to the endpoint
//! and records it with its answer. Unknown routes answer 404 and are recorded too.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::commands::{commands_get, commands_post, commands_put};
use super::messages::{apply_edit, channel_message_post, interaction_callback, webhook};
use super::objects::{
    application_json, bot_member_json, channel_json, content_type_for, dm_channel_json,
    guild_base_json, roles_json, user_json,
};
use super::recorded::{record, Recorded, RecordedFile};
use super::validation::validate_message_body;
use super::{id_of, next_snowflake, Inner, BOT_USERNAME};

pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Option<Value>,
    pub(super) raw: Option<(String, Vec<u8>)>,
    pub(super) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            raw: None,
            headers: vec![],
        }
    }

    pub(super) fn no_content() -> Self {
        Reply {
            status: 204,
            body: None,
            raw: None,
            headers: vec![],
        }
    }

    pub(super) fn error(status: u16, code: u64, message: &str) -> Self {
        Self::json(status, json!({"message": message, "code": code}))
    }

    pub(super) fn not_found() -> Self {
        Self::error(404, 0, "404: Not Found")
    }

    pub(super) fn unauthorized() -> Self {
        Self::error(401, 0, "401: Unauthorized")
    }

    pub(super) fn injected(status: u16) -> Self {
        match status {
            429 => {
                let reset = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0)
                    + 0.05;
                Reply {
                    status,
                    body: Some(
                        json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": false, "code": 0}),
                    ),
                    raw: None,
                    headers: vec![
                        ("retry-after", "1".into()),
                        ("x-ratelimit-limit", "5".into()),
                        ("x-ratelimit-remaining", "0".into()),
                        ("x-ratelimit-reset", format!("{reset:.3}")),
                        ("x-ratelimit-reset-after", "0.050".into()),
                        ("x-ratelimit-bucket", "fake-discord-bucket".into()),
                        ("x-ratelimit-scope", "user".into()),
                    ],
                }
            }
            401 => Self::unauthorized(),
            403 => Self::error(403, 50013, "Missing Permissions"),
            404 => Self::not_found(),
            _ => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                Self::error(status, 0, &format!("{status}: {reason}"))
            }
        }
    }
}

pub(super) async fn rest_handler(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    // When the request arrived: a request that came before a 429 was decided is not early for it.
    let arrived = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let path = uri.path().to_string();
    let query = uri.query().map(str::to_string);
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));

    let mut files = Vec::new();
    let mut body = Value::Null;
    let mut early: Option<Reply> = None;
    if is_multipart {
        match Multipart::from_request(req, &()).await {
            Ok(mut mp) => {
                let mut payload = json!({});
                loop {
                    match mp.next_field().await {
                        Ok(Some(field)) => {
                            let name = field.name().unwrap_or_default().to_string();
                            let filename = field.file_name().map(str::to_string);
                            let ct = field.content_type().map(str::to_string);
                            let bytes = match field.bytes().await {
                                Ok(b) => b.to_vec(),
                                Err(e) => {
                                    early = Some(Reply::error(
                                        400,
                                        0,
                                        &format!("bad multipart field: {e}"),
                                    ));
                                    break;
                                }
                            };
                            if name == "payload_json" {
                                match serde_json::from_slice(&bytes) {
                                    Ok(v) => payload = v,
                                    Err(_) => {
                                        early = Some(Reply::error(
                                            400,
                                            50109,
                                            "The request body contains invalid JSON.",
                                        ))
                                    }
                                }
                            } else {
                                files.push(RecordedFile {
                                    field: name.clone(),
                                    filename: filename.unwrap_or(name),
                                    content_type: ct,
                                    bytes,
                                });
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            early = Some(Reply::error(400, 0, &format!("bad multipart body: {e}")));
                            break;
                        }
                    }
                }
                if let Value::Object(o) = &mut payload {
                    o.insert(
                        "_files".into(),
                        Value::Array(
                            files
                                .iter()
                                .map(|f| json!({"field": f.field, "filename": f.filename, "content_type": f.content_type, "size": f.bytes.len()}))
                                .collect(),
                        ),
                    );
                }
                body = payload;
            }
            Err(e) => early = Some(Reply::error(400, 0, &format!("bad multipart request: {e}"))),
        }
    } else {
        match axum::body::to_bytes(req.into_body(), 64 << 20).await {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => body = v,
                Err(_) => {
                    body = Value::String(String::from_utf8_lossy(&bytes).into_owned());
                    early = Some(Reply::error(
                        400,
                        50109,
                        "The request body contains invalid JSON.",
                    ));
                }
            },
            Err(e) => early = Some(Reply::error(400, 0, &format!("unreadable body: {e}"))),
        }
    }

    // The matching hold rule's status: 503 (POSTs only) answers that once released, 0 answers as usual.
    let hold = if early.is_none() {
        let mut st = inner.st();
        let hit = st
            .hold_rules
            .iter_mut()
            .find(|r| {
                r.remaining > 0
                    && path.contains(&r.path_contains)
                    && (r.status == 0 || method == Method::POST)
            })
            .and_then(|r| {
                if r.skip > 0 {
                    r.skip -= 1;
                    return None;
                }
                r.remaining -= 1;
                Some(r.status)
            });
        st.hold_rules.retain(|r| r.remaining > 0);
        if hit.is_some() {
            st.held += 1;
        }
        hit
    } else {
        None
    };
    let reply = if let Some(status) = hold {
        let mut released = inner.released.subscribe();
        released.borrow_and_update();
        inner.requests_changed.send_modify(|v| *v += 1);
        let _ = tokio::time::timeout(Duration::from_secs(60), released.changed()).await;
        if status == 0 {
            limited_route(&inner, &method, &path, &headers, &body, &files, arrived)
        } else {
            Reply::injected(status)
        }
    } else {
        match early {
            Some(r) => r,
            None => limited_route(&inner, &method, &path, &headers, &body, &files, arrived),
        }
    };
    record(
        &inner,
        Recorded {
            method: method.to_string(),
            path,
            query,
            body,
            files,
            status: reply.status,
            response: reply.body.clone().unwrap_or(Value::Null),
            at: Instant::now(),
        },
    );
    into_response(reply)
}

/// Where the REST API's paths start.
pub(super) const API: &str = "/api/v10";

/// The segments of an API path after [`API`] (`["interactions", id, token, "callback"]`), as the routes match
/// them.
pub(super) fn segments(api: &str) -> Vec<&str> {
    api.split('/').filter(|s| !s.is_empty()).collect()
}

fn into_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if let Some((ct, bytes)) = reply.raw {
        let mut r = (status, bytes).into_response();
        if let Ok(v) = HeaderValue::from_str(&ct) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    } else if let Some(body) = reply.body {
        (status, axum::Json(body)).into_response()
    } else {
        status.into_response()
    };
    for (k, v) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(HeaderName::from_static(k), v);
        }
    }
    resp
}

/// `route`, within the rate limits when they are on: a request over them answers 429, and every answer of
/// a limited route carries its bucket's headers.
fn limited_route(
    inner: &Arc<Inner>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    files: &[RecordedFile],
    arrived: Instant,
) -> Reply {
    let admitted = match (&inner.opts.rate_limits, path.strip_prefix(API)) {
        (Some(limits), Some(api)) => inner.limiter().admit(limits, method.as_str(), api, arrived),
        _ => Ok(Vec::new()),
    };
    match admitted {
        Ok(extra) => {
            let mut reply = route(inner, method, path, headers, body, files, arrived);
            reply.headers.extend(extra);
            let failed_after = {
                let mut st = inner.st();
                let hit = st
                    .fail_after_rules
                    .iter_mut()
                    .find(|r| r.remaining > 0 && path.contains(&r.path_contains))
                    .map(|rule| {
                        rule.remaining -= 1;
                        rule.status
                    });
                st.fail_after_rules.retain(|r| r.remaining > 0);
                hit
            };
            match failed_after {
                Some(status) => Reply::injected(status),
                None => reply,
            }
        }
        Err(limited) => limited,
    }
}

fn route(
    inner: &Arc<Inner>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    files: &[RecordedFile],
    arrived: Instant,
) -> Reply {
    let cfg = &inner.config;
    // Hosted files (attachment URLs): no auth, outside the API.
    if let Some(rest) = path.strip_prefix("/files/") {
        let id: Option<u64> = rest.split('/').next().and_then(|s| s.parse().ok());
        let mut st = inner.st();
        st.file_fetches += 1;
        return match id.and_then(|id| st.files.get(&id)) {
            Some((name, bytes)) if method == Method::GET => Reply {
                status: 200,
                body: None,
                raw: Some((content_type_for(name).to_string(), bytes.clone())),
                headers: vec![],
            },
            _ => Reply::not_found(),
        };
    }
    let Some(api) = path.strip_prefix(API) else {
        return Reply::not_found();
    };
    let seg = segments(api);

    // GET /gateway never fails: if it did, serenity would silently fall back to the real gateway.
    let is_gateway = seg == ["gateway"];
    let needs_auth =
        !is_gateway && !matches!(seg.first(), Some(&"interactions") | Some(&"webhooks"));
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let auth_ok = auth == Some(format!("Bot {}", cfg.token).as_str());
    if !is_gateway && !auth_ok && (needs_auth || auth.is_some()) {
        return Reply::unauthorized();
    }

    inner.limiter().note_if_early(path, arrived);
    let injected = {
        let mut st = inner.st();
        let hit = st
            .fail_rules
            .iter_mut()
            .find(|r| r.remaining > 0 && path.contains(&r.path_contains))
            .map(|rule| {
                rule.remaining -= 1;
                let how = (rule.retry_after, rule.global);
                (rule.status, how, rule.path_contains.clone())
            });
        st.fail_rules.retain(|r| r.remaining > 0);
        hit
    };
    match injected {
        Some((_, (Some(wait), global), key)) => {
            return inner
                .limiter()
                .refuse(&key, method.as_str(), api, wait, global)
        }
        Some((status, (None, _), _)) => return Reply::injected(status),
        None => {}
    }

    let app = cfg.application_id.to_string();
    let m = method.as_str();
    match (m, seg.as_slice()) {
        ("GET", ["gateway"]) => Reply::json(200, json!({"url": inner.ws_url})),
        ("GET", ["gateway", "bot"]) => Reply::json(
            200,
            json!({"url": inner.ws_url, "shards": 1,
                   "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
        ),
        ("GET", ["users", "@me"]) => Reply::json(200, inner.bot_user()),
        ("GET", ["users", uid]) => {
            let uid: u64 = uid.parse().unwrap_or(0);
            if uid == cfg.bot_user_id {
                return Reply::json(200, user_json(uid, BOT_USERNAME, true));
            }
            let st = inner.st();
            match st.members.iter().find(|((_, u), _)| *u == uid) {
                Some((_, mem)) => Reply::json(200, mem["user"].clone()),
                None => Reply::error(404, 10013, "Unknown User"),
            }
        }
        ("POST", ["users", "@me", "channels"]) => {
            let Some(rid) = id_of(body.get("recipient_id")) else {
                return Reply::error(400, 50035, "Invalid Form Body");
            };
            let mut st = inner.st();
            let user = st
                .members
                .iter()
                .find(|((_, u), _)| *u == rid)
                .map(|(_, m)| m["user"].clone())
                .unwrap_or_else(|| user_json(rid, &format!("user{rid}"), false));
            let existing = st
                .dm_channels
                .iter()
                .find(|(_, u)| id_of(u.get("id")) == Some(rid))
                .map(|(c, _)| *c);
            let cid = existing.unwrap_or_else(next_snowflake);
            st.dm_channels.insert(cid, user.clone());
            Reply::json(200, dm_channel_json(cid, &user))
        }
        ("GET", ["oauth2", "applications", "@me"]) => Reply::json(200, application_json(cfg)),
        ("GET", ["applications", "@me"]) => Reply::json(200, application_json(cfg)),
        (_, ["applications", a, ..]) if *a != app => Reply::error(403, 50001, "Missing Access"),
        ("GET", ["applications", _, "commands"]) => commands_get(inner, None),
        ("GET", ["applications", _, "guilds", g, "commands"]) => {
            commands_get(inner, g.parse().ok())
        }
        ("PUT", ["applications", _, "commands"]) => commands_put(inner, None, body),
        ("PUT", ["applications", _, "guilds", g, "commands"]) => {
            match g.parse::<u64>().ok().filter(|g| cfg.guild(*g).is_some()) {
                Some(g) => commands_put(inner, Some(g), body),
                None => Reply::error(403, 50001, "Missing Access"),
            }
        }
        ("POST", ["applications", _, "commands"]) => commands_post(inner, None, body),
        ("POST", ["applications", _, "guilds", g, "commands"]) => {
            match g.parse::<u64>().ok().filter(|g| cfg.guild(*g).is_some()) {
                Some(g) => commands_post(inner, Some(g), body),
                None => Reply::error(403, 50001, "Missing Access"),
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => {
            interaction_callback(inner, id, token, body, files)
        }
        (_, ["webhooks", a, token, rest @ ..]) => webhook(inner, m, a, token, rest, body, files),
        ("GET", ["channels", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            if let Some((g, c)) = cfg.channel(cid) {
                let pos = g.channels.iter().position(|x| x.id == c.id).unwrap_or(0);
                return Reply::json(200, channel_json(cfg, g, c, pos));
            }
            match inner.st().dm_channels.get(&cid) {
                Some(u) => Reply::json(200, dm_channel_json(cid, u)),
                None => Reply::error(404, 10003, "Unknown Channel"),
            }
        }
        ("POST", ["channels", cid, "messages"]) => channel_message_post(inner, cid, body, files),
        ("GET", ["channels", cid, "messages"]) => {
            let cid = cid.to_string();
            let st = inner.st();
            let mut msgs: Vec<&Value> = st
                .messages
                .values()
                .filter(|m| m["channel_id"] == json!(cid))
                .collect();
            msgs.sort_by_key(|m| std::cmp::Reverse(id_of(m.get("id")).unwrap_or(0)));
            Reply::json(200, json!(msgs))
        }
        (_, ["channels", cid, "messages", mid]) => {
            let mid: u64 = mid.parse().unwrap_or(0);
            let mut st = inner.st();
            let Some(msg) = st
                .messages
                .get(&mid)
                .filter(|m| m["channel_id"] == json!(cid.to_string()))
                .cloned()
            else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => Reply::json(200, msg),
                "PATCH" => {
                    if id_of(msg["author"].get("id")) != Some(cfg.bot_user_id) {
                        return Reply::error(
                            403,
                            50005,
                            "Cannot edit a message authored by another user",
                        );
                    }
                    if let Some(r) = validate_message_body(body, files, false) {
                        return r;
                    }
                    let updated = apply_edit(inner, &mut st, msg, body, files);
                    st.messages.insert(mid, updated.clone());
                    Reply::json(200, updated)
                }
                "DELETE" => {
                    st.messages.remove(&mid);
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        ("POST", ["channels", cid, "typing"]) => {
            if cfg.channel(cid.parse().unwrap_or(0)).is_some()
                || inner
                    .st()
                    .dm_channels
                    .contains_key(&cid.parse().unwrap_or(0))
            {
                Reply::no_content()
            } else {
                Reply::error(404, 10003, "Unknown Channel")
            }
        }
        ("GET", ["guilds", gid]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => {
                let mut m = guild_base_json(g);
                m.insert("approximate_member_count".into(), json!(4));
                m.insert("approximate_presence_count".into(), json!(1));
                Reply::json(200, Value::Object(m))
            }
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "roles"]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => Reply::json(200, json!(roles_json(g))),
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "channels"]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => Reply::json(
                200,
                json!(g
                    .channels
                    .iter()
                    .enumerate()
                    .map(|(i, c)| channel_json(cfg, g, c, i))
                    .collect::<Vec<_>>()),
            ),
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "members", uid]) => {
            let Some(g) = gid.parse().ok().and_then(|g| cfg.guild(g)) else {
                return Reply::error(404, 10004, "Unknown Guild");
            };
            let uid: u64 = uid.parse().unwrap_or(0);
            if uid == cfg.bot_user_id {
                return Reply::json(200, bot_member_json(cfg));
            }
            match inner.st().members.get(&(g.id, uid)) {
                Some(mem) => {
                    let mut mem = mem.clone();
                    mem.as_object_mut().map(|o| o.remove("permissions"));
                    Reply::json(200, mem)
                }
                None => Reply::error(404, 10007, "Unknown Member"),
            }
        }
        _ => Reply::not_found(),
    }
}
