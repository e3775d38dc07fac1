//! [`Chat`] on Slack: whether the bot can post in a channel (it must be a member: `conversations.info`), and
//! posting a digest — Block Kit through `chat.postMessage`, or, with a chart, the chart uploaded through
//! Slack's external upload flow and shared with the digest's blocks as one message
//! (`files.getUploadURLExternal`, the upload URL, `files.completeUploadExternal`).

use super::api::{Api, ApiError};
use super::render;
use crate::app::chat::{Chat, Platform, Post, PostError};

#[derive(Debug, Clone)]
pub struct SlackChat {
    pub api: Api,
}

/// A failed call as the scheduler sees it: what will not change by retrying is final.
pub fn classify(e: ApiError) -> PostError {
    match e {
        ApiError::Auth(c) => PostError::Forbidden(format!("Slack refused the bot token ({c})")),
        ApiError::Refused(c) => PostError::Forbidden(reason(&c)),
        ApiError::Transient(t) => PostError::Transient(t),
    }
}

/// Slack's error code in words, with what to do.
pub fn reason(code: &str) -> String {
    match code {
        "not_in_channel" => "I am not a member of that channel".into(),
        "channel_not_found" => {
            "that channel does not exist, or it is private and I am not in it".into()
        }
        "is_archived" => "that channel is archived".into(),
        "missing_scope" => {
            "the Slack app lacks a permission (reinstall it from deploy/slack-app-manifest.yaml)"
                .into()
        }
        other => format!("Slack answered {other}"),
    }
}

#[async_trait::async_trait]
impl Chat for SlackChat {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn check_can_post(&self, _workspace: &str, channel_id: &str) -> Result<(), PostError> {
        match self.api.channel(channel_id).await {
            Ok(c) if c.is_member => Ok(()),
            Ok(c) => Err(PostError::Forbidden(format!(
                "I am not a member of #{}",
                c.name
            ))),
            Err(e) => Err(classify(e)),
        }
    }

    /// A bot token belongs to one Slack team: every channel it can see is of that team's workspace.
    async fn check_channel(&self, _workspace: &str, channel_id: &str) -> Result<(), PostError> {
        self.api
            .channel(channel_id)
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError> {
        let to = render::To {
            command: self.api.slash_command(),
        };
        let msg = render::message(post.card, 0, &[], None, to);
        if post.card.files.is_empty() {
            let mut body = msg.body();
            body["channel"] = channel_id.into();
            body["unfurl_links"] = false.into();
            let r = self
                .api
                .post("chat.postMessage", &body)
                .await
                .map_err(classify)?;
            return Ok(r["ts"].as_str().unwrap_or_default().to_string());
        }
        // Check before uploading: an upload the bot cannot share is wasted.
        self.check_can_post("", channel_id).await?;
        let mut files = Vec::new();
        for f in &post.card.files {
            let id = self.api.upload(&f.name, &f.bytes).await.map_err(classify)?;
            files.push((id, f.name.clone()));
        }
        self.api
            .complete_uploads(&files, channel_id, &msg.blocks)
            .await
            .map_err(classify)?;
        Ok(files
            .first()
            .map(|(id, _)| format!("file:{id}"))
            .unwrap_or_default())
    }
}
