//! Slack Connect: a channel shared with another organisation — very often a partner — brings its people's
//! commands, mentions, buttons and forms to the bot, their payloads naming their own team. The real bot
//! against the fake Slack: an admin of the other organisation (`is_admin` in their `users.info`, with their
//! own `team_id`) gets one short refusal for everything, privately, that shows none of our data and changes
//! nothing, while our admin still leads; and every request acts on (and is counted under) the workspace of
//! the team the app is installed in, whatever team its payload names.

use crate::support::bot::{Bot, WAIT};
use crate::support::fake_slack::web::{external_admin, EXTERNAL_ADMIN_USER_ID, EXTERNAL_TEAM_ID};
use crate::support::fake_slack::*;
use crate::support::slack_bot::{buttons, header, is_ephemeral, slash, start, text};
use serde_json::{json, Value};

/// What someone of another team is told, whatever they ask.
const REFUSAL: &str = "partnerfit answers members of this workspace only.";

/// A fake Slack whose #partners is shared with another organisation, and the real bot connected to it.
struct Harness {
    fake: FakeSlack,
    bot: Bot,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Harness {
        let fake = FakeSlack::start().await.unwrap();
        fake.edit_workspace(|ws| {
            let olga = external_admin();
            ws.users.insert(olga.id.clone(), olga);
            if let Some(c) = ws.channels.get_mut(PARTNERS_CHANNEL_ID) {
                c.members.push(EXTERNAL_ADMIN_USER_ID.into());
            }
        });
        let dir = tempfile::tempdir().unwrap();
        // JSON lines: each interaction's event is read back from the log.
        let bot = start(&fake, dir.path(), &[("PARTNERFIT_LOG_FORMAT", "json")]);
        let h = Harness {
            fake,
            bot,
            _dir: dir,
        };
        if let Err(e) = h.fake.wait_connected(WAIT).await {
            panic!("{e}; bot log:\n{}", h.bot.log_text());
        }
        h
    }

    /// As our workspace admin; the reply must not be an error notice.
    async fn lead(&self, line: &str) -> Posted {
        let r = slash(&self.fake, ADMIN_USER_ID, line).await;
        assert!(
            !r.text.starts_with('⚠'),
            "/partnerfit {line} -> {}",
            text(&r)
        );
        r
    }

    /// `/partnerfit <line>` by `user` in the shared #partners, the payload naming `team` (Slack names the
    /// caller's own team for someone of another organisation): the reply to its response URL.
    async fn slash_from(&self, team: &str, user: &str, line: &str) -> Posted {
        let rid = self.fake.inner.next();
        let mut payload = slash_payload(
            user,
            PARTNERS_CHANNEL_ID,
            "/partnerfit",
            line,
            rid,
            &self.fake.base_url(),
        );
        payload["team_id"] = json!(team);
        payload["team_domain"] = json!("partner-org");
        let eid = self.fake.send_envelope("slash_commands", payload, true);
        self.fake.ack(&eid, WAIT).await.unwrap();
        self.fake
            .response(rid, 1, WAIT)
            .await
            .unwrap_or_else(|e| panic!("/partnerfit {line}: {e}\n{}", self.bot.log_text()))
    }

