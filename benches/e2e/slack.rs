//! `e2e slack …`: `/partnerfit screen` on Slack through the fake Slack — the envelope's acknowledgement and
//! the reply to the command's `response_url`, as percentiles (see the bench's doc).

use super::bot::{Bot, WAIT};
use super::{fake_slack, generate_workspace, report_memory, summary, Plan, BOT_ENV};
use anyhow::{bail, Context as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `/partnerfit screen` on Slack: the acknowledgement and the reply, as percentiles (see the file's doc).
pub(crate) async fn slack_percentiles(dir: &Path, plan: &Plan) -> anyhow::Result<()> {
    use fake_slack::{FakeSlack, ADMIN_USER_ID, PARTNERS_CHANNEL_ID, TEAM_ID};
    let url = format!("sqlite://{}", dir.join("slack.db").display());
    let names = generate_workspace(&url, &format!("slack:{TEAM_ID}"), plan.partners).await?;
    let fake = FakeSlack::start().await?;
    let log = std::fs::File::create(dir.join("slack-bot.log"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    cmd.current_dir(dir)
        .args(["--database", &url, "run"])
        .env_remove("DISCORD_TOKEN")
        .env_remove("PARTNERFIT_CONFIG")
        .env("SLACK_BOT_TOKEN", fake_slack::BOT_TOKEN)
        .env("SLACK_APP_TOKEN", fake_slack::APP_TOKEN)
        .env("PARTNERFIT_SLACK_API_URL", fake.api_url())
        .envs(BOT_ENV.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    let bot = Bot {
        child: cmd.spawn()?,
        log: dir.join("slack-bot.log"),
    };
    if let Err(e) = fake.wait_connected(WAIT).await {
        bail!("the Slack bot never connected: {e}\n{}", bot.log_text());
    }
    let one = |i: usize| {
        let fake = fake.clone();
        let name = names[i.wrapping_mul(7919) % names.len()].clone();
        async move {
            let text = format!("screen partner:\"{}\"", name.replace('"', "\\\""));
            let (eid, rid) = fake.slash(ADMIN_USER_ID, PARTNERS_CHANNEL_ID, &text);
            let reply = fake.response(rid, 1, WAIT).await?;
            // The reply may arrive before the acknowledgement is read: both are awaited.
            fake.ack(&eid, WAIT).await?;
            if !fake_slack::header_of(&reply.blocks).is_some_and(|h| h.contains(name.as_str())) {
                bail!(
                    "/partnerfit {text} did not answer with its card: {}",
                    reply.body
                );
            }
            let (ack, answered) = fake.latencies(&eid, rid).context("no timings recorded")?;
            anyhow::Ok((ack, answered))
        }
    };
    for i in 0..plan.warmup.max(1) {
        one(i).await?;
    }
    for (label, gap, n) in [
        ("back to back", Duration::ZERO, plan.samples),
        ("spaced", plan.gap, plan.spaced),
    ] {
        let (mut acks, mut replies) = (Vec::new(), Vec::new());
        for i in 0..n {
            if !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            let (a, r) = one(1_000 + i).await?;
            acks.push(a);
            replies.push(r);
        }
        eprintln!(
            "e2e slack ack: envelope sent -> acknowledged, {label}: {}",
            summary(acks)
        );
        eprintln!(
            "e2e slack screen: envelope sent -> response_url reply received, {label}: {}",
            summary(replies)
        );
    }
    report_memory(bot.pid(), "Slack bot RSS (after the percentiles)")?;
    let code = bot.terminate().await;
    if code != Some(0) {
        eprintln!("e2e: warning: the Slack bot exited with {code:?} on SIGTERM");
    }
    fake.shutdown().await;
    Ok(())
}
