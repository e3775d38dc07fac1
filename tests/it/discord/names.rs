//! A name that could mean several partners, on Discord (issue 17, item 2): `/screen` and a mention question
//! answer with one button per candidate, each carrying the partner's id (not a command), and pressing one
//! screens that partner in a new message; an id that is not a partner of the server is refused.

use super::*;

/// The custom ids and labels of a message's buttons.
fn buttons_of(message: &serde_json::Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["custom_id"].as_str().unwrap_or_default().to_string(),
                b["label"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_name_that_could_mean_several_partners_offers_a_button_per_partner() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    reseller_profile(fake).await;
    // Ids 1 and 2: the first partners of a new database.
    scenario::reseller(fake, "Acme Corp").await;
    scenario::reseller(fake, "Acme Consulting").await;
    let guest = Invoker::guest();
    let r = slash(
        fake,
        &guest,
        &["screen"],
        vec![opt("partner", json!("Acme"))],
    )
    .await;
    assert_eq!(title(&r), "Acme — which partner?");
    assert_eq!(
        r["data"]["embeds"][0]["description"],
        "`Acme` could mean 2 partners on the roster, so nobody was screened. Pick one:\n\n\
         Acme Consulting · reseller · prospect\nAcme Corp · reseller · prospect"
    );
    let expected = vec![
        ("sc:2".to_string(), "Screen Acme Consulting".to_string()),
        ("sc:1".to_string(), "Screen Acme Corp".to_string()),
    ];
    assert_eq!(buttons_of(&r["data"]), expected, "{r}");

    // A guest presses one: a new message screens that partner; the choice stays for the others.
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &guest,
            "sc:1",
            901,
        ))
        .await
        .unwrap();
    let screened = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(screened["type"], 4, "a new message: {screened}");
    assert_eq!(title(&screened), "Acme Corp — 🟡 incomplete");
    assert!(!is_ephemeral(&screened));

    // An id that names no partner of this server is refused in one line.
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &guest,
            "sc:999",
            902,
        ))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(
        content(&r),
        "⚠ That partner is not on the roster any more: run /screen again."
    );
    assert!(is_ephemeral(&r));

    // The same choice for a question that mentions the bot.
    let posted =
        scenario::answer_to_mention(fake, "does acme fit?", |t| t == "acme — which partner?").await;
    assert_eq!(buttons_of(&posted.body), expected);
}
