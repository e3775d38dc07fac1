//! Input that was once accepted and should not have been, found by running the binary: numbers past a trillion
//! (printed as 309 digits), Discord channel ids that no channel can have, dollars logged as euros, and weeks and
//! dates refused in misleading words. Each is refused in words that say what to write instead, and leaves the
//! workspace as it was; the good input beside it keeps working.

use crate::support::db::both_backends;
use crate::support::ipp::reseller_profile;
use crate::support::{utc, Db, TestApp};
use partnerfit::app::transfer::escape_cell;
use partnerfit::domain::Role;
use serde_json::Value;

both_backends!(
    numbers_past_a_trillion_are_refused,
    dollars_are_refused_where_the_workspace_counts_in_another_currency,
    discord_channel_ids_must_be_non_zero_64_bit_numbers,
    weeks_and_dates_say_what_is_wrong,
    invisible_characters_are_refused_in_every_text,
);

/// The words of every refusal of a number past the bound.
const UP_TO: &str = "numbers go up to 1,000,000,000,000 (a trillion)";

/// Import `bytes` as `what` (a CSV file) as a lead of `local`: the reply's JSON, or the refusal's words.
async fn import(t: &TestApp, what: &str, bytes: &[u8]) -> Result<Value, String> {
    t.import(&t.ctx("local", "ana", Role::Lead), what, bytes, &[])
        .await
}

