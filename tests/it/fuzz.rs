//! Property tests: arbitrary and hostile input through the console parser and every command of the table.
//! Nothing may panic; every refusal is a clear one-line user error (never an internal error) and leaves the
//! database exactly as it was.

use crate::support::{utc, TestApp};
use partnerfit::app::line::{parse_line, Line};
use partnerfit::app::spec::{Kind, COMMANDS};
use partnerfit::app::{dispatch, AppError, ArgValue, Invocation};
use partnerfit::domain::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Values that have broken parsers before: injections, mentions, invisible and bidi characters, numbers and
/// dates at the edges, huge strings — mixed with arbitrary unicode and plausible values.
fn nasty() -> BoxedStrategy<String> {
    let fixed: Vec<&'static str> = vec![
        "'; DROP TABLE partners; --",
        "\" OR 1=1 --",
        "Robert'); DELETE FROM evidence;--",
        "@everyone",
        "@here",
        "<@&4000>",
        "<@1001>",
        "**bold** __under__ `code` ~~strike~~ ||spoiler||",
        "\u{200B}zero\u{200B}width\u{FEFF}",
        "\u{202E}evil\u{202C}",
        "\u{0}nul",
        "tab\there",
        "line\nbreak",
        "",
        "   ",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "infinity",
        "1e308",
        "-1e308",
        "1e309",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551616",
        "0",
        "-0",
        "-1",
        "0.001",
        "$1,200.50",
        "1,20",
        "0000-00-00",
        "9999-12-31",
        "1000-01-01",
        "2026-02-29",
        "2024-02-29",
        "2026-13-01",
        "2026-W53",
        "2026-W54",
        "2025-W53",
        "2026-Q4",
        "2026-Q5",
        "reseller",
        "si",
        "weekly",
        "true",
        "false",
        "Acme Corp",
        "acme corp ",
        "Customer overlap",
        "Deal registration",
        "0 9 * * MON",
        "* * * * * * * *",
        "0 0 30 2 *",
        "EST5EDT",
        "Europe/Berlin",
        "3000",
        "<#3000>",
        "1",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(str::to_string),
        2 => any::<String>(),
        1 => "[0-9]{1,25}(\\.[0-9]{0,5})?",
        1 => "\\PC{0,40}",
        1 => (1usize..4).prop_map(|k| "é".repeat(k * 40_000)),
    ]
    .boxed()
}

/// A random invocation of a random command: each option present or not, with a nasty value.
fn invocation() -> impl Strategy<Value = (Invocation, Role)> {
    let idx = 0..COMMANDS.len();
    (
        idx,
        proptest::collection::vec((any::<bool>(), nasty()), 8),
        0u8..3,
    )
        .prop_map(|(i, values, role)| {
            let spec = &COMMANDS[i];
            let mut inv = Invocation::new(spec.path);
            for (o, (present, v)) in spec.options.iter().zip(values) {
                if !(present || o.required) {
                    continue;
                }
                let value = match o.kind {
                    Kind::Attachment => ArgValue::File {
                        name: "x.csv".into(),
                        bytes: v.into_bytes(),
                    },
                    _ => ArgValue::Text(v),
                };
                inv.args.insert(o.name.to_string(), value);
            }
            let role = [Role::Guest, Role::Member, Role::Lead][role as usize];
            (inv, role)
        })
}

async fn seeded() -> TestApp {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"resell us""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"report" min:25"#,
        r#"/partner add name:"Acme Corp" type:reseller"#,
        r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:30"#,
        r#"/log hours partner:"Acme Corp" hours:5"#,
    ] {
        t.ok(line).await;
    }
    t
}

#[test]
fn every_command_survives_hostile_input() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = rt.block_on(seeded());
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let (refused, accepted) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&invocation(), |(inv, role)| {
            let ctx = t.ctx("local", "fuzzer", role);
            let before = rt.block_on(t.app.store.snapshot(None)).unwrap();
            let result = rt.block_on(dispatch(&t.app, &ctx, &inv));
            match result {
                Ok(reply) => {
                    accepted.set(accepted.get() + 1);
                    prop_assert!(reply.json().is_object(), "{:?}", inv.path);
                }
                Err(AppError::User(msg)) => {
                    refused.set(refused.get() + 1);
                    prop_assert!(
                        !msg.is_empty() && !msg.contains('\n'),
                        "{:?}: {msg:?}",
                        inv.path
                    );
                    prop_assert!(
                        msg.chars().count() < 600,
                        "short: {:?}: {}",
                        inv.path,
                        msg.chars().count()
                    );
                    let after = rt.block_on(t.app.store.snapshot(None)).unwrap();
                    prop_assert!(
                        before == after,
                        "{:?} refused but changed the database",
                        inv.path
                    );
                }
                Err(AppError::Internal(e)) => {
                    prop_assert!(false, "{:?} hit an internal error: {e:#}", inv);
                }
            }
            Ok(())
        })
        .unwrap();
    let (refused, accepted) = (refused.get(), accepted.get());
    assert!(
        refused > 100 && accepted > 20,
        "both paths exercised: {refused} refused, {accepted} accepted"
    );
}

/// Quote a value the way the console reads it back.
fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn console_parser_never_panics_and_round_trips() {
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&any::<String>(), |s| {
            let _ = parse_line(&s);
            let _ = parse_line(&format!("/{s}"));
            let _ = parse_line(&format!("/screen partner:{s}"));
            let _ = partnerfit::app::parse_question(&s);
            Ok(())
        })
        .unwrap();
    // A command written with quoted values parses back to exactly those values.
    let values = "[^\\n\\r\\u{feff}]{0,60}";
    runner
        .run(&(values, values), |(a, b)| {
            let line = format!(
                "/evidence add partner:{} trait:{} note:{}",
                quote(&a),
                quote(&b),
                quote("x")
            );
            match parse_line(&line) {
                Ok(Line::Command(inv)) => {
                    prop_assert_eq!(inv.args.get("partner"), Some(&ArgValue::Text(a.clone())));
                    prop_assert_eq!(inv.args.get("trait"), Some(&ArgValue::Text(b.clone())));
                }
                other => prop_assert!(false, "{line:?} -> {other:?}"),
            }
            Ok(())
        })
        .unwrap();
}
