//! Sending the bot what users do (interactions, messages) and reading what it answered: the interaction
//! callback, follow-ups and the `@original` message.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use serde_json::{json, Map, Value};
use serenity::model::application::Interaction;
use serenity::model::channel::Message;

use super::config::bot_channel_permissions;
use super::recorded::Recorded;
use super::{id_of, intents, FakeDiscord, InteractionRec};

impl FakeDiscord {
    /// Validates `payload` as a serenity `Interaction` (an Err carries serde's message), fills in
    /// what only the server knows (`application_id` := the configured one; `app_permissions`, and
    /// the `channel` object for configured channels, when absent), then dispatches it as
    /// INTERACTION_CREATE to the shard owning the guild. Returns the interaction id.
    pub async fn send_interaction(&self, payload: Value) -> anyhow::Result<u64> {
        self.send_interaction_on(payload, None).await
    }

    /// Like `send_interaction`, to one gateway session only: the `session`-th (from 0, oldest first) of the
    /// guild's shard, waited for until it is live. With `every_session_of_a_shard`, the interaction reaches one of
    /// the bot processes on the shard, and `send_interaction_again` brings it to another later: Discord's one
    /// interaction, seen by two processes at moments the test picks.
    pub async fn send_interaction_to(&self, payload: Value, session: usize) -> anyhow::Result<u64> {
        self.send_interaction_on(payload, Some(session)).await
    }

    /// The interaction `payload` sent before (by `send_interaction_to`, whose filled-in copy is kept), dispatched
    /// again to session `session` only.
    pub async fn send_interaction_again(&self, id: u64, session: usize) -> anyhow::Result<()> {
        let (guild_id, payload) = {
            let st = self.inner.st();
            let rec = st
                .interactions
                .values()
                .find(|i| i.id == id)
                .ok_or_else(|| anyhow!("interaction {id} was not sent by this fake"))?;
            let payload = rec
                .payload
                .clone()
                .ok_or_else(|| anyhow!("interaction {id} kept no payload"))?;
            (rec.guild_id, payload)
        };
        self.dispatch_to_sessions(
            guild_id,
            "INTERACTION_CREATE",
            payload,
            0,
            false,
            Some(session),
        )
        .await
    }

    async fn send_interaction_on(
        &self,
        payload: Value,
        session: Option<usize>,
    ) -> anyhow::Result<u64> {
        if let Err(e) = serde_json::from_value::<Interaction>(payload.clone()) {
            bail!(
                "interaction payload does not deserialize as serenity::model::application::Interaction \
                 (serenity would drop it silently): {e}\npayload: {}",
                serde_json::to_string_pretty(&payload).unwrap_or_default()
            );
        }
        let mut payload = payload;
        let cfg = &self.inner.config;
        let obj = payload
            .as_object_mut()
            .ok_or_else(|| anyhow!("interaction payload is not an object"))?;
        obj.insert(
            "application_id".into(),
            json!(cfg.application_id.to_string()),
        );
        let channel_id = id_of(obj.get("channel_id"))
            .ok_or_else(|| anyhow!("interaction without channel_id"))?;
        let guild_id = id_of(obj.get("guild_id"));
        if let Some((g, c)) = cfg.channel(channel_id) {
            if guild_id != Some(g.id) {
                bail!("channel {channel_id} belongs to guild {} but the interaction says guild {guild_id:?}", g.id);
            }
            obj.entry("app_permissions")
                .or_insert_with(|| json!(bot_channel_permissions(c).to_string()));
            let member_perms = obj_member_permissions(obj);
            obj.entry("channel").or_insert_with(|| {
                json!({"id": c.id.to_string(), "type": 0, "name": c.name, "guild_id": g.id.to_string(),
                       "permissions": member_perms, "nsfw": false, "parent_id": null,
                       "flags": 0, "last_message_id": null, "rate_limit_per_user": 0, "topic": null,
                       "position": 0})
            });
        } else if let Some(g) = guild_id {
            if cfg.guild(g).is_none() {
                bail!("interaction for guild {g}, which is not in the fake's config");
            }
            bail!("interaction in channel {channel_id}, which is not a channel of guild {g} in the fake's config");
        }
        if let Err(e) = serde_json::from_value::<Interaction>(payload.clone()) {
            bail!("interaction payload stopped deserializing after the fake filled it in: {e}");
        }
        let id = id_of(payload.get("id")).ok_or_else(|| anyhow!("interaction without id"))?;
        let token = payload["token"].as_str().unwrap_or_default().to_string();
        let kind = payload["type"].as_u64().unwrap_or(0);
        {
            let mut st = self.inner.st();
            if st.interactions.contains_key(&token) {
                bail!("interaction token {token} was already used; build a fresh payload per interaction");
            }
            if guild_id.is_none() {
                if let Some(u) = payload.get("user") {
                    st.dm_channels.insert(channel_id, u.clone());
                }
            }
            if let (Some(g), Some(m)) = (guild_id, payload.get("member")) {
                if let Some(uid) = id_of(m.get("user").and_then(|u| u.get("id"))) {
                    st.members.insert((g, uid), m.clone());
                }
            }
            st.interactions.insert(
                token.clone(),
                InteractionRec {
                    id,
                    token: token.clone(),
                    kind,
                    channel_id,
                    guild_id,
                    sent_at: Instant::now(),
                    acked: None,
                    original: None,
                    resolved_by_followup: None,
                    followup_ids: Vec::new(),
                    source_message: payload.get("message").cloned(),
                    payload: session.map(|_| payload.clone()),
                },
            );
        }
        self.dispatch_to_sessions(guild_id, "INTERACTION_CREATE", payload, 0, false, session)
            .await?;
        Ok(id)
    }