/// A reseller profile (with the threshold trait "Customer overlap", min 25) and the signed reseller Acme, on
/// Thursday 2026-11-26 (ISO week 2026-W48).
async fn acme(db: Db) -> TestApp {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t, &t.ctx("local", "ana", Role::Lead)).await;
    t.ok(r#"/partner add name:"Acme" type:reseller"#).await;
    t.ok(r#"/partner sign partner:"Acme" date:2026-10-01"#)
        .await;
    t.ok(
        r#"/evidence add partner:"Acme" trait:"Customer overlap" value:31 source:"overlap report""#,
    )
    .await;
    t
}

async fn numbers_past_a_trillion_are_refused(db: Db) {
    let t = acme(db).await;
    let profile = t.ok("/profile show type:reseller").await;
    let evidence = t.ok(r#"/evidence list partner:"Acme""#).await;

    for (line, error) in [
        (
            r#"/profile trait add type:reseller name:"Certified engineers" verify_by:"partner portal" min:1e308"#,
            format!("`1e308` is too large for `min`: {UP_TO}"),
        ),
        (
            r#"/profile trait add type:reseller name:"Certified engineers" verify_by:"partner portal" max:1e13"#,
            format!("`1e13` is too large for `max`: {UP_TO}"),
        ),
        (
            r#"/profile trait add type:reseller name:"Certified engineers" verify_by:"partner portal" min:1e-300"#,
            "`1e-300` is too close to 0 for `min`: round it to 12 decimals".to_string(),
        ),
        (
            r#"/evidence add partner:"Acme" trait:"Customer overlap" value:1e308 source:"overlap report""#,
            format!("`1e308` is too large for `value`: {UP_TO}"),
        ),
        (
            r#"/evidence add partner:"Acme" trait:"Customer overlap" value:"1,000,000,000,001" source:"x""#,
            format!("`1,000,000,000,001` is too large for `value`: {UP_TO}"),
        ),
    ] {
        assert_eq!(t.err(line).await, error, "{line}");
    }
    // Nothing was added: the profile is at its revision, Acme has its one record.
    assert_eq!(t.ok("/profile show type:reseller").await, profile);
    assert_eq!(t.ok(r#"/evidence list partner:"Acme""#).await, evidence);

    // The import refuses the same numbers, at their line, and imports nothing.
    let file = "partner,trait,met,value,source,note,observed\n\
                Acme,Customer overlap,,40,crm,,2026-11-02\n\
                Acme,Customer overlap,,1e308,crm,,2026-11-03\n";
    let e = import(&t, "evidence", file.as_bytes()).await.unwrap_err();
    let needle = format!("line 3, column `value`: `1e308` is too large for the value: {UP_TO}");
    assert!(e.contains(&needle), "missing {needle:?} in:\n{e}");
    assert_eq!(t.ok(r#"/evidence list partner:"Acme""#).await, evidence);

    // A trillion itself is a number: as a bound and as a value, printed in full.
    let r = t
        .ok(r#"/profile trait add type:reseller name:"Pipeline dollars" verify_by:"CRM report" max:1e12"#)
        .await;
    assert!(r.to_string().contains("1000000000000"), "{r}");
    t.ok(r#"/evidence add partner:"Acme" trait:"Customer overlap" value:1e12 source:"x""#)
        .await;
    // An export writes a number cell as it is; text shaped like a number past the bound is escaped like a
    // formula (a spreadsheet would read it as a number the app refuses).
    assert_eq!(escape_cell("-5"), "-5");
    assert_eq!(escape_cell("-1e300"), "'-1e300");
}

async fn dollars_are_refused_where_the_workspace_counts_in_another_currency(db: Db) {
    let t = acme(db).await;
    // In a dollar workspace (the default), dollars are dollars.
    let r = t.ok(r#"/log spend partner:"Acme" amount:$5"#).await;
    assert_eq!(r["spend"], 5.0);
    let r = t.ok(r#"/log spend partner:"Acme" amount:"7 USD""#).await;
    assert_eq!(r["spend"], 7.0);

    t.ok("/settings set key:currency value:€").await;
    let weekly = t.ok("/digest weekly week:2026-W48").await;
    assert_eq!(weekly["spend_total"], 12.0);
    for (line, error) in [
        (
            r#"/log spend partner:"Acme" amount:$5"#,
            "`$5` is in dollars, but this workspace counts in €: write 5 or €5",
        ),
        (
            r#"/log spend partner:"Acme" amount:"USD 1,200.5""#,
            "`USD 1,200.5` is in US dollars, but this workspace counts in €: write 1,200.50 or €1,200.50",
        ),
        (
            r#"/outcome add partner:"Acme" kind:closed-won amount:"250000 usd" date:2026-11-20"#,
            "`250000 usd` is in US dollars, but this workspace counts in €: write 250,000 or €250,000",
        ),
    ] {
        assert_eq!(t.err(line).await, error, "{line}");
    }
    // The import reads amounts in the workspace's currency too.
    let file = "partner,week,hours,spend,note\nAcme,2026-W47,,$40,\n";
    let e = import(&t, "allocations", file.as_bytes())
        .await
        .unwrap_err();
    let needle = "line 2, column `spend`: `$40` is in dollars, but this workspace counts in €: write 40 or €40";
    assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    // Nothing was logged: the spend of both weeks is what it was (5 + 7, and none in W47).
    assert_eq!(t.ok("/digest weekly week:2026-W48").await, weekly);
    assert_eq!(
        t.ok("/digest weekly week:2026-W47").await["spend_total"],
        0.0
    );
    // Euros, written either way, are logged: 12 + 5 + 5.
    t.ok(r#"/log spend partner:"Acme" amount:€5"#).await;
    t.ok(r#"/log spend partner:"Acme" amount:5"#).await;
    assert_eq!(
        t.ok("/digest weekly week:2026-W48").await["spend_total"],
        22.0
    );
}

async fn discord_channel_ids_must_be_non_zero_64_bit_numbers(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let before = t.ok("/schedule show").await;
    for channel in [
        "0",
        "<#0>",
        "18446744073709551616",
        "99999999999999999999999",
    ] {
        let e = t
            .err(&format!(
                r#"/schedule set digest:weekly cron:default channel:"{channel}""#
            ))
            .await;
        assert_eq!(
            e,
            format!(
                "`{channel}` is not a Discord channel id (they go from 1 to 18446744073709551615): \
                 pick a channel (in the console, give its numeric id)"
            )
        );
    }
    assert_eq!(
        t.err("/schedule set digest:weekly cron:default channel:#partners")
            .await,
        "`#partners` is not a channel: pick a channel (in the console, give its numeric id)"
    );
    assert_eq!(
        t.ok("/schedule show").await,
        before,
        "nothing was scheduled"
    );

    // The largest snowflake is a channel id.
    let r = t
        .ok("/schedule set digest:weekly cron:default channel:18446744073709551615")
        .await;
    assert_eq!(r["schedules"][0]["channel"], "18446744073709551615", "{r}");

    // Slack channel ids are letters and digits, untouched by the rule; digits alone are no Slack channel.
    let slack = t.ctx("slack:T0FAKE01", "ana", Role::Lead);
    let r = t
        .run(
            &slack,
            "/schedule set digest:weekly cron:default channel:<#C0PARTNER|partners>",
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["reply"]["schedules"][0]["channel"], "C0PARTNER", "{r}");
    let r = t
        .run(&slack, "/schedule set digest:weekly cron:default channel:0")
        .await;
    assert_eq!(
        r["error"],
        "`0` is not a channel: name it with # as Slack completes it, or give its id (C…)"
    );
}

async fn weeks_and_dates_say_what_is_wrong(db: Db) {
    let t = acme(db).await;
    assert_eq!(
        t.err("/digest weekly week:0001-W01").await,
        "week `0001-W01`: the year must be between 1000 and 9999"
    );
    // A week given as a date that does not exist, and a date option given the same: the same words.
    let not_a_date = "`2026-02-30` is not a date: February 2026 has 28 days";
    assert_eq!(t.err("/digest weekly week:2026-02-30").await, not_a_date);
    assert_eq!(
        t.err(r#"/log hours partner:"Acme" hours:2 week:2026-02-30"#)
            .await,
        not_a_date
    );
    assert_eq!(
        t.err(r#"/outcome add partner:"Acme" kind:sourced-pipeline amount:100 date:2026-02-30"#)
            .await,
        not_a_date
    );
    assert_eq!(
        t.err("/digest weekly week:2026-13-01").await,
        "`2026-13-01` is not a date: the month must be between 01 and 12"
    );
    assert_eq!(
        t.err("/digest weekly week:soon").await,
        "`soon` is not a week: write it like 2026-W47 (or give a date in the week)"
    );
    // A date that exists names its week.
    assert_eq!(
        t.ok("/digest weekly week:2026-02-28").await["week"],
        "2026-W09"
    );
}

/// The command line's `--week` is the same week parser, with the same words.
#[test]
fn the_command_line_week_names_the_year_range() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, code) =
        crate::cli::run_console(dir.path(), &["digest", "weekly", "--week", "0001-W01"], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("week `0001-W01`: the year must be between 1000 and 9999"),
        "{err}"
    );
    let (_, err, code) = crate::cli::run_console(
        dir.path(),
        &["digest", "weekly", "--week", "2026-02-30"],
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`2026-02-30` is not a date: February 2026 has 28 days"),
        "{err}"
    );
}

/// The words of a refusal of an invisible character in the text `what` names.
fn invisible(what: &str) -> String {
    format!(
        "{what} cannot contain invisible characters (zero-width spaces, direction overrides): type it plainly"
    )
}

/// A trait, profile, note, source or reason with a direction override (U+202E: `Fast onboarding` typed as
/// `gnidraobno tsaF` after it reads as the former) or a zero-width character is refused as a partner name
/// is, by the commands and, at its line, by the import; the joiners and selectors of an emoji stay.
async fn invisible_characters_are_refused_in_every_text(db: Db) {
    let t = acme(db).await;
    let profile = t.ok("/profile show type:reseller").await;
    let evidence = t.ok(r#"/evidence list partner:"Acme""#).await;
    for (line, what) in [
        (
            "/profile trait add type:reseller name:\"\u{202E}gnidraobno tsaF\" verify_by:\"CRM\"",
            "the trait name",
        ),
        (
            "/profile create type:referral name:\"Refer\u{200B}rals\"",
            "the profile name",
        ),
        (
            "/evidence add partner:\"Acme\" trait:\"Customer overlap\" value:40 source:\"crm\u{200B}report\"",
            "`source`",
        ),
        (
            "/evidence add partner:\"Acme\" trait:\"Customer overlap\" value:40 source:\"crm\" note:\"ok\u{2066}x\u{2069}\"",
            "`note`",
        ),
        (
            "/partner drop partner:\"Acme\" reason:\"\u{FEFF}lost\"",
            "the reason",
        ),
    ] {
        assert_eq!(t.err(line).await, invisible(what), "{line:?}");
    }
    assert_eq!(t.ok("/profile show type:reseller").await, profile);
    assert_eq!(t.ok(r#"/evidence list partner:"Acme""#).await, evidence);

    // The import refuses them at their line, and imports nothing.
    let file = "partner,trait,met,value,source,note,observed\n\
                Acme,Customer overlap,,40,crm,,2026-11-02\n\
                Acme,Customer overlap,,41,crm\u{200B},,2026-11-03\n\
                Acme,Customer overlap,,42,crm,\u{202E}ton,2026-11-04\n";
    let e = import(&t, "evidence", file.as_bytes()).await.unwrap_err();
    for needle in [
        format!("line 3, column `source`: {}", invisible("`source`")),
        format!("line 4, column `note`: {}", invisible("`note`")),
    ] {
        assert!(e.contains(&needle), "missing {needle:?} in:\n{e}");
    }
    assert_eq!(t.ok(r#"/evidence list partner:"Acme""#).await, evidence);

    // An emoji holds its joiners and selectors (a family, a red heart) in any text.
    let note = "Loves \u{2764}\u{FE0F} and \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    let r = t
        .ok(&format!(
            r#"/evidence add partner:"Acme" trait:"Customer overlap" value:40 source:"crm" note:"{note}""#
        ))
        .await;
    let list = t.ok(r#"/evidence list partner:"Acme""#).await;
    let kept = list["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rec| rec["id"] == r["id"])
        .unwrap_or_else(|| panic!("record {} in {list}", r["id"]));
    assert_eq!(kept["note"], note, "{kept}");
}
