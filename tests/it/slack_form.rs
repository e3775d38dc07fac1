//! The evidence form's trait menu follows the partner picked: picking a partner in a form opened by
//! `/partnerfit evidence add` sends a `block_actions` from the view, and the bot updates the form
//! (`views.update`, with the view's id and hash) so that its trait menu lists that partner's active
//! profile's traits only, by id — or says there are none, and a submission is refused.

use crate::support::bot::WAIT;
use crate::support::fake_slack::*;
use crate::support::slack_bot::{lead, slash, start, text, two_profiles};
use serde_json::{json, Value};

/// The block `id` of a view.
fn block<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == id)
        .unwrap_or_else(|| panic!("no block {id} in {view}"))
}

/// The (label, value) options of the trait menu of `view`, which must be a static select.
fn trait_options(view: &Value) -> Vec<(String, String)> {
    let e = &block(view, "trait")["element"];
    assert_eq!(e["type"], "static_select", "{view}");
    crate::support::slack_bot::option_pairs(&e["options"])
}

fn option(label: &str, value: &str) -> Value {
    json!({"text": {"type": "plain_text", "text": label, "emoji": false}, "value": value})
}

#[tokio::test]
async fn picking_a_partner_narrows_the_trait_menu_to_its_profile() {
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = start(&fake, dir.path(), &[]);
    if let Err(e) = fake.wait_connected(WAIT).await {
        panic!("{e}; bot log:\n{}", bot.log_text());
    }
    two_profiles(&fake).await;
    for line in [
        r#"partner add name:"Acme Corp" type:reseller"#,
        r#"partner add name:"Bolt Systems" type:si"#,
        r#"partner add name:"Cobalt Referrals" type:referral"#,
    ] {
        lead(&fake, line).await;
    }

    // `evidence add` alone opens the form; its partner menu dispatches actions
    let (eid, _) = fake.slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "evidence add");
    fake.ack(&eid, WAIT).await.unwrap();
    let opened = fake.view(1, WAIT).await.unwrap();
    assert_eq!(block(&opened, "partner")["dispatch_action"], true);
    assert_eq!(
        block(&opened, "trait")["element"]["type"],
        "external_select"
    );

    // picking Acme Corp: acknowledged at once, then the form is updated by id and hash
    let e = fake
        .pick(MEMBER_USER_ID, &opened, "partner", option("Acme Corp", "1"))
        .unwrap();
    let ack = fake.ack(&e, WAIT).await.unwrap();
    assert!(ack.get("payload").is_none(), "{ack}");
    let call = fake.view_update(1, WAIT).await.unwrap();
    assert_eq!(call.params["view_id"], opened["id"]);
    assert_eq!(call.params["hash"], opened["hash"]);
    let view = fake.views()[0].clone();
    assert_eq!(view["id"], opened["id"]);
    assert_eq!(view["callback_id"], "evidence_add");
    assert_eq!(view["private_metadata"], opened["private_metadata"]);
    // every other field is the same input, so Slack keeps what was typed in it
    let ids = |v: &Value| -> Vec<(Value, Value)> {
        v["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["block_id"].clone(), b["element"]["action_id"].clone()))
            .collect()
    };
    assert_eq!(ids(&view), ids(&opened));
    assert_eq!(
        block(&view, "partner")["element"]["initial_option"]["value"],
        "1"
    );
    let traits = trait_options(&view);
    let names: Vec<&str> = traits.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, ["Deal registration", "Customer overlap"]);
    assert!(traits.iter().all(|(_, v)| v.parse::<i64>().is_ok()));

    // submitted with one of them: recorded
    let pick = |kind: &str, label: &str, id: &str| json!({"type": kind, "selected_option": option(label, id)});
    let good = json!({"partner": {"partner": pick("external_select", "Acme Corp", "1")},
        "trait": {"trait": pick("static_select", "Customer overlap", &traits[1].1)},
        "value": {"value": {"type": "plain_text_input", "value": "31"}},
        "source": {"source": {"type": "plain_text_input", "value": "overlap report"}}});
    let s = fake.submit(MEMBER_USER_ID, &view, good);
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert!(
        ack.get("payload")
            .is_none_or(|p| p.get("response_action").is_none()),
        "{ack}"
    );
    let notice = fake
        .wait_ephemeral("the private confirmation", MEMBER_USER_ID, WAIT)
        .await;
    assert!(
        all_text(&notice).contains("Customer overlap"),
        "{}",
        all_text(&notice)
    );
    let r = slash(&fake, ADMIN_USER_ID, r#"evidence list partner:"Acme Corp""#).await;
    assert!(
        text(&r).contains("overlap report") && text(&r).contains("31"),
        "{}",
        text(&r)
    );

    // a partner of another type: its own traits (in the form as updated, with its new hash)
    let e = fake
        .pick(
            MEMBER_USER_ID,
            &view,
            "partner",
            option("Bolt Systems", "2"),
        )
        .unwrap();
    fake.ack(&e, WAIT).await.unwrap();
    let call = fake.view_update(2, WAIT).await.unwrap();
    assert_eq!(call.params["hash"], view["hash"]);
    let view = fake.views()[0].clone();
    let traits = trait_options(&view);
    let names: Vec<&str> = traits.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, ["Certified staff"]);

    // a partner whose type has no active profile: the trait block says so, and a submission is refused
    let e = fake
        .pick(
            MEMBER_USER_ID,
            &view,
            "partner",
            option("Cobalt Referrals", "3"),
        )
        .unwrap();
    fake.ack(&e, WAIT).await.unwrap();
    fake.view_update(3, WAIT).await.unwrap();
    let view = fake.views()[0].clone();
    let line = block(&view, "trait");
    assert_eq!(line["type"], "context", "{view}");
    assert!(
        line["elements"][0]["text"]
            .as_str()
            .unwrap()
            .contains("no active profile with traits"),
        "{line}"
    );
    let bad = json!({"partner": {"partner": pick("external_select", "Cobalt Referrals", "3")},
        "met": {"met": pick("static_select", "yes — met", "true")}});
    let s = fake.submit(MEMBER_USER_ID, &view, bad);
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(
        ack["payload"]["errors"]["partner"]
            .as_str()
            .unwrap()
            .contains("no active profile with traits"),
        "{ack}"
    );
    assert_eq!(fake.views().len(), 1, "no other form was opened");
    assert!(fake.stray_frames().is_empty(), "{:?}", fake.stray_frames());
    drop(dir);
}
