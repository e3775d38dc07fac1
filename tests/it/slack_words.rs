//! What the bot says on Slack names Slack's things: its one slash command (`/partnerfit evidence retract …`,
//! never `/evidence retract …`) in the app's own words but never in what users typed, the command line of the
//! server with the workspace for what Slack cannot carry (an export's file), a Slack team's user groups and
//! admins; and the evidence form records for the partner and the trait its menus chose, by id — a partner
//! renamed since, or another with its old name, cannot receive it.

use crate::support::bot::WAIT;
use crate::support::fake_slack::*;
use crate::support::slack_bot::{is_ephemeral, lead, slash, start, text, two_profiles};
use serde_json::{json, Value};

/// The (label, value) options of a menu's acknowledgement.
fn options(ack: &Value) -> Vec<(String, String)> {
    crate::support::slack_bot::option_pairs(&ack["payload"]["options"])
}

#[tokio::test]
async fn slack_replies_name_slack_commands_and_the_form_records_by_id() {
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = start(&fake, dir.path(), &[]);
    if let Err(e) = fake.wait_connected(WAIT).await {
        panic!("{e}; bot log:\n{}", bot.log_text());
    }
    two_profiles(&fake).await;

    // The app's own words name Slack's command; user text is left as typed.
    let r = lead(
        &fake,
        r#"partner add name:"Acme Corp" type:reseller note:"Use /partner add for the rest""#,
    )
    .await;
    let t = text(&r);
    assert!(!t.contains("/partnerfit partner add for the rest"), "{t}");
    let r = lead(
        &fake,
        r#"evidence add partner:"Acme Corp" trait:"Deal registration" met:true source:"CRM""#,
    )
    .await;
    let t = text(&r);
    assert!(
        t.contains("Wrong? /partnerfit evidence retract id:1"),
        "{t}"
    );
    assert!(!t.contains(" /evidence"), "{t}");
    let r = lead(&fake, r#"partner show partner:"Acme Corp""#).await;
    let t = text(&r);
    assert!(t.contains("Use /partner add for the rest"), "{t}");
    assert!(!t.contains("/partnerfit partner add for the rest"), "{t}");
    // an author is text, never a mention
    assert!(t.contains(&format!("@{ADMIN_USER_ID}")), "{t}");
    assert!(r.pings.is_empty(), "{:?}", r.pings);
    let r = slash(
        &fake,
        ADMIN_USER_ID,
        r#"evidence add partner:"Nobody Inc" trait:"Deal registration" met:true"#,
    )
    .await;
    let t = text(&r);
    assert!(t.contains("/partnerfit partner add"), "{t}");
    let r = lead(&fake, "help").await;
    let t = text(&r);
    assert!(t.contains("/partnerfit screen"), "{t}");
    assert!(t.contains("/partnerfit help command:"), "{t}");
    assert!(!t.contains("\n/screen"), "{t}");

    // An export's file cannot go in a private reply: the server's command line, in this workspace.
    let uploads = fake.uploads().len();
    let r = slash(&fake, ADMIN_USER_ID, "export what:roster").await;
    let t = text(&r);
    assert!(is_ephemeral(&r), "{t}");
    assert!(
        t.contains("Slack cannot send a file in a private reply")
            && t.contains("partnerfit --workspace slack:T0FAKE01 export roster -o roster.csv")
            && t.contains("partnerfit --workspace slack:T0FAKE01 import partners roster.csv"),
        "{t}"
    );
    assert!(
        !t.contains("post:true") && !t.contains(".csv attached"),
        "{t}"
    );
    assert_eq!(fake.uploads().len(), uploads, "no file was uploaded");

    // Settings name Slack's admins and user groups.
    let r = lead(&fake, "settings show").await;
    let t = text(&r);
    assert!(t.contains("workspace admins and owners only"), "{t}");
    assert!(!t.contains("Manage Server"), "{t}");

    // The form: its menus carry ids.
    let (eid, _) = fake.slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "evidence add");
    fake.ack(&eid, WAIT).await.unwrap();
    let view = fake.view(1, WAIT).await.unwrap();
    let s = fake
        .suggest(MEMBER_USER_ID, &view, "partner", "acme")
        .unwrap();
    let partners = options(&fake.ack(&s, WAIT).await.unwrap());
    assert_eq!(partners, [("Acme Corp".to_string(), "1".to_string())]);
    // every active profile's traits, with their type (Slack's suggestion payload carries no form state)
    let s = fake
        .suggest(MEMBER_USER_ID, &view, "trait", "overlap")
        .unwrap();
    let traits = options(&fake.ack(&s, WAIT).await.unwrap());
    assert_eq!(traits.len(), 1, "{traits:?}");
    assert_eq!(traits[0].0, "Customer overlap (reseller)");
    let overlap = traits[0].1.clone();
    let s = fake
        .suggest(MEMBER_USER_ID, &view, "trait", "cert")
        .unwrap();
    let certified = options(&fake.ack(&s, WAIT).await.unwrap());
    assert_eq!(certified.len(), 1, "{certified:?}");
    assert_eq!(certified[0].0, "Certified staff (si)");

    // While the form is open, Acme Corp is renamed and another partner takes its old name.
    lead(
        &fake,
        r#"partner rename partner:"Acme Corp" name:"Acme Holdings""#,
    )
    .await;
    lead(&fake, r#"partner add name:"Acme Corp" type:reseller"#).await;
    let pick = |label: &str, id: &str| json!({"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": label}, "value": id}});
    let values = |partner: Value, t: Value| {
        json!({"partner": {"partner": partner}, "trait": {"trait": t},
            "value": {"value": {"type": "plain_text_input", "value": "31"}},
            "source": {"source": {"type": "plain_text_input", "value": "overlap report"}}})
    };
    // a name where an id belongs (a form of an earlier version) is refused
    let s = fake.submit(
        MEMBER_USER_ID,
        &view,
        values(
            pick("Acme Corp", "Acme Corp"),
            pick("Customer overlap", "Customer overlap"),
        ),
    );
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(
        ack["payload"]["errors"]["partner"], "Pick the partner from the menu.",
        "{ack}"
    );
    // a trait of another type's profile: under the trait
    let s = fake.submit(
        MEMBER_USER_ID,
        &view,
        values(
            pick("Acme Corp", "1"),
            pick("Certified staff (si)", &certified[0].1),
        ),
    );
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(
        ack["payload"]["errors"]["trait"],
        "That trait is not one of the partner's active profile: pick the trait again from the menu.",
        "{ack}"
    );
    // the chosen partner, by id: the renamed one, not the one that took its name
    let s = fake.submit(
        MEMBER_USER_ID,
        &view,
        values(pick("Acme Corp", "1"), pick("Customer overlap", &overlap)),
    );
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert!(
        ack.get("payload")
            .is_none_or(|p| p.get("response_action").is_none()),
        "{ack}"
    );
    let notice = fake
        .wait_ephemeral("the private confirmation", MEMBER_USER_ID, WAIT)
        .await;
    let t = all_text(&notice);
    assert!(
        t.contains("Acme Holdings") && t.contains("/partnerfit evidence retract"),
        "{t}"
    );
    assert!(notice.pings.is_empty(), "{:?}", notice.pings);
    let held = text(&lead(&fake, r#"evidence list partner:"Acme Holdings""#).await);
    assert!(held.contains("overlap report"), "{held}");
    let other = text(&lead(&fake, r#"evidence list partner:"Acme Corp""#).await);
    assert!(!other.contains("overlap report"), "{other}");

    // A form opened by a button for a trait removed since: nothing is recorded, and it says so.
    let card = lead(&fake, r#"screen partner:"Acme Corp""#).await;
    let b = crate::support::slack_bot::buttons(&card);
    assert!(
        !b.is_empty() && b[0].1.contains("Deal registration"),
        "{b:?}"
    );
    fake.press(MEMBER_USER_ID, &card, &b[0].0).unwrap();
    let form = fake.view(2, WAIT).await.unwrap();
    let initial = |i: usize| form["blocks"][i]["element"]["initial_option"].clone();
    let (p, t) = (initial(0), initial(1));
    assert_eq!(p["value"], "2", "{form}");
    let trait_name = t["text"]["text"].as_str().unwrap().to_string();
    lead(
        &fake,
        &format!(r#"profile trait remove type:reseller trait:"{trait_name}""#),
    )
    .await;
    let s = fake.submit(
        MEMBER_USER_ID,
        &form,
        json!({"partner": {"partner": {"type": "external_select", "selected_option": p}},
            "trait": {"trait": {"type": "external_select", "selected_option": t}},
            "met": {"met": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "yes — met"}, "value": "true"}}}}),
    );
    let ack = fake.ack(&s, WAIT).await.unwrap();
    assert_eq!(
        ack["payload"]["errors"]["trait"],
        "That trait changed since the form opened: press Record again.",
        "{ack}"
    );
    for p in fake.posted() {
        assert!(p.pings.is_empty(), "{:?} pings {:?}", p.kind, p.pings);
    }
    drop(dir);
}
