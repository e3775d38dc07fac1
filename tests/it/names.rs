//! One rule of partner names (issue 17, item 2), through the console on both backends: a name that could mean
//! several partners is asked, never guessed — by `/screen`, by a question and by every command's `partner`
//! option alike — and the only partner close to a name is screened with a note (by a screen only: a command
//! that records something says "Did you mean"). The Discord and Slack buttons of the choice are tested in
//! `discord/names.rs` and `slack.rs`.

use crate::support::db::{both_backends, legacy_partners};
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::Role;
use serde_json::{json, Value};

both_backends!(
    a_name_that_could_mean_several_partners_is_asked_not_guessed,
    the_only_close_partner_is_screened_and_named,
    a_long_choice_lists_ten_and_counts_the_rest,
    emoji_names_are_names_and_their_joiners_make_no_other_name,
    rekeyed_names_that_trade_keys_keep_their_names,
    a_rekeyed_lookalike_is_renamed_on_its_workspaces_day
);

/// Acme Corp (reseller, three traits, nothing recorded) and Acme Consulting (si, no profile); their ids.
async fn two_acmes(t: &TestApp) -> (i64, i64) {
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam" min:25"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"a call""#,
    ] {
        t.ok(line).await;
    }
    let corp = t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let consulting = t.ok(r#"/partner add name:"Acme Consulting" type:si"#).await;
    (
        corp["id"].as_i64().unwrap(),
        consulting["id"].as_i64().unwrap(),
    )
}

/// The console text of a line run by a lead.
async fn text(t: &TestApp, line: &str) -> String {
    let ctx = t.ctx("local", "ana", Role::Lead);
    partnerfit::console::handle_line(&t.app, &ctx, line)
        .await
        .unwrap()
        .to_text()
}

async fn a_name_that_could_mean_several_partners_is_asked_not_guessed(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let (corp, consulting) = two_acmes(&t).await;
    let choice = |asked: &str| {
        json!({
            "partner": asked,
            "ambiguous": true,
            "verdict": null,
            "count": 2,
            "candidates": [
                {"partner": "Acme Consulting", "partner_id": consulting, "type": "si", "stage": "prospect"},
                {"partner": "Acme Corp", "partner_id": corp, "type": "reseller", "stage": "prospect"},
            ],
        })
    };
    // The question and the command ask the same; nobody is screened.
    let v = t.lead("does Acme fit?").await;
    assert_eq!(
        v,
        json!({"ok": true, "command": "screen", "reply": choice("Acme")})
    );
    assert_eq!(t.ok("/screen partner:acme").await, choice("acme"));
    assert_eq!(
        t.ok("/screen partner:Acme as_of:2026-11-01").await,
        choice("Acme")
    );
    assert_eq!(
        text(&t, "does Acme fit as a reseller?").await,
        "Acme — which partner?\n\
         `Acme` could mean 2 partners on the roster, so nobody was screened. Pick one:\n  \
         Acme Consulting · si · prospect\n  \
         Acme Corp · reseller · prospect\n\
         Or ask again with the full name, e.g. /screen partner:\"Acme Consulting\""
    );

    // Every other partner option answers with the same candidates and changes nothing.
    let asked = "`Acme` could mean 2 partners: `Acme Consulting` or `Acme Corp`. Name one in full, e.g. partner:\"Acme Consulting\".";
    for line in [
        r#"/evidence add partner:Acme trait:"Deal registration" met:true"#,
        "/log hours partner:Acme hours:3 week:2026-W47",
        "/log spend partner:Acme amount:500 week:2026-W47",
        "/outcome add partner:Acme kind:registered-deal date:2026-11-20",
        "/partner sign partner:Acme date:2026-11-20",
        r#"/partner drop partner:Acme reason:"walked away""#,
        r#"/partner rename partner:Acme name:"Acme Group""#,
        "/partner show partner:Acme",
        "/evidence list partner:Acme",
    ] {
        assert_eq!(t.err(line).await, asked, "{line}");
    }
    let shown = t.ok(r#"/partner show partner:"Acme Corp""#).await;
    assert_eq!(
        (
            shown["stage"].as_str(),
            shown["evidence_records"].as_i64(),
            shown["screen"]["unknown"].as_i64()
        ),
        (Some("prospect"), Some(0), Some(3))
    );
    let week = t.ok("/digest weekly week:2026-W47").await;
    assert_eq!(week["hours_total"], 0.0);

    // The full name, in any case, is that partner: its screen is the one it always was, note and all.
    let screen = t.ok(r#"/screen partner:"ACME CORP""#).await;
    let mut keys: Vec<&str> = screen
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "as_of",
            "met",
            "missed",
            "note",
            "on_roster",
            "partner",
            "partner_id",
            "profile",
            "revision",
            "stage",
            "traits",
            "type",
            "unknown",
            "verdict",
            "verify_next"
        ]
    );
    assert_eq!(
        (&screen["partner"], &screen["verdict"], &screen["note"]),
        (&json!("Acme Corp"), &json!("incomplete"), &Value::Null)
    );
    let v = t.lead("does acme consulting fit?").await;
    assert_eq!(v["reply"]["partner"], "Acme Consulting");
    assert_eq!(v["reply"]["note"], Value::Null);
}

