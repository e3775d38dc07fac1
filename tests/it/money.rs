//! Money is written one way, in the workspace's currency, wherever a lead reads it (issue 17: replies, cards,
//! digests and the console; the JSON keeps plain numbers). The expected words follow the rule written on
//! `domain::money`: in full under 100,000, in thousands from there, in millions from 999,500.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::Role;

both_backends!(the_workspace_currency_is_used_everywhere);

/// The console's text for a line that must succeed.
async fn text(t: &TestApp, line: &str) -> String {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let o = partnerfit::console::handle_line(&t.app, &ctx, line)
        .await
        .unwrap();
    assert!(o.result.is_ok(), "{line} -> {o:?}");
    o.to_text()
}

async fn the_workspace_currency_is_used_everywhere(db: Db) {
    // Thursday of ISO week 2026-W48.
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    t.ok(r#"/partner add name:"Acme" type:reseller"#).await;
    t.ok(r#"/partner sign partner:"Acme" date:2026-10-01"#)
        .await;
    // Before the currency is set, dollars.
    let first = text(&t, r#"/log spend partner:"Acme" amount:250"#).await;
    assert!(
        first.starts_with(
            "Logged $250 on Acme for 2026-W48\nAcme has $250 of spend logged in 2026-W48."
        ),
        "{first}"
    );
    t.ok("/settings set key:currency value:€").await;
    let r = t.ok(r#"/log spend partner:"Acme" amount:500"#).await;
    assert_eq!(r["spend"], 500.0, "the JSON keeps the plain number");
    assert_eq!(r["hours"], 0.0);
    // The spend, not the hours, and in euros: 250 + 500 + 500.
    let logged = text(&t, r#"/log spend partner:"Acme" amount:€500"#).await;
    assert!(
        logged.starts_with(
            "Logged €500 on Acme for 2026-W48\nAcme has €1,250 of spend logged in 2026-W48."
        ),
        "{logged}"
    );
    let logged = text(&t, r#"/log spend partner:"Acme" amount:"6,250.50""#).await;
    assert!(logged.starts_with("Logged €6,250.50 on Acme"), "{logged}");
    assert!(logged.contains("€7,500.50 of spend logged"), "{logged}");
    // Hours are still answered with hours.
    let hours = text(&t, r#"/log hours partner:"Acme" hours:3"#).await;
    assert!(
        hours.starts_with("Logged 3 h on Acme for 2026-W48\nAcme has 3 h logged in 2026-W48."),
        "{hours}"
    );
    let outcome = text(
        &t,
        r#"/outcome add partner:"Acme" kind:sourced-pipeline amount:1234567 date:2026-11-20"#,
    )
    .await;
    assert!(
        outcome.starts_with("Recorded sourced-pipeline of €1.23M for Acme on 2026-11-20"),
        "{outcome}"
    );
    let outcome = text(
        &t,
        r#"/outcome add partner:"Acme" kind:closed-won amount:250000 date:2026-11-21"#,
    )
    .await;
    assert!(
        outcome.starts_with("Recorded closed-won of €250k"),
        "{outcome}"
    );

    // The weekly digest: 250 + 500 + 500 + 6,250.50 of spend, all unscreened (no profile yet).
    let weekly = text(&t, "/digest weekly week:2026-W48").await;
    assert!(weekly.contains("3 h and €7,500.50 logged"), "{weekly}");
    assert!(
        weekly.contains("Unscreened (no profile or no traits): 3 h · €7,500.50"),
        "{weekly}"
    );
    assert!(
        weekly.contains("Matching (fit, near-fit): 0 h · €0"),
        "{weekly}"
    );
    let json = t.ok("/digest weekly week:2026-W48").await;
    assert_eq!(json["spend_total"], 7500.5);

    // The quarterly re-check: Acme is the one not-matching partner of the cohort.
    let quarterly = text(&t, "/digest quarterly quarter:2026-Q4").await;
    assert!(
        quarterly.contains("n 1 · mean €1.23M · median €1.23M · total €1.23M\n  0 registered deals · €250k closed-won"),
        "{quarterly}"
    );
    assert!(
        quarterly.contains("n 0 · mean — · median — · total €0"),
        "{quarterly}"
    );
}
