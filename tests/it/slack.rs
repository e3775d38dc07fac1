//! The real bot on Slack: `partnerfit run` with Slack tokens against the fake Slack (Socket Mode and Web API
//! on 127.0.0.1) — every command group, help, a parse error, a refusal, mention injection, the evidence form
//! with its autocomplete, the buttons, a mention question, digests, a socket refresh, a rate limit, tokens.

use crate::support::bot::{Bot, WAIT};
use crate::support::fake_slack::*;
use crate::support::slack_bot::{buttons, header, is_ephemeral, slash, start, text};
use serde_json::{json, Value};

/// A fake Slack and the real bot connected to it.
struct Harness {
    fake: FakeSlack,
    bot: Bot,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn start(extra_env: &[(&str, &str)]) -> Harness {
        let fake = FakeSlack::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bot = start(&fake, dir.path(), extra_env);
        let h = Harness { fake, bot, dir };
        if let Err(e) = h.fake.wait_connected(WAIT).await {
            panic!("{e}; bot log:\n{}", h.bot.log_text());
        }
        h
    }

    async fn as_user(&self, user: &str, text: &str) -> Posted {
        slash(&self.fake, user, text).await
    }

    /// As the workspace admin (a lead); the reply must not be an error notice.
    async fn lead(&self, text: &str) -> Posted {
        let r = self.as_user(ADMIN_USER_ID, text).await;
        assert!(
            !r.text.starts_with('⚠'),
            "/partnerfit {text} -> {}",
            crate::support::slack_bot::text(&r)
        );
        r
    }

    async fn profile(&self) {
        for line in [
            r#"profile create type:reseller name:"Resellers" joint_solution:"They resell our platform""#,
            r#"profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
            r#"profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25"#,
            r#"profile trait add type:reseller name:"Named champion" verify_by:"call with the regional director""#,
        ] {
            self.lead(line).await;
        }
    }
}