    /// The body of the bot's first successful `POST /interactions/{id}/{token}/callback`. For a
    /// multipart reply: the `payload_json` object with `"_files"` listing the uploads (their
    /// bytes: `interaction_response_recorded(..).files`).
    pub async fn interaction_response(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        Ok(self
            .interaction_response_recorded(interaction_id, timeout)
            .await?
            .body)
    }

    /// Like `interaction_response`, but the whole recorded request (files with bytes included).
    pub async fn interaction_response_recorded(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        // By the callbacks' index, not a scan of every request recorded: a bench sends thousands, and the scan
        // ran on the CPU the bot under measurement shares.
        self.wait_state(
            |st| {
                st.callbacks
                    .get(&interaction_id)
                    .and_then(|&i| st.requests.get(i))
                    .cloned()
            },
            timeout,
            || format!("a successful callback for interaction {interaction_id}"),
        )
        .await
    }

    /// The interaction's `@original` message as the fake currently holds it.
    pub fn original_message(&self, interaction_id: u64) -> Option<Value> {
        self.inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
            .and_then(|i| i.original.clone())
    }

    /// The follow-up that resolved the interaction's deferred message while it was still loading (Discord takes
    /// such a follow-up as `@original`, with the deferral's privacy), as it became `@original` then (it may have
    /// been edited or deleted since); None when no follow-up did.
    pub fn followup_resolution(&self, interaction_id: u64) -> Option<Value> {
        self.inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
            .and_then(|i| i.resolved_by_followup.clone())
    }

    /// What the interaction's answer shows now, as the fake holds it: its `@original` message when its callback
    /// was a message or a deferred one (types 4 and 5; still loading or not), then the follow-ups that became
    /// messages of their own and are not deleted.
    pub fn shown_messages(&self, interaction_id: u64) -> Vec<Value> {
        let st = self.inner.st();
        let Some(rec) = st.interactions.values().find(|i| i.id == interaction_id) else {
            return vec![];
        };
        let original = rec
            .original
            .clone()
            .filter(|_| matches!(rec.acked, Some(4 | 5)));
        original
            .into_iter()
            .chain(
                rec.followup_ids
                    .iter()
                    .filter_map(|mid| st.messages.get(mid).cloned()),
            )
            .collect()
    }

