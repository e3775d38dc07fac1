//! Names stored before a key rule changed (issue 15's lookalikes, then accented lookalikes): the keys are
//! recomputed once at start, a partner whose name now equals another's is renamed with its id so that each is
//! reached by its name, and roster pages read in SQL in the key's byte order — on both databases.

use partnerfit::app::App;
use partnerfit::store::Store;

crate::support::db::both_backends!(
    stored_name_keys_are_recomputed_once,
    lookalikes_stored_before_a_new_key_rule_stay_reachable,
    roster_pages_are_read_in_sql,
);

pub(super) fn new_partner(name: &str) -> partnerfit::store::NewPartner {
    partnerfit::store::NewPartner {
        name: partnerfit::domain::PartnerName::parse(name).unwrap(),
        partner_type: partnerfit::domain::PartnerType::Si,
        lifecycle: partnerfit::domain::Lifecycle::Prospect,
        champion: None,
        note: None,
    }
}

/// A database written before the lookalike-aware keys: its keys are recomputed once, and a partner whose
/// name now equals another's is renamed with its id, so both stay and each has its own key.
async fn stored_name_keys_are_recomputed_once(db: crate::support::Db) {
    let db = crate::support::TestDb::new(db).await;
    let s = Store::open(&db.url).await.unwrap();
    let now = crate::support::utc(2026, 1, 1, 0, 0);
    let mut ids = Vec::new();
    // (name, the key version 1 stored: trimmed and lower-cased)
    for (name, old_key) in [
        ("ＡＣＭＥ", "ａｃｍｅ"),
        ("Acme", "acme"),
        ("Zeta  Co", "zeta  co"),
        ("Straße", "straße"),
    ] {
        let id = s
            .add_partner("ws", &new_partner(name), "ana", now)
            .await
            .unwrap();
        sqlx::query("UPDATE partners SET name_key = $1 WHERE id = $2")
            .bind(old_key)
            .bind(id)
            .execute(s.pool())
            .await
            .unwrap();
        ids.push(id);
    }
    sqlx::query("UPDATE name_key_version SET version = 1")
        .execute(s.pool())
        .await
        .unwrap();
    assert_eq!(
        s.rekey_names().await.unwrap(),
        3,
        "ＡＣＭＥ (renamed), Zeta  Co and Straße"
    );
    assert_eq!(s.rekey_names().await.unwrap(), 0, "once");
    let by = |name: &'static str| {
        let s = s.clone();
        async move {
            s.partner_by_key("ws", &partnerfit::domain::name_key(name))
                .await
                .unwrap()
                .map(|p| p.id)
        }
    };
    assert_eq!(by("zeta co").await, Some(ids[2]));
    assert_eq!(by("STRASSE").await, Some(ids[3]));
    assert_eq!(
        by("acme").await,
        Some(ids[1]),
        "the holder of the key keeps it"
    );
    let renamed = s.partner_by_id("ws", ids[0]).await.unwrap().unwrap();
    assert_eq!(renamed.name, format!("ＡＣＭＥ #{}", ids[0]));
    assert_eq!(
        s.partner_by_key("ws", &format!("acme #{}", ids[0]))
            .await
            .unwrap()
            .map(|p| p.id),
        Some(ids[0])
    );
    assert_eq!(
        s.partner_names("ws").await.unwrap().len(),
        4,
        "nobody is lost"
    );
    s.close().await;
}

