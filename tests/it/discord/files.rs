//! Files through Discord: a CSV attachment imported (and one over the limit refused before it is
//! downloaded), an export attached to the reply, and the roster's pages behind a button.

use super::*;

#[tokio::test]
async fn import_export_and_pagination_through_discord() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    reseller_profile(fake).await;
    let lead = Invoker::lead();
    // Import 20 partners from an attachment the fake serves.
    let mut csv = String::from("name,type,stage,signed,dropped,drop_reason,champion,note\n");
    for i in 0..20 {
        csv.push_str(&format!("Partner {i:02},reseller,prospect,,,,,\n"));
    }
    let url = fake.host_file("partners.csv", csv.clone().into_bytes());
    let payload = slash_command_with_attachment(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &lead,
        "import",
        json!([{"name": "what", "type": 3, "value": "partners"}, attachment_option("file", 77)]),
        (77, "partners.csv", &url, csv.len() as u64),
    );
    let (r, edit) = send_deferred(fake, payload).await;
    assert_eq!(r["type"], 5);
    let text = edit.body.to_string();
    assert!(text.contains("20"), "summary counts the partners: {text}");
    // An attachment over the limit is refused before it is downloaded.
    let big = slash_command_with_attachment(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &lead,
        "import",
        json!([{"name": "what", "type": 3, "value": "partners"}, attachment_option("file", 78)]),
        (78, "huge.csv", &url, 30 * 1024 * 1024),
    );
    let id = fake.send_interaction(big).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(content(&r).contains("up to 25 MB"), "{r}");
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|q| q.path.contains("/files/") || q.path.contains("partners.csv"))
            .count(),
        1,
        "the big one was not downloaded"
    );
    // Export comes back as a CSV attachment.
    let (_, edit) = deferred(
        fake,
        &Invoker::member(),
        &["export"],
        vec![opt("what", json!("roster"))],
    )
    .await;
    assert_eq!(edit.files.len(), 1, "{}", edit.body);
    let exported = String::from_utf8(edit.files[0].bytes.clone()).unwrap();
    assert!(
        exported.starts_with("name,type,stage,signed,dropped,drop_reason,champion,note"),
        "{exported}"
    );
    assert_eq!(exported.lines().count(), 21);
    // The 20-partner roster has two pages; the next button shows the second.
    let r = slash(fake, &Invoker::guest(), &["partner", "list"], vec![]).await;
    assert!(
        r["data"]["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("page 1 of 2"),
        "{r}"
    );
    let next = r["data"]["components"][0]["components"][1]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::guest(),
            &next,
            999,
        ))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(r["type"], 7, "the message is updated in place");
    let desc = r["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(
        desc.contains("Partner 19") && !desc.contains("Partner 00"),
        "{desc}"
    );
}
