//! Running the real `partnerfit run` binary against the fake Slack (and, for both platforms in one
//! process, the fake Discord too).

use super::bot::{db_url, Bot, WAIT};
use super::fake_slack::{FakeSlack, Posted, ADMIN_USER_ID, APP_TOKEN, BOT_TOKEN};
use serde_json::Value;
use std::path::Path;

/// The environment that points the bot at `fake` with the fake's tokens.
pub fn slack_env(fake: &FakeSlack) -> Vec<(String, String)> {
    vec![
        ("SLACK_BOT_TOKEN".into(), BOT_TOKEN.into()),
        ("SLACK_APP_TOKEN".into(), APP_TOKEN.into()),
        ("PARTNERFIT_SLACK_API_URL".into(), fake.api_url()),
    ]
}

/// Start `partnerfit --database <dir>/bot.db run` on Slack only, with `extra_env` on top.
pub fn start(fake: &FakeSlack, dir: &Path, extra_env: &[(&str, &str)]) -> Bot {
    let db = db_url(dir);
    let mut env = slack_env(fake);
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    spawn(dir, &db, &env)
}

/// Start the binary with exactly this environment (no Discord token).
pub fn spawn(dir: &Path, db: &str, env: &[(String, String)]) -> Bot {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    Bot::spawn(dir, db, &[], &env)
}

/// `/partnerfit <text>` by `user` in #partners: the reply posted to its response URL (after checking the
/// command was acknowledged).
pub async fn slash(fake: &FakeSlack, user: &str, text: &str) -> Posted {
    let (eid, rid) = fake.slash(user, super::fake_slack::PARTNERS_CHANNEL_ID, text);
    fake.ack(&eid, WAIT).await.unwrap();
    fake.response(rid, 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("/partnerfit {text}: {e}"))
}

/// The header of a reply.
pub fn header(p: &Posted) -> String {
    super::fake_slack::header_of(&p.blocks).unwrap_or_default()
}

pub fn is_ephemeral(p: &Posted) -> bool {
    p.body["response_type"] == "ephemeral"
}

/// Every text of a reply, joined.
pub fn text(p: &Posted) -> String {
    super::fake_slack::all_text(p)
}

/// The buttons of a message: (action_id, label, value).
pub fn buttons(p: &Posted) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for b in p.blocks.as_array().into_iter().flatten() {
        for e in b["elements"].as_array().into_iter().flatten() {
            if e["type"] == "button" {
                let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
                out.push((s(&e["action_id"]), s(&e["text"]["text"]), s(&e["value"])));
            }
        }
    }
    out
}

/// `/partnerfit {line}` as the workspace's admin (a lead), which must not be refused: its reply.
pub async fn lead(fake: &FakeSlack, line: &str) -> Posted {
    let r = slash(fake, ADMIN_USER_ID, line).await;
    assert!(
        !r.text.starts_with('⚠'),
        "/partnerfit {line} -> {}",
        text(&r)
    );
    r
}

/// The two profiles the form tests screen against, created by a lead: resellers (Deal registration, a yes/no
/// trait; Customer overlap, at least 25) and integrators (Certified staff).
pub async fn two_profiles(fake: &FakeSlack) {
    for line in [
        r#"profile create type:reseller name:"Resellers" joint_solution:"They resell our platform""#,
        r#"profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
        r#"profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25"#,
        r#"profile create type:si name:"Integrators" joint_solution:"They build on us""#,
        r#"profile trait add type:si name:"Certified staff" verify_by:"partner portal""#,
    ] {
        lead(fake, line).await;
    }
}

/// The (label, value) pairs of a list of Block Kit options (a menu's, or an acknowledgement's `options`).
pub fn option_pairs(options: &Value) -> Vec<(String, String)> {
    options
        .as_array()
        .unwrap_or_else(|| panic!("not a list of options: {options}"))
        .iter()
        .map(|o| {
            (
                o["text"]["text"].as_str().unwrap_or_default().to_string(),
                o["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
