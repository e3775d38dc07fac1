//! The smaller replies of issue 17 (item 6), each with its words written out: an evidence record says what it
//! changed (and "no change" when nothing did), counts agree with their nouns, a setting's example fits its
//! key, and a Discord that cannot be reached is named with the cause.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::Role;

both_backends!(
    evidence_says_what_it_changed,
    counts_agree_with_their_nouns,
    a_settings_example_fits_its_key
);

/// The console text of a line run by a lead.
async fn text(t: &TestApp, line: &str) -> String {
    let ctx = t.ctx("local", "ana", Role::Lead);
    partnerfit::console::handle_line(&t.app, &ctx, line)
        .await
        .unwrap()
        .to_text()
}

async fn reseller_profile(t: &TestApp) {
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam" min:25 unit:accounts"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"a call""#,
    ] {
        t.ok(line).await;
    }
}

async fn evidence_says_what_it_changed(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let add = |what: &str| format!(r#"/evidence add partner:"Acme Corp" {what}"#);
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Deal registration" met:true observed:2026-11-16"#)
        )
        .await,
        "Evidence #1 recorded: Acme Corp — Deal registration\n\
         Recorded: met (observed 2026-11-16)\n\
         Deal registration: unknown → met.\n\
         Acme Corp is still 🟡 incomplete.\n\
         Wrong? /evidence retract id:1 reason:\"…\""
    );
    // The same again: said plainly, not "met → met".
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Deal registration" met:true observed:2026-11-18"#)
        )
        .await,
        "Evidence #2 recorded: Acme Corp — Deal registration\n\
         Recorded: met (observed 2026-11-18)\n\
         Deal registration was already met: no change.\n\
         Acme Corp is still 🟡 incomplete.\n\
         Wrong? /evidence retract id:2 reason:\"…\""
    );
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Customer overlap" value:31 observed:2026-11-16"#)
        )
        .await,
        "Evidence #3 recorded: Acme Corp — Customer overlap\n\
         Recorded: value 31 (>= 25 accounts): met (observed 2026-11-16)\n\
         Customer overlap: unknown → met.\n\
         Acme Corp is still 🟡 incomplete.\n\
         Wrong? /evidence retract id:3 reason:\"…\""
    );
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Named champion" met:true observed:2026-11-20"#)
        )
        .await,
        "Evidence #4 recorded: Acme Corp — Named champion\n\
         Recorded: met (observed 2026-11-20)\n\
         Named champion: unknown → met.\n\
         Acme Corp: 🟡 incomplete → ✅ fit.\n\
         Wrong? /evidence retract id:4 reason:\"…\""
    );
    // An older observation than the one that counts changes nothing, and says why.
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Deal registration" met:false observed:2026-10-01"#)
        )
        .await,
        "Evidence #5 recorded: Acme Corp — Deal registration\n\
         Recorded: missed (observed 2026-10-01)\n\
         Deal registration stays met: a record observed later still counts.\n\
         Acme Corp is still ✅ fit.\n\
         Wrong? /evidence retract id:5 reason:\"…\""
    );
    // A newer miss does change it.
    assert_eq!(
        text(
            &t,
            &add(r#"trait:"Customer overlap" value:12 observed:2026-11-25"#)
        )
        .await,
        "Evidence #6 recorded: Acme Corp — Customer overlap\n\
         Recorded: value 12 (>= 25 accounts): missed (observed 2026-11-25)\n\
         Customer overlap: met → missed.\n\
         Acme Corp: ✅ fit → 🟢 near-fit.\n\
         Wrong? /evidence retract id:6 reason:\"…\""
    );
    // The JSON is what it always was.
    let v = t
        .ok(&add(
            r#"trait:"Named champion" met:true observed:2026-11-21"#,
        ))
        .await;
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["id", "met", "observed", "partner", "status", "trait", "value", "verdict"]
    );
}

async fn counts_agree_with_their_nouns(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    assert!(
        text(&t, "/partner list")
            .await
            .starts_with("Roster (1 partner)\n"),
        "{}",
        text(&t, "/partner list").await
    );
    t.ok(r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true"#)
        .await;
    assert!(text(&t, r#"/evidence list partner:"Acme Corp""#)
        .await
        .starts_with("Evidence for Acme Corp (1 record)\n"));
    assert!(text(&t, r#"/partner show partner:"Acme Corp""#)
        .await
        .contains(" · 1 evidence record (0 retracted)"));
    t.ok(r#"/partner add name:"Globex" type:reseller"#).await;
    assert!(text(&t, "/partner list")
        .await
        .starts_with("Roster (2 partners)\n"));
}

async fn a_settings_example_fits_its_key(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    for (key, said) in [
        (
            "max_misses",
            "max_misses is a whole number from 0 to 20 (e.g. 1), not `banana`",
        ),
        (
            "evidence_max_age_days",
            "evidence_max_age_days is a whole number from 1 to 36500 (e.g. 365), not `banana`",
        ),
        (
            "min_group",
            "min_group is a whole number from 1 to 1000 (e.g. 3), not `banana`",
        ),
        (
            "allocation_target",
            "allocation_target is a share from 0 to 1 (e.g. 0.8 for 80%), not `banana`",
        ),
        (
            "alpha",
            "alpha is a significance level between 0 and 1 (e.g. 0.10), not `banana`",
        ),
    ] {
        assert_eq!(
            t.err(&format!("/settings set key:{key} value:banana"))
                .await,
            said
        );
    }
    assert_eq!(
        t.err("/settings set key:max_misses value:1.5").await,
        "max_misses is a whole number from 0 to 20 (e.g. 1), not `1.5`"
    );
    assert_eq!(
        t.err("/settings set key:allocation_target value:lots%")
            .await,
        "allocation_target is a share from 0 to 1 (e.g. 0.8 for 80%), not `lots%`"
    );
}

#[test]
fn an_unreachable_discord_is_named_with_its_cause() {
    // A port nothing listens on: the connection is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", "any-token")
        .env(
            "PARTNERFIT_DISCORD_PROXY_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_APP_TOKEN")
        .env("PARTNERFIT_LOG", "error")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "cannot reach Discord at http://127.0.0.1:{port}: the connection was refused (nothing listens at that address and port) (Error while sending HTTP request"
        )),
        "{err}"
    );
    assert!(!err.contains("any-token"));
}

#[test]
fn an_export_counts_rows_of_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .args(["export", "allocations", "-o", "allocations.csv"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "exported 0 allocation rows to allocations.csv"
    );
}

/// A command a reply suggests with a name in it can be pasted as it is: a quote in the name is escaped the way
/// the console reads it back.
#[tokio::test]
async fn suggested_commands_escape_quotes_in_names() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    let added = text(&t, r#"/partner add name:"Bad\"Quote" type:reseller"#).await;
    assert!(
        added.contains(
            r#"Next: record evidence with /evidence add partner:"Bad\"Quote", then /screen it."#
        ),
        "{added}"
    );
    let again = t
        .err(r#"/partner add name:"Bad\"Quote" type:reseller"#)
        .await;
    assert!(
        again.ends_with(r#"Use /partner show partner:"Bad\"Quote"."#),
        "{again}"
    );
    t.ok(r#"/partner show partner:"Bad\"Quote""#).await;
}