    /// Successful follow-ups (`POST /webhooks/{app}/{token}`) of an interaction, as recorded: each became a
    /// message of its own, or, sent while a deferred message was still loading, that message
    /// ([`Self::followup_resolution`]).
    pub fn followups(&self, interaction_id: u64) -> Vec<Recorded> {
        let Ok(path) = self.webhook_path(interaction_id) else {
            return vec![];
        };
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path && r.is_success())
            .collect()
    }

    /// The first successful follow-up (`POST /webhooks/{app}/{token}`) of an interaction.
    pub async fn wait_followup(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let path = self.webhook_path(interaction_id)?;
        self.wait_request(
            move |r| r.method == "POST" && r.path == path && r.is_success(),
            timeout,
        )
        .await
    }

    /// The first successful edit of an interaction's original message
    /// (`PATCH /webhooks/{app}/{token}/messages/@original`): where a deferred reply arrives.
    pub async fn wait_original_edit(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let path = format!("{}/messages/@original", self.webhook_path(interaction_id)?);
        self.wait_request(
            move |r| r.method == "PATCH" && r.path == path && r.is_success(),
            timeout,
        )
        .await
    }

    /// The first successful message after an interaction's deferral: an edit of its `@original` message or a
    /// follow-up (`POST /webhooks/{app}/{token}`), whichever came first (before a follow-up of another privacy
    /// than the deferral's, the bot's edit of a note into the deferred message: see `support::bot::answer_of`).
    pub async fn wait_deferred_answer(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let path = self.webhook_path(interaction_id)?;
        let original = format!("{path}/messages/@original");
        self.wait_request(
            move |r| {
                r.is_success()
                    && ((r.method == "PATCH" && r.path == original)
                        || (r.method == "POST" && r.path == path))
            },
            timeout,
        )
        .await
    }

    /// `/api/v10/webhooks/{app}/{token}` of an interaction this fake sent.
    fn webhook_path(&self, interaction_id: u64) -> anyhow::Result<String> {
        let token = self
            .inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
            .map(|i| i.token.clone())
            .ok_or_else(|| anyhow!("interaction {interaction_id} was not sent by this fake"))?;
        Ok(format!(
            "/api/v10/webhooks/{}/{token}",
            self.inner.config.application_id
        ))
    }

    /// Validates `payload` as a serenity `Message`, then dispatches MESSAGE_CREATE. Errs if no
    /// connected shard asked for the intent (GUILD_MESSAGES / DIRECT_MESSAGES) that Discord needs
    /// to deliver it. Without MESSAGE_CONTENT, content/embeds/attachments/components are emptied
    /// unless the message mentions the bot or is a DM, as Discord does.
    pub async fn send_message_create(&self, payload: Value) -> anyhow::Result<()> {
        if let Err(e) = serde_json::from_value::<Message>(payload.clone()) {
            bail!(
                "message payload does not deserialize as serenity::model::channel::Message: {e}\npayload: {}",
                serde_json::to_string_pretty(&payload).unwrap_or_default()
            );
        }
        let guild_id = id_of(payload.get("guild_id"));
        let channel_id = id_of(payload.get("channel_id")).unwrap_or(0);
        if let Some(g) = guild_id {
            match self.inner.config.channel(channel_id) {
                Some((cg, _)) if cg.id == g => {},
                _ => bail!("MESSAGE_CREATE in channel {channel_id}, which is not a channel of guild {g} in the config"),
            }
        }
        let bot = self.inner.config.bot_user_id;
        let mentions_bot = payload["mentions"]
            .as_array()
            .is_some_and(|m| m.iter().any(|u| id_of(u.get("id")) == Some(bot)));
        let from_bot = id_of(payload.get("author").and_then(|a| a.get("id"))) == Some(bot);
        self.inner
            .st()
            .messages
            .insert(id_of(payload.get("id")).unwrap_or(0), payload.clone());
        let required = if guild_id.is_some() {
            intents::GUILD_MESSAGES
        } else {
            intents::DIRECT_MESSAGES
        };
        let needs_content_intent = guild_id.is_some() && !mentions_bot && !from_bot;
        self.dispatch_to_guild(
            guild_id,
            "MESSAGE_CREATE",
            payload,
            required,
            needs_content_intent,
        )
        .await
    }
}

fn obj_member_permissions(obj: &Map<String, Value>) -> Value {
    obj.get("member")
        .and_then(|m| m.get("permissions"))
        .cloned()
        .unwrap_or(Value::Null)
}
