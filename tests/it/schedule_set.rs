//! What `/schedule set` answers (issue 17): the next three runs in the workspace's time zone, a plain sentence
//! when a day must match both day fields (unlike a classic crontab, which fires on either), and day-of-week
//! ranges that end on Sunday accepted with the crontab meaning. Expected dates worked out on a calendar:
//! 2026-01-01 is a Thursday; Friday the 13th falls in February, March and November 2026.

use crate::support::{utc, TestApp};
use partnerfit::app::Ctx;
use partnerfit::domain::Role;
use serde_json::Value;

const BOTH: &str =
    "Both day fields must match: it runs only on days that fit both the day of the month \
                    and the day of the week (a classic crontab runs on either).";

/// A lead in a Berlin workspace on Thursday 2026-01-01 00:00Z.
async fn berlin() -> (TestApp, Ctx) {
    let t = TestApp::new(utc(2026, 1, 1, 0, 0)).await;
    t.ok("/settings set key:timezone value:Europe/Berlin").await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    (t, ctx)
}

/// The reply to `line` as JSON (the reply object) and as the console's text.
async fn reply(t: &TestApp, ctx: &Ctx, line: &str) -> (Value, String) {
    let out = partnerfit::console::handle_line(&t.app, ctx, line)
        .await
        .unwrap_or_else(|| panic!("{line}: no reply"));
    let json = out.to_json();
    assert_eq!(json["ok"], true, "{line} -> {json}");
    (json["reply"].clone(), out.to_text())
}

/// `(at, period)` of each next run of the schedule at `index` (0 weekly, 1 quarterly).
fn next_runs(r: &Value, index: usize) -> Vec<(String, String)> {
    r["schedules"][index]["next_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["at"].as_str().unwrap().to_string(),
                n["period"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn owned(runs: &[(&str, &str)]) -> Vec<(String, String)> {
    runs.iter()
        .map(|(a, p)| (a.to_string(), p.to_string()))
        .collect()
}

#[tokio::test]
async fn both_day_fields_restricted_is_said_plainly_with_the_next_runs() {
    let (t, ctx) = berlin().await;
    let (r, text) = reply(
        &t,
        &ctx,
        r#"/schedule set digest:weekly cron:"0 9 13 * FRI" channel:3000"#,
    )
    .await;
    let weekly = &r["schedules"][0];
    assert_eq!(weekly["cron"], "0 9 13 * FRI");
    assert_eq!(weekly["both_days_must_match"], true);
    // Only Fridays that are the 13th, not every Friday and every 13th.
    assert_eq!(
        next_runs(&r, 0),
        owned(&[
            ("Fri 2026-02-13 09:00 CET", "2026-W06"),
            ("Fri 2026-03-13 09:00 CET", "2026-W10"),
            ("Fri 2026-11-13 09:00 CET", "2026-W45"),
        ])
    );
    assert!(text.contains(BOTH), "{text}");
    assert!(
        text.contains("next: Fri 2026-02-13 09:00 CET → covers 2026-W06"),
        "{text}"
    );
    // /schedule show says it too, and the default quarterly schedule (the first Monday of a quarter) is one.
    t.ok("/schedule set digest:quarterly cron:default channel:3000")
        .await;
    let (show, text) = reply(&t, &ctx, "/schedule show").await;
    assert_eq!(show["schedules"][0]["both_days_must_match"], true);
    assert_eq!(show["schedules"][1]["cron"], "0 9 1-7 1,4,7,10 MON");
    assert_eq!(show["schedules"][1]["both_days_must_match"], true);
    assert_eq!(
        next_runs(&show, 1),
        owned(&[
            ("Mon 2026-01-05 09:00 CET", "2025-Q4"),
            ("Mon 2026-04-06 09:00 CEST", "2026-Q1"),
            ("Mon 2026-07-06 09:00 CEST", "2026-Q2"),
        ])
    );
    assert_eq!(text.matches(BOTH).count(), 2, "{text}");
}

#[tokio::test]
async fn one_day_field_restricted_says_nothing_about_matching_both() {
    let (t, ctx) = berlin().await;
    for (cron, first) in [
        ("0 9 13 * *", "Tue 2026-01-13 09:00 CET"),
        ("0 9 * * FRI", "Fri 2026-01-02 09:00 CET"),
        // 1-31 restricts nothing: every Monday.
        ("0 9 1-31 * MON", "Mon 2026-01-05 09:00 CET"),
    ] {
        let (r, text) = reply(
            &t,
            &ctx,
            &format!(r#"/schedule set digest:weekly cron:"{cron}" channel:3000"#),
        )
        .await;
        assert_eq!(r["schedules"][0]["both_days_must_match"], false, "{cron}");
        assert_eq!(next_runs(&r, 0)[0].0, first, "{cron}");
        assert!(!text.contains("Both day fields"), "{cron}: {text}");
    }
}

#[tokio::test]
async fn weekday_ranges_ending_on_sunday_are_accepted() {
    let (t, ctx) = berlin().await;
    let fri_to_sun = owned(&[
        ("Fri 2026-01-02 09:00 CET", "2025-W52"),
        ("Sat 2026-01-03 09:00 CET", "2025-W52"),
        ("Sun 2026-01-04 09:00 CET", "2025-W52"),
    ]);
    for cron in [
        "0 9 * * FRI-SUN",
        "0 9 * * fri-sunday",
        "0 9 * * 5-7",
        "0 9 * * 5-0",
    ] {
        let (r, _) = reply(
            &t,
            &ctx,
            &format!(r#"/schedule set digest:weekly cron:"{cron}" channel:3000"#),
        )
        .await;
        assert_eq!(r["schedules"][0]["cron"], cron);
        assert_eq!(next_runs(&r, 0), fri_to_sun, "{cron}");
    }
    // Every day, Thursday the 1st first.
    let every_day = owned(&[
        ("Thu 2026-01-01 09:00 CET", "2025-W52"),
        ("Fri 2026-01-02 09:00 CET", "2025-W52"),
        ("Sat 2026-01-03 09:00 CET", "2025-W52"),
    ]);
    for cron in ["0 9 * * MON-SUN", "0 9 * * 1-7", "0 9 * * 0-6"] {
        let (r, _) = reply(
            &t,
            &ctx,
            &format!(r#"/schedule set digest:weekly cron:"{cron}" channel:3000"#),
        )
        .await;
        assert_eq!(next_runs(&r, 0), every_day, "{cron}");
    }
    // A range that really goes backwards is still refused, and the schedule is unchanged.
    let e = t
        .err(r#"/schedule set digest:weekly cron:"0 9 * * SAT-MON" channel:3000"#)
        .await;
    assert_eq!(
        e,
        "cron expression `0 9 * * SAT-MON` is not valid: the weekday range `SAT-MON` goes backwards — \
         write it from low to high, e.g. `1-5`. Example: `0 9 * * MON`"
    );
    assert_eq!(
        t.ok("/schedule show").await["schedules"][0]["cron"],
        "0 9 * * 0-6"
    );
}