/// Two partners added before the rule that takes Cyrillic `ё` (U+0451) as the Latin `ë` (U+00EB): after the
/// start that recomputes the keys, both are on the roster and each is reached by the name the roster shows —
/// `Citroën` by its name, the Cyrillic one by its name with its id, which its history explains — and a lead
/// renames the latter; a lookalike added now is "already on the roster".
async fn lookalikes_stored_before_a_new_key_rule_stay_reachable(db: crate::support::Db) {
    use crate::support::{utc, TestApp, TestClock};
    let latin = "Citro\u{EB}n";
    let cyrillic = "Citro\u{451}n";
    let db = crate::support::TestDb::new(db).await;
    let s = Store::open(&db.url).await.unwrap();
    let now = utc(2026, 1, 1, 0, 0);
    // As version 3 stored them: the Latin name's key, and the Cyrillic one's, which kept its `ё`.
    let latin_id = s
        .add_partner("local", &new_partner(latin), "ana", now)
        .await
        .unwrap();
    let cyrillic_id = s
        .add_partner("local", &new_partner("placeholder"), "ana", now)
        .await
        .unwrap();
    sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
        .bind(cyrillic)
        .bind("citro\u{451}n")
        .bind(cyrillic_id)
        .execute(s.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE name_key_version SET version = 3")
        .execute(s.pool())
        .await
        .unwrap();
    s.close().await;

    // The start.
    let store = Store::open(&db.url).await.unwrap();
    let clock = TestClock::at(utc(2026, 2, 2, 12, 0));
    let t = TestApp {
        app: App::new(store, clock.clone()),
        clock,
        url: db.url.clone(),
        db,
    };
    let shown = format!("Citro\u{451}n #{cyrillic_id}");
    let roster = t.ok("/partner list").await;
    let mut names: Vec<(i64, String)> = roster["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [(latin_id, latin.to_string()), (cyrillic_id, shown.clone())],
        "both stay"
    );
    let latin_shown = t.ok(&format!(r#"/partner show partner:"{latin}""#)).await;
    assert_eq!(latin_shown["id"], latin_id);
    let cyrillic_shown = t.ok(&format!(r#"/partner show partner:"{shown}""#)).await;
    assert_eq!(cyrillic_shown["id"], cyrillic_id);
    assert_eq!(cyrillic_shown["former_names"][0]["name"], cyrillic);
    // Its old name is now the Latin one's name: a lookalike is that partner, and cannot be added again.
    let typed = t
        .ok(&format!(r#"/partner show partner:"{cyrillic}""#))
        .await;
    assert_eq!(typed["id"], latin_id);
    let e = t
        .err(&format!(r#"/partner add name:"{cyrillic}" type:reseller"#))
        .await;
    assert!(e.contains("already on the roster"), "{e}");
    // A lead renames it.
    let renamed = t
        .ok(&format!(
            r#"/partner rename partner:"{shown}" name:"Citroen Ukraine""#
        ))
        .await;
    assert_eq!(renamed["id"], cyrillic_id);
    assert_eq!(renamed["previous"], shown.as_str());
    let after = t.ok(r#"/partner show partner:"Citroen Ukraine""#).await;
    assert_eq!(after["id"], cyrillic_id);
}

async fn roster_pages_are_read_in_sql(db: crate::support::Db) {
    use partnerfit::store::PartnerFilter;
    let db = crate::support::TestDb::new(db).await;
    let s = Store::open(&db.url).await.unwrap();
    let now = crate::support::utc(2026, 1, 1, 0, 0);
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        s.add_partner("ws", &new_partner(name), "ana", now)
            .await
            .unwrap();
    }
    s.add_partner("other", &new_partner("Aardvark"), "ana", now)
        .await
        .unwrap();
    let all = PartnerFilter::default();
    assert_eq!(s.count_partners("ws", &all).await.unwrap(), 5);
    let names = |ps: Vec<partnerfit::store::Partner>| -> Vec<String> {
        ps.into_iter().map(|p| p.name).collect()
    };
    let (page, last) = s.partners_page("ws", &all, None, 2, 2).await.unwrap();
    assert_eq!(names(page), ["charlie", "delta"]);
    assert_eq!(last.as_deref(), Some("delta"));
    let (rest, last) = s
        .partners_page("ws", &all, Some("delta"), 0, 10)
        .await
        .unwrap();
    assert_eq!(names(rest), ["echo"]);
    assert_eq!(last.as_deref(), Some("echo"));
    let (none, last) = s.partners_page("ws", &all, None, 10, 10).await.unwrap();
    assert!(none.is_empty() && last.is_none());
    s.close().await;
}
