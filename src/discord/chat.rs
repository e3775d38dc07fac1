//! [`Chat`] on Discord: checking the bot's permissions in a channel (from the cache, or over REST when the cache
//! does not hold the server), and posting digests. Digests are posted, and a channel the cache does not hold is
//! read, within Discord's rate limits kept by [`super::ratelimit`].

use super::ratelimit::{self, Body};
use super::render::{attachments, clip, embed, mentions};
use crate::app::chat::{Chat, Post, PostError};
use serenity::all::{Cache, Channel, ChannelId, CreateMessage, GuildId, Http, Nonce, Permissions};
use std::sync::Arc;

/// What the bot needs in a digest channel.
pub const POST_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::ATTACH_FILES);

#[derive(Clone)]
pub struct DiscordChat {
    pub http: Arc<Http>,
    pub cache: Arc<Cache>,
    /// The rate limits its requests keep: the process's ([`ratelimit::Limits::of`] its API).
    pub limits: Arc<ratelimit::Limits>,
}

impl std::fmt::Debug for DiscordChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiscordChat")
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse::<u64>().ok().filter(|v| *v != 0)
}

/// Classify a failed REST call: no access or unknown channel is final, anything else is worth a retry.
pub fn classify(e: &serenity::Error) -> PostError {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            let text = format!("{} ({} {})", r.error.message, status, r.error.code);
            match status {
                401 | 403 | 404 => PostError::Forbidden(text),
                _ => PostError::Transient(text),
            }
        }
        other => PostError::Transient(other.to_string()),
    }
}

impl DiscordChat {
    /// The chat of `http` and `cache`, within the process's rate limits for `http`'s API.
    pub fn new(http: Arc<Http>, cache: Arc<Cache>) -> DiscordChat {
        let limits = ratelimit::Limits::of(ratelimit::base_of(&http));
        DiscordChat {
            http,
            cache,
            limits,
        }
    }

    /// The bot's permissions in `channel` from the cache; None when the cache does not hold the server.
    fn cached_permissions(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Option<Result<Permissions, PostError>> {
        let me = self.cache.current_user().id;
        let guild = self.cache.guild(guild)?;
        // Only the channels of this server: a channel of another server is refused, whatever the bot
        // could do there.
        let Some(channel) = guild.channels.get(&channel) else {
            return Some(Err(PostError::Forbidden(
                "that channel is not in this server (or I cannot see it)".into(),
            )));
        };
        let Some(member) = guild.members.get(&me) else {
            return Some(Err(PostError::Transient(
                "I am not a member of this server yet".into(),
            )));
        };
        Some(Ok(guild.user_permissions_in(channel, member)))
    }

    /// The bot's permissions in `channel` over REST: the server's roles, the bot's member and the channel's
    /// overwrites, computed the way the cache would. Used when the cache does not hold the server (before the
    /// gateway delivered it, or with no gateway at all, as in `partnerfit doctor`).
    async fn permissions_over_rest(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Permissions, PostError> {
        let not_here = || {
            PostError::Forbidden("that channel is not in this server (or I cannot see it)".into())
        };
        let channel = match self.http.get_channel(channel).await {
            Ok(Channel::Guild(c)) if c.guild_id == guild => c,
            Ok(_) => return Err(not_here()),
            Err(e) => {
                return Err(match classify(&e) {
                    PostError::Forbidden(_) => not_here(),
                    other => other,
                })
            }
        };
        let me = self
            .http
            .get_current_user()
            .await
            .map_err(|e| classify(&e))?
            .id;
        let server = self.http.get_guild(guild).await.map_err(|e| classify(&e))?;
        let member = self
            .http
            .get_member(guild, me)
            .await
            .map_err(|e| classify(&e))?;
        Ok(server.user_permissions_in(&channel, &member))
    }
}

#[async_trait::async_trait]
impl Chat for DiscordChat {
    async fn check_can_post(&self, workspace: &str, channel_id: &str) -> Result<(), PostError> {
        let (Some(g), Some(c)) = (parse_id(workspace), parse_id(channel_id)) else {
            return Err(PostError::Forbidden("that is not a Discord channel".into()));
        };
        let (guild, channel) = (GuildId::new(g), ChannelId::new(c));
        let have = match self.cached_permissions(guild, channel) {
            Some(have) => have?,
            None => self.permissions_over_rest(guild, channel).await?,
        };
        let missing = POST_PERMISSIONS - have;
        if missing.is_empty() {
            Ok(())
        } else {
            Err(PostError::Forbidden(format!(
                "I am missing {}",
                missing.get_permission_names().join(", ")
            )))
        }
    }

    async fn check_channel(&self, workspace: &str, channel_id: &str) -> Result<(), PostError> {
        let (Some(g), Some(c)) = (parse_id(workspace), parse_id(channel_id)) else {
            return Err(PostError::Forbidden("that is not a Discord channel".into()));
        };
        let (guild, channel) = (GuildId::new(g), ChannelId::new(c));
        if self
            .cache
            .guild(guild)
            .is_some_and(|g| g.channels.contains_key(&channel))
        {
            return Ok(());
        }
        let path = format!("/channels/{channel}");
        let route = format!("GET {path}");
        let json = ratelimit::request_with(
            &self.limits,
            &self.http,
            reqwest::Method::GET,
            &path,
            &route,
            Body::None,
        )
        .await?;
        match serde_json::from_value::<Channel>(json) {
            Ok(Channel::Guild(gc)) if gc.guild_id == guild => Ok(()),
            Ok(_) => Err(PostError::Forbidden(
                "that channel is not in this server".into(),
            )),
            Err(e) => Err(PostError::Transient(format!(
                "Discord's description of the channel did not read: {e}"
            ))),
        }
    }

    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError> {
        let c = parse_id(channel_id)
            .ok_or_else(|| PostError::Forbidden(format!("`{channel_id}` is not a channel id")))?;
        let (content, allowed) = mentions(post.card);
        let files = attachments(&post.card.files);
        let mut msg = CreateMessage::new()
            .embed(embed(post.card, 0))
            .add_files(files.clone());
        if let Some(c) = content {
            msg = msg.content(c);
        }
        if let Some(n) = post.nonce {
            msg = msg.nonce(Nonce::String(clip(n, 25))).enforce_nonce(true);
        }
        let msg = msg.allowed_mentions(allowed);
        // serenity builds the message; it is sent here, within the rate limits (see `ratelimit`).
        let body = Body::of(&msg, files, None)?;
        let path = format!("/channels/{c}/messages");
        let route = format!("POST {path}");
        let sent = ratelimit::request_with(
            &self.limits,
            &self.http,
            reqwest::Method::POST,
            &path,
            &route,
            body,
        )
        .await?;
        sent.get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| PostError::Transient("Discord's answer carried no message id".into()))
    }
}
