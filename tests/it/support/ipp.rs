//! Building rosters through the console for the digest tests: a three-trait reseller profile, partners
//! whose evidence makes them fit / near-fit / walk-away / incomplete from a given date, and small JSON helpers.

use super::TestApp;
use partnerfit::app::Ctx;
use serde_json::Value;

/// The reseller profile of the digest tests: "Deal registration" (yes/no), "Customer overlap" (>= 25) and
/// "Named champion" (yes/no). With max_misses 1, two misses walk away.
pub async fn reseller_profile(t: &TestApp, ctx: &Ctx) {
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell our platform with onboarding""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"call with the regional director""#,
    ] {
        ok(t, ctx, line).await;
    }
}

/// The evidence that gives a reseller a verdict, as (trait, option) pairs.
pub fn evidence_for(verdict: &str) -> Vec<(&'static str, &'static str)> {
    match verdict {
        "fit" => vec![
            ("Deal registration", "met:true"),
            ("Customer overlap", "value:30"),
            ("Named champion", "met:true"),
        ],
        "near-fit" => vec![
            ("Deal registration", "met:true"),
            ("Customer overlap", "value:30"),
            ("Named champion", "met:false"),
        ],
        "walk-away" => vec![
            ("Deal registration", "met:false"),
            ("Customer overlap", "value:10"),
            ("Named champion", "met:true"),
        ],
        "incomplete" => vec![("Deal registration", "met:true")],
        // No evidence at all (or a partner of a type without a profile).
        "none" => vec![],
        other => panic!("unknown verdict {other}"),
    }
}

/// Record the evidence that makes `partner` have `verdict` from `observed` on.
pub async fn give_verdict(t: &TestApp, ctx: &Ctx, partner: &str, verdict: &str, observed: &str) {
    for (tr, what) in evidence_for(verdict) {
        ok(
            t,
            ctx,
            &format!(
                r#"/evidence add partner:"{partner}" trait:"{tr}" {what} observed:{observed} source:"crm""#
            ),
        )
        .await;
    }
}

/// Add a partner (`ty` reseller, si, ...), give it evidence for `verdict` observed on `observed`, and sign it
/// on `signed` when given.
pub async fn partner(
    t: &TestApp,
    ctx: &Ctx,
    name: &str,
    ty: &str,
    verdict: &str,
    observed: &str,
    signed: Option<&str>,
) {
    ok(t, ctx, &format!(r#"/partner add name:"{name}" type:{ty}"#)).await;
    give_verdict(t, ctx, name, verdict, observed).await;
    if let Some(d) = signed {
        ok(
            t,
            ctx,
            &format!(r#"/partner sign partner:"{name}" date:{d}"#),
        )
        .await;
    }
}

/// Run a line that must succeed in `ctx`; returns its reply.
pub async fn ok(t: &TestApp, ctx: &Ctx, line: &str) -> Value {
    let v = t.run(ctx, line).await;
    assert_eq!(v["ok"], true, "{line} -> {v}");
    v["reply"].clone()
}

/// Run a line that must fail in `ctx`; returns the error, checked to be one line.
pub async fn err(t: &TestApp, ctx: &Ctx, line: &str) -> String {
    let v = t.run(ctx, line).await;
    assert_eq!(v["ok"], false, "{line} -> {v}");
    let e = v["error"].as_str().unwrap().to_string();
    assert!(
        !e.trim().is_empty() && !e.contains('\n'),
        "one-line error: {e:?}"
    );
    e
}

/// A number field (panics with the object when it is not a number).
pub fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

/// Assert `actual` is within 1e-9 relative of `expected` (or both exactly zero).
#[track_caller]
pub fn close(actual: f64, expected: f64, what: &str) {
    let tol = 1e-9 * expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual:e}, expected {expected:e} (rel. diff {:e})",
        ((actual - expected) / expected).abs()
    );
}

/// Assert an optional JSON number is within 1e-9 relative of `expected`.
#[track_caller]
pub fn close_field(v: &Value, key: &str, expected: f64) {
    let a = v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"));
    close(a, expected, key);
}

/// The names in a list of objects' `key` field, or in a list of strings.
pub fn names(v: &Value, key: Option<&str>) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| match key {
            Some(k) => x[k].as_str().unwrap().to_string(),
            None => x.as_str().unwrap().to_string(),
        })
        .collect()
}

/// In each of `servers` servers (workspace `guild0 + i`), a weekly digest at Monday 09:00 in its channel
/// `channel0 + i`, set by a lead (the fan-out tests).
pub async fn weekly_digest_in_each(t: &TestApp, servers: u64, guild0: u64, channel0: u64) {
    for i in 0..servers {
        let ctx = t.ctx(
            &(guild0 + i).to_string(),
            "ana",
            partnerfit::domain::Role::Lead,
        );
        let channel = channel0 + i;
        ok(
            t,
            &ctx,
            &format!(r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{channel}"#),
        )
        .await;
    }
}