#[tokio::test]
async fn every_command_group_answers_from_slack_and_nothing_typed_pings() {
    let h = Harness::start(&[]).await;
    h.profile().await;
    // every command group
    let r = h
        .lead(r#"partner add name:"Acme Corp" type:reseller champion:"Dana""#)
        .await;
    assert_eq!(header(&r), "Added Acme Corp (reseller) as a prospect");
    assert!(!is_ephemeral(&r), "a result is shown in the channel");
    h.lead(r#"evidence add partner:"Acme Corp" trait:"Deal registration" met:true source:"crm""#)
        .await;
    h.lead(r#"log hours partner:"Acme Corp" hours:6 week:2026-W10"#)
        .await;
    h.lead(r#"outcome add partner:"Acme Corp" kind:sourced-pipeline amount:12000 date:2026-03-02"#)
        .await;
    let r = h
        .lead(r#"settings set key:allocation_target value:0.75"#)
        .await;
    assert!(
        text(&r).contains("*allocation_target*\n75%"),
        "{}",
        text(&r)
    );
    let r = h.lead("schedule show").await;
    assert_eq!(header(&r), "Digest schedules");
    let r = h.lead("digest weekly week:2026-W10").await;
    assert!(is_ephemeral(&r), "a digest preview is private");
    assert!(text(&r).contains("6 h"), "{}", text(&r));
    let r = h.lead(r#"screen partner:"Acme Corp""#).await;
    assert!(header(&r).contains("Acme Corp"), "{}", header(&r));
    assert!(text(&r).contains("incomplete"), "{}", text(&r));
    // help names the Slack command
    let r = h.lead("help").await;
    assert!(text(&r).contains("/partnerfit screen"), "{}", text(&r));
    let r = h.lead("").await;
    assert!(
        text(&r).contains("/partnerfit screen"),
        "an empty command is help"
    );

    // a line that does not parse, an unknown subcommand: the console's errors, privately
    let r = h.as_user(ADMIN_USER_ID, r#"screen partner:"Acme"#).await;
    assert!(
        is_ephemeral(&r) && text(&r).contains("unbalanced quote"),
        "{}",
        text(&r)
    );
    let r = h.as_user(ADMIN_USER_ID, "partner frobnicate").await;
    assert!(
        is_ephemeral(&r) && text(&r).contains("unknown command"),
        "{}",
        text(&r)
    );
    // a file command cannot come from Slack
    let r = h
        .as_user(ADMIN_USER_ID, "import what:partners file:/etc/passwd")
        .await;
    assert!(
        is_ephemeral(&r)
            && r.text
                == "⚠ /partnerfit import takes a file, which Slack commands cannot carry: run \
                    `partnerfit --workspace slack:T0FAKE01 import partners FILE.csv` on the server instead.",
        "{}",
        text(&r)
    );

    // roles: a guest account is read only; a member may add but not sign; a group lead may sign
    let r = h
        .as_user(GUEST_USER_ID, r#"partner add name:"Guest Co" type:si"#)
        .await;
    assert!(
        is_ephemeral(&r) && text(&r).contains("Only members"),
        "{}",
        text(&r)
    );
    let r = h
        .as_user(GUEST_USER_ID, r#"screen partner:"Acme Corp""#)
        .await;
    assert!(header(&r).contains("Acme Corp"), "a guest may screen");
    let r = h
        .as_user(MEMBER_USER_ID, r#"partner add name:"Member Co" type:si"#)
        .await;
    assert_eq!(
        header(&r),
        "Added Member Co (si) as a prospect",
        "a member may add: {}",
        text(&r)
    );
    let r = h
        .as_user(
            MEMBER_USER_ID,
            r#"partner sign partner:"Member Co" date:2026-03-01"#,
        )
        .await;
    assert!(
        text(&r).contains("Only leads (workspace admins and owners"),
        "{}",
        text(&r)
    );
    let r = h
        .as_user(
            GROUP_LEAD_USER_ID,
            r#"partner sign partner:"Member Co" date:2026-03-01"#,
        )
        .await;
    assert!(
        text(&r).contains("Only leads"),
        "not a lead before the group is set: {}",
        text(&r)
    );
    h.lead(&format!(
        "settings roles lead:<!subteam^{LEADS_GROUP_ID}|@leads>"
    ))
    .await;
    let r = h
        .as_user(
            GROUP_LEAD_USER_ID,
            r#"partner sign partner:"Member Co" date:2026-03-01"#,
        )
        .await;
    assert_eq!(
        header(&r),
        "Signed Member Co on 2026-03-01",
        "a lead through the group: {}",
        text(&r)
    );
    let r = h.lead(r#"partner show partner:"Member Co""#).await;
    assert!(
        header(&r).starts_with("Member Co — si signed — ")
            && text(&r).contains("signed 2026-03-01"),
        "{}",
        text(&r)
    );

    // injection: mentions typed into names and notes arrive as text
    let evil = "<!channel> <@U0MEMBER1> <!subteam^S0REVIEW1>";
    h.lead(&format!(
        r#"partner add name:"{evil} Corp" type:reseller note:"<!here> & <!everyone>""#
    ))
    .await;
    let r = h
        .lead(&format!(r#"partner show partner:"{evil} Corp""#))
        .await;
    assert!(text(&r).contains("&lt;!channel&gt;"), "{}", text(&r));
    let e = h.fake.mention(
        MEMBER_USER_ID,
        PARTNERS_CHANNEL_ID,
        &format!("does {evil} Corp fit?"),
    );
    h.fake.ack(&e, WAIT).await.unwrap();
    let answered = h
        .fake
        .wait_posted("the mention's answer", 1, WAIT, |p| {
            p.kind == PostKind::Message && p.body["thread_ts"].is_string()
        })
        .await
        .unwrap();
    assert!(
        header_of(&answered[0].blocks).unwrap().contains("Corp"),
        "{:?}",
        answered[0].blocks
    );
    for p in h.fake.posted() {
        assert!(p.pings.is_empty(), "{:?} pings {:?}", p.kind, p.pings);
    }

    // an envelope type the bot does not know is acknowledged and ignored
    let eid = h
        .fake
        .send_envelope("brand_new_kind", json!({"x": 1}), false);
    h.fake.ack(&eid, WAIT).await.unwrap();
    let r = h.lead("schedule show").await;
    assert_eq!(header(&r), "Digest schedules", "still answering");
    assert!(
        h.fake.stray_frames().is_empty(),
        "{:?}",
        h.fake.stray_frames()
    );
    assert!(
        !h.bot.log_text().contains("xoxb-"),
        "the token is never logged"
    );
    drop(h.dir);
}

#[tokio::test]
async fn the_evidence_form_completes_names_and_records() {
    let h = Harness::start(&[]).await;
    h.profile().await;
    h.lead(r#"partner add name:"Acme Corp" type:reseller"#)
        .await;
    h.lead(r#"partner add name:"Acorn Labs" type:reseller"#)
        .await;
    // `evidence add` alone opens the form
    let (eid, _) = h
        .fake
        .slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "evidence add");
    h.fake.ack(&eid, WAIT).await.unwrap();
    let view = h.fake.view(1, WAIT).await.unwrap();
    assert_eq!(view["callback_id"], "evidence_add");
    // the partner menu completes what is typed, from this workspace
    let s = h
        .fake
        .suggest(MEMBER_USER_ID, &view, "partner", "ac")
        .unwrap();
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    validation::suggestion_response(&ack["payload"]).unwrap();
    // (label, value): the option carries the partner's id, never its name
    let options = |ack: &Value| crate::support::slack_bot::option_pairs(&ack["payload"]["options"]);
    let partners = options(&ack);
    assert_eq!(
        partners,
        [
            ("Acme Corp".to_string(), "1".to_string()),
            ("Acorn Labs".to_string(), "2".to_string())
        ]
    );
    // the trait menu lists the active profiles' traits, with their type, by id (Slack's suggestion payload,
    // as slack-morphism reads it, carries no form state: the partner chosen so far is not known)
    let mut typed = view.clone();
    typed["state"] = json!({"values": {"partner": {"partner": {"type": "external_select", "selected_option": {"value": "1"}}}}});
    let s = h.fake.suggest(MEMBER_USER_ID, &typed, "trait", "").unwrap();
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    let traits = options(&ack);
    let names: Vec<&str> = traits.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        names,
        [
            "Deal registration (reseller)",
            "Customer overlap (reseller)",
            "Named champion (reseller)"
        ]
    );
    assert!(
        traits.iter().all(|(_, v)| v.parse::<i64>().is_ok()),
        "{traits:?}"
    );
    let overlap = traits[1].1.clone();
    // a bad value keeps the form open with the reason
    let pick = |label: &str, id: &str| json!({"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": label}, "value": id}});
    let bad = json!({"partner": {"partner": pick("Acme Corp", "1")}, "trait": {"trait": pick("Customer overlap (reseller)", &overlap)}, "value": {"value": {"type": "plain_text_input", "value": "lots"}}});
    let s = h.fake.submit(MEMBER_USER_ID, &view, bad);
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(
        ack["payload"]["errors"]["partner"]
            .as_str()
            .unwrap()
            .contains("lots"),
        "{ack}"
    );
    // a good one closes it and tells the member privately
    let good = json!({"partner": {"partner": pick("Acme Corp", "1")}, "trait": {"trait": pick("Customer overlap", &overlap)},
        "value": {"value": {"type": "plain_text_input", "value": "31"}}, "source": {"source": {"type": "plain_text_input", "value": "overlap report"}}});
    let s = h.fake.submit(MEMBER_USER_ID, &view, good);
    let ack = h.fake.ack(&s, WAIT).await.unwrap();
    assert!(
        ack.get("payload")
            .is_none_or(|p| p.get("response_action").is_none()),
        "{ack}"
    );
    let notice = h
        .fake
        .wait_ephemeral("the private confirmation", MEMBER_USER_ID, WAIT)
        .await;
    assert!(
        all_text(&notice).contains("Customer overlap"),
        "{}",
        all_text(&notice)
    );
    let r = h.lead(r#"evidence list partner:"Acme Corp""#).await;
    assert!(
        text(&r).contains("overlap report") && text(&r).contains("31"),
        "{}",
        text(&r)
    );

    // the screening card's buttons open the form for the next trait to verify, pre-filled
    let card = h.lead(r#"screen partner:"Acme Corp""#).await;
    let b = buttons(&card);
    assert_eq!(b.len(), 2, "{b:?}");
    assert!(b[0].1.contains("Deal registration"), "{b:?}");
    h.fake.press(MEMBER_USER_ID, &card, &b[0].0).unwrap();
    let view = h.fake.view(2, WAIT).await.unwrap();
    assert_eq!(view["blocks"][0]["element"]["initial_option"]["value"], "1");
    assert_eq!(
        view["blocks"][0]["element"]["initial_option"]["text"]["text"],
        "Acme Corp"
    );
    assert_eq!(
        view["blocks"][1]["element"]["initial_option"]["text"]["text"],
        "Deal registration"
    );
    // a guest's press opens nothing
    let (_, rid) = h.fake.press(GUEST_USER_ID, &card, &b[0].0).unwrap();
    let r = h.fake.response(rid, 1, WAIT).await.unwrap();
    assert!(all_text(&r).contains("Only members"), "{}", all_text(&r));
    assert_eq!(h.fake.views().len(), 2);

    // long lists page with buttons that carry the list, not a command
    for i in 0..20 {
        h.lead(&format!(r#"partner add name:"Partner {i:02}" type:si"#))
            .await;
    }
    let list = h.lead("partner list").await;
    assert!(text(&list).contains("page 1 of 2"), "{}", text(&list));
    let b = buttons(&list);
    assert_eq!(b.len(), 1, "only Next on page 1: {b:?}");
    let (_, rid) = h.fake.press(MEMBER_USER_ID, &list, &b[0].0).unwrap();
    let page2 = h.fake.response(rid, 1, WAIT).await.unwrap();
    assert_eq!(page2.body["replace_original"], true);
    assert!(
        all_text(&page2).contains("page 2 of 2"),
        "{}",
        all_text(&page2)
    );
}

#[tokio::test]
async fn a_name_that_could_mean_several_partners_offers_a_button_per_partner() {
    let h = Harness::start(&[]).await;
    h.profile().await;
    h.lead(r#"partner add name:"Acme Corp" type:reseller"#)
        .await;
    h.lead(r#"partner add name:"Acme Consulting" type:reseller"#)
        .await;
    // A guest may screen, so a guest gets the buttons: one per candidate, carrying its id (1 and 2).
    let choice = h.as_user(GUEST_USER_ID, "screen partner:Acme").await;
    assert_eq!(header(&choice), "Acme — which partner?");
    let b = buttons(&choice);
    assert_eq!(
        b,
        [
            (
                "act:0".to_string(),
                "Screen Acme Consulting".to_string(),
                "screen:2".to_string()
            ),
            (
                "act:1".to_string(),
                "Screen Acme Corp".to_string(),
                "screen:1".to_string()
            )
        ]
    );
    let (_, rid) = h.fake.press(GUEST_USER_ID, &choice, "act:1").unwrap();
    let screened = h.fake.response(rid, 1, WAIT).await.unwrap();
    assert_eq!(header(&screened), "Acme Corp — 🟡 incomplete");
    assert_eq!(screened.body["response_type"], "in_channel");
    assert_ne!(screened.body["replace_original"], true, "the choice stays");
}
