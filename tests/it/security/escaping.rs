//! User text in embeds (issue 15, item 3): a name, a trait, a note, a source and a reason full of Discord
//! markdown — bold, italics, strike-through, spoilers, a heading, a masked link, a role mention — reach the
//! fake Discord escaped, so each shows as typed; the app's own formatting stays; the JSON is unchanged.

use super::{beside, console, started};
use crate::support::bot::{opt, slash, title};
use crate::support::fake_discord::{Invoker, STANDARD_GUILD_ID};
use serde_json::{json, Value};

const NAME: &str = "**Big** _Co_ ~~x~~";
const TRAIT: &str = "Over_lap *share*";
const NOTE: &str = "# Click [here](https://evil.example/login) <@&4000> ||x||";
const SOURCE: &str = "[Login](https://evil.example/a_b) `x`";
const REASON: &str = "> [r](https://evil.example) *gone*";

/// The embed of a reply as one string: title, description, field names and values, footer.
fn embed_text(r: &Value) -> String {
    let e = &r["data"]["embeds"][0];
    let mut out = vec![
        title(r),
        e["description"].as_str().unwrap_or("").to_string(),
    ];
    for f in e["fields"].as_array().into_iter().flatten() {
        out.push(f["name"].as_str().unwrap_or("").to_string());
        out.push(f["value"].as_str().unwrap_or("").to_string());
    }
    out.push(e["footer"]["text"].as_str().unwrap_or("").to_string());
    out.join("\n")
}

#[tokio::test]
async fn markdown_in_user_text_arrives_escaped_and_the_json_is_unchanged() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    let v = console(
        &app,
        &ws,
        r#"/profile create type:reseller name:"Resellers""#,
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    let v = console(
        &app,
        &ws,
        &format!(r#"/profile trait add type:reseller name:"{TRAIT}" verify_by:"report" min:25"#),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    let lead = Invoker::lead();
    let r = slash(
        &fake,
        &lead,
        &["partner", "add"],
        vec![
            opt("name", json!(NAME)),
            opt("type", json!("reseller")),
            opt("note", json!(NOTE)),
        ],
    )
    .await;
    let name = r"\*\*Big\*\* \_Co\_ \~\~x\~\~";
    assert_eq!(
        title(&r),
        format!("Added {name} (reseller) as a prospect"),
        "{r}"
    );
    let r = slash(
        &fake,
        &lead,
        &["evidence", "add"],
        vec![
            opt("partner", json!(NAME)),
            opt("trait", json!(TRAIT)),
            opt("value", json!(31)),
            opt("source", json!(SOURCE)),
            opt("note", json!("*n*")),
        ],
    )
    .await;
    assert!(
        title(&r).ends_with(&format!(r"{name} — Over\_lap \*share\*")),
        "{r}"
    );
    // The screen: our bold and italics around the note stay, the user's own are escaped.
    let r = slash(&fake, &lead, &["screen"], vec![opt("partner", json!(NAME))]).await;
    let shown = embed_text(&r);
    assert!(title(&r).starts_with(&format!("{name} — ")), "{shown}");
    let field = &r["data"]["embeds"][0]["fields"][0];
    assert_eq!(field["name"], r"✅ Over\_lap \*share\* (>= 25)", "{shown}");
    let value = field["value"].as_str().unwrap();
    assert!(
        value.starts_with(r"31 · \[Login\](https://evil.example/a_b) \`x\` · by "),
        "{value}"
    );
    assert!(value.ends_with("\n_\\*n\\*_"), "{value}");
    // The partner's note and the drop reason: no heading, no quote, no link, no spoiler, no mention.
    let r = slash(
        &fake,
        &lead,
        &["partner", "show"],
        vec![opt("partner", json!(NAME))],
    )
    .await;
    let partner_field = r["data"]["embeds"][0]["fields"][0]["value"]
        .as_str()
        .unwrap();
    assert!(
        partner_field.ends_with(
            "\n\\# Click \\[here\\](https://evil.example/login) \\<@&4000\\> \\|\\|x\\|\\|"
        ),
        "{partner_field}"
    );
    let r = slash(
        &fake,
        &lead,
        &["partner", "drop"],
        vec![opt("partner", json!(NAME)), opt("reason", json!(REASON))],
    )
    .await;
    assert_eq!(
        r["data"]["embeds"][0]["description"], r"Reason: \> \[r\](https://evil.example) \*gone\*",
        "{r}"
    );
    // The marks around user text never reach Discord.
    for q in fake.requests() {
        assert!(
            !q.body.to_string().contains(['\u{FDD0}', '\u{FDD1}']),
            "{} {}: {}",
            q.method,
            q.path,
            q.body
        );
    }
    // The JSON replies hold the text as typed.
    let v = console(&app, &ws, &format!(r#"/partner show partner:"{NAME}""#)).await;
    assert_eq!(v["reply"]["name"], NAME, "{v}");
    assert_eq!(v["reply"]["note"], NOTE, "{v}");
    assert_eq!(v["reply"]["drop_reason"], REASON, "{v}");
    assert_eq!(v["reply"]["screen"]["traits"][0]["source"], SOURCE, "{v}");
    assert!(!v.to_string().contains(['\u{FDD0}', '\u{FDD1}']), "{v}");
}