async fn the_only_close_partner_is_screened_and_named(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    two_acmes(&t).await;
    // One edit from one partner only (a swap of two letters): that partner, and the reply says so.
    let s = t.ok(r#"/screen partner:"Acme Crop""#).await;
    assert_eq!(
        (&s["partner"], &s["verdict"], &s["note"]),
        (
            &json!("Acme Corp"),
            &json!("incomplete"),
            &json!("(taking `Acme Crop` to mean Acme Corp)")
        )
    );
    let v = t.lead("does Acme Consultng fit?").await;
    assert_eq!(
        (&v["reply"]["partner"], &v["reply"]["note"]),
        (
            &json!("Acme Consulting"),
            &json!("(taking `Acme Consultng` to mean Acme Consulting)")
        )
    );
    assert_eq!(
        text(&t, r#"/screen partner:"Acme Crop""#)
            .await
            .lines()
            .take(3)
            .collect::<Vec<_>>(),
        [
            "Acme Corp — 🟡 incomplete",
            "(taking `Acme Crop` to mean Acme Corp)",
            "prospect · reseller profile \"Resellers\" rev 4 · as of 2026-11-26"
        ]
    );
    // A command that records something never acts on a name that is not the partner's.
    assert_eq!(
        t.err(r#"/evidence add partner:"Acme Crop" trait:"Deal registration" met:true"#)
            .await,
        "No partner `Acme Crop` on the roster. Did you mean `Acme Corp`? Add it with /partner add."
    );
    // Two edits in a name of 9 letters is not a typo; a shorter name is not a whole word of it.
    for far in ["Acme Cpro", "Acm"] {
        let s = t.ok(&format!(r#"/screen partner:"{far}""#)).await;
        assert_eq!(s["on_roster"], false, "{far}: {s}");
    }
    // Once a partner has the name, the name is that partner.
    t.ok(r#"/partner add name:"Acme Crop" type:reseller"#).await;
    let s = t.ok(r#"/screen partner:"acme crop""#).await;
    assert_eq!(
        (&s["partner"], &s["note"]),
        (&json!("Acme Crop"), &Value::Null)
    );
}

async fn a_long_choice_lists_ten_and_counts_the_rest(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    for i in 1..=12 {
        t.ok(&format!(r#"/partner add name:"Nova {i}" type:referral"#))
            .await;
    }
    let c = t.ok("/screen partner:nova").await;
    assert_eq!(c["count"], 12);
    let names: Vec<&str> = c["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["partner"].as_str().unwrap())
        .collect();
    // In name order, as text: "nova 10" sorts before "nova 2".
    assert_eq!(
        names,
        [
            "Nova 1", "Nova 10", "Nova 11", "Nova 12", "Nova 2", "Nova 3", "Nova 4", "Nova 5",
            "Nova 6", "Nova 7"
        ]
    );
    let shown = text(&t, "/screen partner:nova").await;
    assert!(
        shown.contains(
            "  Nova 7 · referral · prospect\n  … and 2 more: ask with more of the name\n"
        ),
        "{shown}"
    );
    assert_eq!(
        t.err("/log hours partner:Nova hours:1").await,
        "`Nova` could mean 12 partners: `Nova 1`, `Nova 10`, `Nova 11`, `Nova 12`, `Nova 2`, `Nova 3`, `Nova 4`, `Nova 5`, `Nova 6`, `Nova 7` or 2 more. Name one in full, e.g. partner:\"Nova 1\"."
    );
}

/// Partner names with emoji sequences (a family joined by U+200D, a heart with its selector U+FE0F, a flag, a
/// skin tone) are added and kept as typed; the same emoji without the joiner or the selector is the same name
/// (already on the roster, and screened as that partner); a joiner or a selector between letters is refused.
async fn emoji_names_are_names_and_their_joiners_make_no_other_name(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let family = "The \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Agency";
    for name in [
        family,
        "Acme \u{2764}\u{FE0F}",
        "\u{1F1E9}\u{1F1EA} Partners",
        "\u{1F44D}\u{1F3FD} Deals",
    ] {
        let r = t
            .ok(&format!(r#"/partner add name:"{name}" type:reseller"#))
            .await;
        assert_eq!(r["partner"], name, "kept as typed");
    }
    let e = t
        .err("/partner add name:\"The \u{1F468}\u{1F469}\u{1F467} Agency\" type:si")
        .await;
    assert!(e.contains("already on the roster"), "{e}");
    let s = t.ok("/screen partner:\"Acme \u{2764}\"").await;
    assert_eq!(
        (&s["partner"], &s["note"]),
        (&json!("Acme \u{2764}\u{FE0F}"), &Value::Null)
    );
    let s = t
        .ok("/screen partner:\"the \u{1F468}\u{1F469}\u{1F467} agency\"")
        .await;
    assert_eq!(s["partner"], family);
    for refused in [
        "Ac\u{200D}me Corp",
        "Acme\u{FE0F} Corp",
        "\u{1F44D}\u{200C}\u{1F44D}",
    ] {
        let e = t
            .err(&format!(r#"/partner add name:"{refused}" type:si"#))
            .await;
        assert!(
            e.contains("cannot contain invisible characters"),
            "{refused:?}: {e}"
        );
    }
    let list = t.ok("/partner list").await;
    assert_eq!(list["count"], 4, "{list}");
}

/// The id and name of the partner of `ws` whose key is `key`.
async fn by_key(s: &partnerfit::store::Store, ws: &str, key: &str) -> Option<(i64, String)> {
    s.partner_by_key(ws, key)
        .await
        .unwrap()
        .map(|p| (p.id, p.name))
}

/// Stored keys that trade places under the new key rule (two swapped, three in a cycle): after the re-key no
/// two partners share a key, so every one takes the key of its name, none is renamed and none has a history.
async fn rekeyed_names_that_trade_keys_keep_their_names(db: Db) {
    let db = crate::support::TestDb::new(db).await;
    let s = partnerfit::store::Store::open(&db.url).await.unwrap();
    let swap = legacy_partners(&s, "swap", &[("Alpha", "beta"), ("Beta", "alpha")]).await;
    let cycle = legacy_partners(
        &s,
        "cycle",
        &[("Red", "green"), ("Green", "blue"), ("Blue", "red")],
    )
    .await;
    assert_eq!(
        s.rekey_names_at(utc(2026, 3, 1, 10, 30)).await.unwrap(),
        5,
        "every key changes"
    );
    assert_eq!(
        by_key(&s, "swap", "alpha").await,
        Some((swap[0], "Alpha".into()))
    );
    assert_eq!(
        by_key(&s, "swap", "beta").await,
        Some((swap[1], "Beta".into()))
    );
    assert_eq!(
        by_key(&s, "cycle", "red").await,
        Some((cycle[0], "Red".into()))
    );
    assert_eq!(
        by_key(&s, "cycle", "green").await,
        Some((cycle[1], "Green".into()))
    );
    assert_eq!(
        by_key(&s, "cycle", "blue").await,
        Some((cycle[2], "Blue".into()))
    );
    for (ws, ids) in [("swap", &swap), ("cycle", &cycle)] {
        for id in ids {
            assert_eq!(s.former_names(ws, *id).await.unwrap(), [], "{ws} #{id}");
        }
    }
    let renames: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partner_names")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(renames, 0);
    assert_eq!(
        s.rekey_names_at(utc(2026, 3, 1, 10, 30)).await.unwrap(),
        0,
        "once"
    );
    s.close().await;
}

/// Two partners that end on one key: the one that keeps the key keeps its name — the holder whose key stays,
/// else the lower id (here `Acme`, who takes `acme` once `Zeta` leaves it) — and the other is renamed with its
/// id, its old name in its history on the day of the re-key in its workspace's time zone: at 10:30 UTC on
/// 1 March 2026 it is 00:30 on 2 March at Kiritimati (UTC+14), 23:30 on 28 February at Pago Pago (UTC-11),
/// and 1 March in a workspace without settings (UTC).
async fn a_rekeyed_lookalike_is_renamed_on_its_workspaces_day(db: Db) {
    use partnerfit::store::{FormerName, SettingValue};
    let db = crate::support::TestDb::new(db).await;
    let s = partnerfit::store::Store::open(&db.url).await.unwrap();
    let then = utc(2026, 1, 1, 0, 0);
    for (ws, zone) in [
        ("east", "Pacific/Kiritimati"),
        ("west", "Pacific/Pago_Pago"),
    ] {
        s.set_setting(ws, &SettingValue::Timezone(zone.into()), then)
            .await
            .unwrap();
    }
    let east = legacy_partners(
        &s,
        "east",
        &[
            ("Zeta", "acme"),
            ("Acme", "\u{FF41}\u{FF43}\u{FF4D}\u{FF45}"),
            ("\u{FF21}\u{FF23}\u{FF2D}\u{FF25}", "acme x"),
        ],
    )
    .await;
    let west = legacy_partners(
        &s,
        "west",
        &[
            ("Beta", "beta"),
            (
                "\u{FF22}\u{FF25}\u{FF34}\u{FF21}",
                "\u{FF42}\u{FF45}\u{FF54}\u{FF41}",
            ),
        ],
    )
    .await;
    let utc_only = legacy_partners(&s, "utc", &[("Gamma", "gamma"), ("GAMMA", "gamma old")]).await;
    let now = utc(2026, 3, 1, 10, 30);
    assert_eq!(
        s.rekey_names_at(now).await.unwrap(),
        5,
        "Zeta, Acme and the three renamed"
    );
    assert_eq!(
        by_key(&s, "east", "zeta").await,
        Some((east[0], "Zeta".into()))
    );
    assert_eq!(
        by_key(&s, "east", "acme").await,
        Some((east[1], "Acme".into()))
    );
    let wide_acme = "\u{FF21}\u{FF23}\u{FF2D}\u{FF25}";
    assert_eq!(
        by_key(&s, "east", &format!("acme #{}", east[2])).await,
        Some((east[2], format!("{wide_acme} #{}", east[2])))
    );
    assert_eq!(
        by_key(&s, "west", "beta").await,
        Some((west[0], "Beta".into()))
    );
    assert_eq!(
        by_key(&s, "west", &format!("beta #{}", west[1])).await,
        Some((
            west[1],
            format!("\u{FF22}\u{FF25}\u{FF34}\u{FF21} #{}", west[1])
        ))
    );
    assert_eq!(
        by_key(&s, "utc", "gamma").await,
        Some((utc_only[0], "Gamma".into()))
    );
    assert_eq!(
        by_key(&s, "utc", &format!("gamma #{}", utc_only[1])).await,
        Some((utc_only[1], format!("GAMMA #{}", utc_only[1])))
    );
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    for (ws, id, name, until) in [
        ("east", east[2], wide_acme, day(2026, 3, 2)),
        (
            "west",
            west[1],
            "\u{FF22}\u{FF25}\u{FF34}\u{FF21}",
            day(2026, 2, 28),
        ),
        ("utc", utc_only[1], "GAMMA", day(2026, 3, 1)),
    ] {
        let former = FormerName {
            partner_id: id,
            name: name.into(),
            until,
        };
        assert_eq!(
            s.former_names(ws, id).await.unwrap(),
            std::slice::from_ref(&former),
            "{ws}"
        );
        // Its old name's key leads to it as a rename.
        let key = partnerfit::domain::name_key(name);
        assert_eq!(
            s.renamed_from(ws, &key).await.unwrap(),
            Some(former),
            "{ws}"
        );
    }
    for (ws, id) in [
        ("east", east[0]),
        ("east", east[1]),
        ("west", west[0]),
        ("utc", utc_only[0]),
    ] {
        assert_eq!(s.former_names(ws, id).await.unwrap(), [], "{ws} #{id}");
    }
    s.close().await;
}
