//! Page buttons of `/screen` for a name not on the roster (issue 15, item 1): the checklist of traits to check
//! is a typed list (`pg:c:<type>:<page>`) like the others, so its later pages can be reached — the button
//! carries the partner type filter, never the name asked about.

use super::{beside, console, press, started};
use crate::support::bot::{opt, slash, title};
use crate::support::fake_discord::{Invoker, STANDARD_GUILD_ID};
use serde_json::{json, Value};

fn description(r: &Value) -> String {
    r["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_checklist_of_a_name_not_on_the_roster_pages_through_typed_buttons() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    // 12 reseller traits and 8 SI traits: 20 lines, two pages of 15.
    for (ty, n) in [("reseller", 12), ("si", 8)] {
        let v = console(
            &app,
            &ws,
            &format!(r#"/profile create type:{ty} name:"P {ty}""#),
        )
        .await;
        assert_eq!(v["ok"], true, "{v}");
        for i in 1..=n {
            let line = format!(r#"/profile trait add type:{ty} name:"{ty} trait {i:02}" min:1"#);
            let v = console(&app, &ws, &line).await;
            assert_eq!(v["ok"], true, "{v}");
        }
    }
    let guest = Invoker::guest();
    let r = slash(
        &fake,
        &guest,
        &["screen"],
        vec![opt("partner", json!("Nobody Ltd"))],
    )
    .await;
    assert_eq!(title(&r), "Nobody Ltd — not on the roster", "{r}");
    assert_eq!(
        r["data"]["embeds"][0]["footer"]["text"], "page 1 of 2",
        "{r}"
    );
    let row = &r["data"]["components"][0]["components"];
    assert_eq!(row[0]["custom_id"], "pg:c:*:0", "{r}");
    assert_eq!(row[0]["disabled"], true, "{r}");
    assert_eq!(row[1]["custom_id"], "pg:c:*:1", "{r}");
    // Page 2: the last 5 of the 20 lines (SI traits 04 to 08), under a title that names no partner.
    let r = press(&fake, &guest, "pg:c:*:1").await;
    assert_eq!(r["type"], 7, "{r}");
    assert_eq!(title(&r), "Traits to check before adding a partner", "{r}");
    assert_eq!(
        r["data"]["embeds"][0]["footer"]["text"], "page 2 of 2",
        "{r}"
    );
    let lines: Vec<String> = description(&r)
        .lines()
        .filter(|l| l.starts_with("\\[si\\]"))
        .map(|l| l.split(" (").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        lines,
        ["04", "05", "06", "07", "08"].map(|i| format!("\\[si\\] si trait {i}")),
        "{r}"
    );
    // Filtered to one type: one page, no buttons.
    let r = press(&fake, &guest, "pg:c:si:0").await;
    assert_eq!(r["data"]["embeds"][0]["footer"], Value::Null, "{r}");
    assert_eq!(r["data"]["components"], json!([]), "{r}");
}