    /// An `app_mention` in the shared #partners by someone of the other organisation, as Slack delivers
    /// it there: the envelope and the event name their team, the authorization ours.
    fn external_mention(&self, question: &str) -> String {
        let ts = format!("{}.000100", 1_700_000_000 + self.fake.inner.next());
        let payload = json!({
            "token": "legacy-verification-token",
            "team_id": EXTERNAL_TEAM_ID,
            "context_team_id": EXTERNAL_TEAM_ID,
            "api_app_id": APP_ID,
            "event": {
                "type": "app_mention", "user": EXTERNAL_ADMIN_USER_ID,
                "text": format!("<@{BOT_USER_ID}> {}", slack_escape(question)),
                "ts": ts, "channel": PARTNERS_CHANNEL_ID, "event_ts": ts,
                "team": EXTERNAL_TEAM_ID, "user_team": EXTERNAL_TEAM_ID, "source_team": EXTERNAL_TEAM_ID,
            },
            "type": "event_callback",
            "event_id": format!("Ev{}", self.fake.inner.next()),
            "event_time": 1_700_000_000,
            "authorizations": [{"enterprise_id": null, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": true, "is_enterprise_install": false}],
            "is_ext_shared_channel": true,
            "event_context": "4-fake-connect",
        });
        self.fake.send_envelope("events_api", payload, false)
    }

    async fn profile_and_partner(&self) {
        for line in [
            r#"profile create type:reseller name:"Resellers" joint_solution:"They resell our platform""#,
            r#"profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
            r#"profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25"#,
            r#"partner add name:"Acme Corp" type:reseller"#,
        ] {
            self.lead(line).await;
        }
    }
}

/// A refusal for the caller alone, saying who may.
fn refused(r: &Posted, who: &str) {
    assert!(
        is_ephemeral(r) && text(r).contains(&format!("Only {who}")),
        "expected a refusal for {who}: {}",
        text(r)
    );
}

/// The one refusal for someone of another team, for them alone, with nothing of ours in it: no partner, no
/// verdict, no button.
fn outsider_refused(r: &Posted) {
    let t = text(r);
    assert!(
        is_ephemeral(r) && t.contains(REFUSAL),
        "expected the refusal: {t}"
    );
    assert!(!t.contains("Acme"), "no partner data: {t}");
    assert!(buttons(r).is_empty(), "no buttons: {t}");
    assert!(r.pings.is_empty(), "nothing pings: {t}");
}

#[tokio::test]
async fn an_admin_of_another_organisation_is_refused_everything_and_ours_still_leads() {
    let h = Harness::start().await;
    h.profile_and_partner().await;
    let settle = r#"settings set key:allocation_target value:0.5"#;
    let hers = r#"settings set key:allocation_target value:0.35"#;
    // Whichever team the payload names, Olga is not of ours: her admin flag is about her organisation. She
    // is refused writes, reads — her screening of a partner of ours shows no verdict — and the help alike.
    let lines = [
        hers,
        r#"profile create type:si name:"SIs" joint_solution:"x""#,
        r#"partner add name:"Olga Co" type:si"#,
        r#"screen partner:"Acme Corp""#,
        "partner list",
        "does Acme Corp fit?",
        "",
    ];
    let mut asked = 0;
    for team in [TEAM_ID, EXTERNAL_TEAM_ID] {
        for line in lines {
            let r = h.slash_from(team, EXTERNAL_ADMIN_USER_ID, line).await;
            outsider_refused(&r);
            assert!(
                header(&r).is_empty(),
                "/partnerfit {line}: no card: {}",
                text(&r)
            );
            asked += 1;
        }
    }
    // A member of ours is refused the lead's action as before.
    let r = slash(&h.fake, MEMBER_USER_ID, settle).await;
    refused(&r, "leads");
    // Our admin still leads; nothing Olga sent was recorded.
    let r = h.lead("settings show").await;
    assert!(
        text(&r).contains("*allocation_target*") && !text(&r).contains("35%"),
        "{}",
        text(&r)
    );
    h.lead(settle).await;
    let r = h.lead("settings show").await;
    assert!(
        text(&r).contains("*allocation_target*\n50%"),
        "{}",
        text(&r)
    );
    let r = h.lead("profile list").await;
    assert!(!text(&r).contains("SIs"), "{}", text(&r));

    // A payload naming the other team acts on our workspace: our admin, writing in a channel hosted by the
    // other organisation, adds to our roster.
    let r = h
        .slash_from(
            EXTERNAL_TEAM_ID,
            ADMIN_USER_ID,
            r#"partner add name:"Beta Corp" type:si"#,
        )
        .await;
    assert_eq!(
        header(&r),
        "Added Beta Corp (si) as a prospect",
        "{}",
        text(&r)
    );
    let r = slash(&h.fake, MEMBER_USER_ID, "partner list").await;
    assert!(
        text(&r).contains("Beta Corp") && !text(&r).contains("Olga Co"),
        "{}",
        text(&r)
    );
    assert!(
        h.fake.posted().iter().all(|p| p.pings.is_empty()),
        "nothing pings"
    );

    // Every interaction is counted under our workspace, hers as refused, with no role of ours.
    let Harness { bot, _dir, .. } = h;
    let log_path = bot.log.clone();
    assert_eq!(bot.terminate().await, Some(0));
    let log = std::fs::read_to_string(&log_path).unwrap();
    let events: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["fields"]["message"] == "interaction")
        .map(|e| e["fields"].clone())
        .collect();
    assert!(
        !events.is_empty()
            && events
                .iter()
                .all(|e| e["workspace"] == format!("slack:{TEAM_ID}")),
        "{events:?}"
    );
    let refused_her = events
        .iter()
        .filter(|e| e["role"] == "none" && e["outcome"] == "refused")
        .count();
    assert_eq!(refused_her, asked, "{events:?}");
    assert!(!log.contains(EXTERNAL_TEAM_ID), "{log}");
}

#[tokio::test]
async fn buttons_forms_and_mentions_from_another_organisation_are_refused() {
    let h = Harness::start().await;
    h.profile_and_partner().await;
    let card = h.lead(r#"screen partner:"Acme Corp""#).await;
    let b = buttons(&card);
    assert!(!b.is_empty(), "the card offers the evidence form: {b:?}");

    // Her press of a button opens nothing and answers only the refusal.
    let (_, rid) = h
        .fake
        .press(EXTERNAL_ADMIN_USER_ID, &card, &b[0].0)
        .unwrap();
    let r = h.fake.response(rid, 1, WAIT).await.unwrap();
    outsider_refused(&r);
    assert!(
        h.fake.views().is_empty(),
        "no form opened: {:?}",
        h.fake.views()
    );

    // A form (opened by our member): her typing in its menus is offered none of our partners...
    let (eid, _) = h
        .fake
        .slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "evidence add");
    h.fake.ack(&eid, WAIT).await.unwrap();
    let view = h.fake.view(1, WAIT).await.unwrap();
    let s = h
        .fake
        .suggest(EXTERNAL_ADMIN_USER_ID, &view, "partner", "ac")
        .unwrap();
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(ack["payload"]["options"], json!([]), "{ack}");
    // ... and her submission records nothing: the refusal stays on the form.
    let pick = |v: &str| json!({"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": v}, "value": v}});
    let values = json!({"partner": {"partner": pick("Acme Corp")}, "trait": {"trait": pick("Deal registration")},
        "met": {"met": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "yes — met"}, "value": "true"}}},
        "source": {"source": {"type": "plain_text_input", "value": "from olga"}}});
    let s = h.fake.submit(EXTERNAL_ADMIN_USER_ID, &view, values);
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(
        ack["payload"]["response_action"],
        "errors",
        "{ack}\n{}",
        h.bot.log_text()
    );
    let error = ack["payload"]["errors"]["partner"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains(REFUSAL), "{ack}");
    let r = h.lead(r#"evidence list partner:"Acme Corp""#).await;
    assert!(!text(&r).contains("from olga"), "{}", text(&r));

    // Her mention, its envelope naming her team, is answered with the refusal alone, to her, in its
    // thread: no screening of Acme Corp in the channel.
    let before = h.fake.posted().len();
    let e = h.external_mention("does Acme Corp fit the olga-plan?");
    h.fake.ack(&e, WAIT).await.unwrap();
    let answer = h
        .fake
        .wait_ephemeral("the mention's refusal", EXTERNAL_ADMIN_USER_ID, WAIT)
        .await;
    let t = all_text(&answer);
    assert!(t.contains(REFUSAL) && !t.contains("Acme"), "{t}");
    assert!(
        answer.body["thread_ts"].is_string(),
        "in the thread: {:?}",
        answer.body
    );
    assert!(answer.pings.is_empty(), "nothing pings: {t}");
    let after: Vec<Posted> = h.fake.posted().into_iter().skip(before).collect();
    assert!(
        after.iter().all(|p| p.kind != PostKind::Message),
        "nothing posted in the channel: {after:?}"
    );
    assert!(
        h.fake.posted().iter().all(|p| p.pings.is_empty()),
        "nothing pings"
    );
    let log = h.bot.log_text();
    for typed in ["from olga", "olga-plan"] {
        assert!(
            !log.contains(typed),
            "what she typed is not logged: {typed}"
        );
    }
}
