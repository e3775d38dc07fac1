//! What `partnerfit doctor` asks Discord before a run, over REST only (no gateway connection): whether the
//! token is accepted (`GET /users/@me`), whether the application may use the message content intent (its
//! flags, `GET /applications/@me`), and a [`DiscordChat`] whose permission check works without a cache.
//! Every call goes through the configured proxy when one is set, like `partnerfit run`'s.

use super::chat::DiscordChat;
use serenity::all::{ApplicationFlags, Cache, Http, HttpBuilder};
use std::sync::Arc;
use std::time::Duration;

/// How long one REST call of the checks may take before it counts as unreachable.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The REST client of the bot: every call to `proxy_url` when set (which then owns rate limiting), else to
/// discord.com.
pub fn rest(token: &str, proxy_url: Option<&str>) -> Http {
    let mut builder = HttpBuilder::new(token);
    if let Some(p) = proxy_url {
        // serenity's rate limiter would send its requests around the proxy, straight to discord.com.
        builder = builder
            .proxy(p.trim_end_matches('/').to_string())
            .ratelimiter_disabled(true);
    }
    builder.build()
}

/// What Discord said of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// The bot's name and user id.
    Accepted { name: String, id: u64 },
    /// 401: not a valid bot token.
    Rejected,
    /// No answer, or another error (the message names no token).
    Unreachable(String),
}

/// `GET /users/@me` with the token.
pub async fn check_token(http: &Http) -> TokenCheck {
    match tokio::time::timeout(CALL_TIMEOUT, http.get_current_user()).await {
        Ok(Ok(me)) => TokenCheck::Accepted {
            name: me.name.clone(),
            id: me.id.get(),
        },
        Ok(Err(e)) if super::http_status(&e) == Some(401) => TokenCheck::Rejected,
        Ok(Err(e)) => TokenCheck::Unreachable(e.to_string()),
        Err(_) => TokenCheck::Unreachable(format!("no answer within {} s", CALL_TIMEOUT.as_secs())),
    }
}

/// Whether the application has the message content intent switched on in the developer portal (its
/// `GATEWAY_MESSAGE_CONTENT` or `GATEWAY_MESSAGE_CONTENT_LIMITED` flag), from `GET /applications/@me`.
pub async fn message_content_allowed(http: &Http) -> Result<bool, String> {
    match tokio::time::timeout(CALL_TIMEOUT, http.get_current_application_info()).await {
        Ok(Ok(app)) => Ok(app.flags.is_some_and(|f| {
            f.intersects(
                ApplicationFlags::GATEWAY_MESSAGE_CONTENT
                    | ApplicationFlags::GATEWAY_MESSAGE_CONTENT_LIMITED,
            )
        })),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", CALL_TIMEOUT.as_secs())),
    }
}

/// The name of a channel, when Discord tells it.
pub async fn channel_name(http: &Http, channel_id: &str) -> Option<String> {
    let id = channel_id.parse::<u64>().ok().filter(|v| *v != 0)?;
    match tokio::time::timeout(
        CALL_TIMEOUT,
        http.get_channel(serenity::all::ChannelId::new(id)),
    )
    .await
    {
        Ok(Ok(serenity::all::Channel::Guild(c))) => Some(c.name),
        _ => None,
    }
}

/// The chat platform as the app's [`crate::app::chat::Chat`] port, with an empty cache: its permission check
/// reads the server, the bot's member and the channel over REST.
pub fn chat(http: Arc<Http>) -> DiscordChat {
    DiscordChat::new(http, Arc::new(Cache::new()))
}
