//! A page of `/partner list` in a process that holds no copy of the workspace's evidence screens its 15
//! partners from their own records instead of waiting for the whole workspace to load (seconds at 100,000
//! partners): the same lines as from the copy, and the same verdicts as `/screen` gives each partner, and no
//! copy is made. More partners than a page at once (the whole roster) still load the copy.

use crate::support::db::Db;
use crate::support::{utc, TestApp};
use partnerfit::app::evidence_cache::DIRECT_PARTNERS;
use partnerfit::app::lists::{self, ListId, PAGE_LINES};
use partnerfit::app::{dispatch, Invocation};
use partnerfit::domain::Role;
use partnerfit::generate::{generate, Spec};
use serde_json::Value;

const PARTNERS: usize = 120;
// More partners than are read directly, a page fewer.
const _: () = assert!(PARTNERS > DIRECT_PARTNERS && PAGE_LINES <= DIRECT_PARTNERS);

/// Every page of the unfiltered roster, as the chat shows them.
async fn pages(t: &TestApp, ctx: &partnerfit::app::Ctx) -> Vec<Value> {
    let roster = ListId::Roster {
        partner_type: None,
        stage: None,
        verdict: None,
    };
    let mut out = Vec::new();
    for page in 0..PARTNERS.div_ceil(PAGE_LINES) {
        let r = lists::page(&t.app, ctx, roster, page).await.unwrap();
        out.push(r.json());
    }
    out
}

async fn a_page_screens_its_partners_without_loading_the_workspace(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 27, 12, 0)).await;
    let spec = Spec {
        workspace: "gen".into(),
        partners: PARTNERS,
        seed: 7,
        until: "2026-11-26".parse().unwrap(),
    };
    let counts = generate(&t.app.store, &spec).await.unwrap();
    let ctx = t.ctx("gen", "lead", Role::Lead);

    let cold = pages(&t, &ctx).await;
    assert_eq!(t.app.evidence.workspaces(), 0, "a page loaded the copy");
    let lines: Vec<&Value> = cold
        .iter()
        .flat_map(|p| p["partners"].as_array().unwrap())
        .collect();
    assert_eq!(lines.len(), PARTNERS);
    // Each line's verdict is the one `/screen` gives (its own read: one statement, the counting records only).
    let mut verdicts = std::collections::BTreeMap::new();
    for line in &lines {
        let name = line["name"].as_str().unwrap();
        let inv = Invocation::new(&["screen"]).with("partner", name);
        let screen = dispatch(&t.app, &ctx, &inv).await.unwrap().json();
        assert_eq!(line["verdict"], screen["verdict"], "{name}");
        *verdicts
            .entry(line["verdict"].to_string())
            .or_insert(0usize) += 1;
    }
    // The generated roster has partners of more than one verdict, so the comparison is not all-equal.
    assert!(verdicts.len() > 1, "{verdicts:?}");
    assert_eq!(t.app.evidence.workspaces(), 0);

    // The whole roster at once is more than DIRECT_PARTNERS: it loads the copy, every record of it.
    let all = dispatch(&t.app, &ctx, &Invocation::new(&["partner", "list"]))
        .await
        .unwrap()
        .json();
    assert_eq!(all["count"], PARTNERS);
    assert_eq!(t.app.evidence.workspaces(), 1);
    assert_eq!(t.app.evidence_records(), counts.evidence);
    // The same pages again, now from the copy: the same replies.
    assert_eq!(pages(&t, &ctx).await, cold);
}

#[tokio::test]
async fn a_cold_roster_page_screens_its_partners_alone_sqlite() {
    a_page_screens_its_partners_without_loading_the_workspace(Db::Sqlite).await;
}

#[tokio::test]
async fn a_cold_roster_page_screens_its_partners_alone_postgres() {
    a_page_screens_its_partners_without_loading_the_workspace(Db::Postgres).await;
}
