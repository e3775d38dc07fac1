//! Words users typed in the places their markdown used to go live: the screen card's note (the name asked and
//! the partner it was taken to mean), refusals and errors sent as message content (another user's retraction
//! reason), and the server's @everyone role picked as a role of `/settings roles`.

use super::{beside, console, started};
use crate::support::bot::{content, opt, slash, title};
use crate::support::fake_discord::{Invoker, STANDARD_GUILD_ID};
use serde_json::json;

/// A partner name with markdown that `/partner add` takes (no link syntax in names).
const NAME: &str = "_Acme_ **Corp**";

#[tokio::test]
async fn the_screen_notes_names_are_user_text_and_the_json_is_unchanged() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    for line in [
        r#"/profile create type:reseller name:"Resellers""#.to_string(),
        r#"/profile trait add type:reseller name:"Overlap" min:25"#.to_string(),
        format!(r#"/partner add name:"{NAME}" type:reseller"#),
    ] {
        let v = console(&app, &ws, &line).await;
        assert_eq!(v["ok"], true, "{line}: {v}");
    }
    // A near miss: taken to mean the partner, and said so in the note.
    let asked = "_Acme_ **Crop**";
    let r = slash(
        &fake,
        &Invoker::guest(),
        &["screen"],
        vec![opt("partner", json!(asked))],
    )
    .await;
    let description = r["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.starts_with(r"(taking `_Acme_ **Crop**` to mean \_Acme\_ \*\*Corp\*\*)"),
        "{r}"
    );
    // The JSON holds the note as it always did, without marks.
    let v = console(&app, &ws, &format!("/screen partner:\"{asked}\"")).await;
    assert_eq!(
        v["reply"]["note"],
        format!("(taking `{asked}` to mean {NAME})"),
        "{v}"
    );
    assert!(!v.to_string().contains(['\u{FDD0}', '\u{FDD1}']), "{v}");
}

#[tokio::test]
async fn an_error_quoting_another_users_reason_shows_it_as_text() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    let mut id = 0;
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile trait add type:reseller name:"Overlap" min:25"#,
        r#"/partner add name:"Acme" type:reseller"#,
        r#"/evidence add partner:"Acme" trait:"Overlap" value:31"#,
    ] {
        let v = console(&app, &ws, line).await;
        assert_eq!(v["ok"], true, "{line}: {v}");
        id = v["reply"]["id"].as_i64().unwrap_or(0);
    }
    let reason = "`x` [Open CRM](https://evil.example) ||y|| **z**";
    let v = console(
        &app,
        &ws,
        &format!("/evidence retract id:{id} reason:\"{reason}\""),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    // A lead retracts it again: the error quotes the reason, and nothing in it is markdown but our own words'.
    let r = slash(
        &fake,
        &Invoker::lead(),
        &["evidence", "retract"],
        vec![opt("id", json!(id)), opt("reason", json!("again"))],
    )
    .await;
    let shown = content(&r);
    assert!(
        shown.ends_with(
            r"(`x` \[Open CRM\](https\://evil.example) \|\|y\|\| \*\*z\*\*). Nothing changed."
        ),
        "{shown}"
    );
    assert!(
        shown.starts_with(&format!("⚠ Evidence #{id} was already retracted by ")),
        "{shown}"
    );
    // The console says it as typed.
    let v = console(
        &app,
        &ws,
        &format!(r#"/evidence retract id:{id} reason:"again""#),
    )
    .await;
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains(&format!("({reason})")),
        "{v}"
    );
}

#[tokio::test]
async fn everyone_is_no_lead_or_review_role_and_as_the_member_role_means_everyone() {
    let (fake, _dir, _bot) = started().await;
    let everyone = STANDARD_GUILD_ID.to_string();
    let role = |name: &str| json!({"name": name, "type": 8, "value": everyone});
    let lead = Invoker::lead();
    for (which, message) in [
        ("lead", "⚠ @everyone cannot be the lead role"),
        ("review", "⚠ @everyone cannot be the review role"),
    ] {
        let r = slash(&fake, &lead, &["settings", "roles"], vec![role(which)]).await;
        assert!(content(&r).starts_with(message), "{which}: {r}");
    }
    let r = slash(&fake, &lead, &["settings", "roles"], vec![role("member")]).await;
    assert!(title(&r).contains("Roles updated"), "{r}");
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap();
    let shown = |name: &str| {
        fields
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["value"].clone())
    };
    assert_eq!(shown("member role"), Some(json!("everyone")), "{r}");
    assert_eq!(shown("review role"), Some(json!("none")), "{r}");
    // Everyone in the server is a member: one with no role records a partner.
    let r = slash(
        &fake,
        &Invoker::guest(),
        &["partner", "add"],
        vec![opt("name", json!("Globex")), opt("type", json!("si"))],
    )
    .await;
    assert!(title(&r).starts_with("Added Globex"), "{r}");
}
