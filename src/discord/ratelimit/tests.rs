//! The limiter's own tests: the global pace, a global 429, a late wake-up, a route's reset (on a paused clock:
//! no real waiting, and each wait is exact), and the request bodies ([`super::Body`]).

use super::send::mime_of;
use super::*;
use reqwest::header::{HeaderMap, HeaderValue};
use serenity::all::CreateAttachment;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

// The limiter waits on tokio's clock and talks to no server, so these run on a paused clock
// (`start_paused`): the runtime, idle while the limiter sleeps, moves the clock on to the next timer at once,
// and nothing else moves it. A wait therefore ends when the limiter asked, rounded up to the timer's
// resolution of a millisecond: both bounds are asserted.

/// The time between `start` and now is `expected`, give or take the timer's millisecond (never less).
#[track_caller]
fn assert_waited(start: Instant, expected: Duration) {
    let waited = start.elapsed();
    assert!(
        waited >= expected && waited <= expected + Duration::from_millis(1),
        "waited {waited:?}, expected {expected:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn requests_are_spaced_under_the_global_pace() {
    let l = Limits::new();
    let start = Instant::now();
    for _ in 0..25 {
        l.ready("a").await;
    }
    // 25 requests: the first at once, then one every 1/48 s, so the 25th at 24/48 s = 500 ms.
    assert_waited(start, Duration::from_secs_f64(1.0 / 48.0) * 24);
}

#[tokio::test(start_paused = true)]
async fn a_global_429_stops_every_route_and_halves_the_pace() {
    let l = Limits::new();
    let body = serde_json::json!({"message": "You are being rate limited.", "retry_after": 0.25, "global": true});
    let got = l.observe("a", 429, &headers(&[("x-ratelimit-global", "true")]), &body);
    assert_eq!(
        got,
        Some(Limited {
            global: true,
            retry_after: Duration::from_millis(250)
        })
    );
    // A second 429 of the same stop does not halve again; a scope header alone says global too.
    let scope = l.observe(
        "b",
        429,
        &headers(&[("x-ratelimit-scope", "global"), ("retry-after", "1")]),
        &Value::Null,
    );
    assert_eq!(scope.map(|s| s.global), Some(true));
    assert_eq!(l.pace(), 24.0);
    // Stopped for the longer of the two waits (the header's 1 s), plus the margin for Discord's rounding.
    let start = Instant::now();
    l.ready("c").await;
    assert_waited(start, Duration::from_secs(1) + MARGIN);
}

/// On a paused clock (`advance` moves it on at once, as a process held up by the machine sees it): twelve
/// requests take their slots, 1/48 s apart, the first is sent, then the process is held up for 150 ms, past
/// seven more slots. Sent when it goes on, those seven would go at once; instead a slot passed by more than
/// `SLOT_GRACE` is dropped and a new one taken, so no more than two requests go within 1/48 s (checked:
/// without the drop seven go at the same instant).
#[tokio::test(start_paused = true)]
async fn a_request_woken_too_late_takes_a_new_slot_instead_of_going_in_a_burst() {
    let l = Arc::new(Limits::new());
    let spacing = Duration::from_secs_f64(1.0 / GLOBAL_PER_SECOND);
    let requests: Vec<_> = (0..12)
        .map(|i| {
            let l = l.clone();
            tokio::spawn(async move {
                l.ready(&format!("r{i}")).await;
                Instant::now()
            })
        })
        .collect();
    tokio::task::yield_now().await;
    tokio::time::advance(Duration::from_millis(150)).await;
    let mut sent = Vec::new();
    for r in requests {
        sent.push(r.await.unwrap());
    }
    sent.sort();
    for (i, t) in sent.iter().enumerate() {
        let within = sent[i..].iter().take_while(|u| **u - *t < spacing).count();
        assert!(within <= 2, "{within} requests within 1/48 s: {sent:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_route_with_nothing_remaining_waits_for_its_reset() {
    let l = Limits::new();
    let ok = l.observe(
        "POST /channels/1/messages",
        200,
        &headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "0.300"),
        ]),
        &Value::Null,
    );
    assert_eq!(ok, None);
    let start = Instant::now();
    l.ready("POST /channels/1/messages").await;
    assert_waited(start, Duration::from_millis(300) + MARGIN);
    // A route's 429 without a body waits for its Retry-After header.
    let got = l.observe("r", 429, &headers(&[("retry-after", "1")]), &Value::Null);
    assert_eq!(
        got,
        Some(Limited {
            global: false,
            retry_after: Duration::from_secs(1)
        })
    );
    assert_eq!(
        l.pace(),
        GLOBAL_PER_SECOND,
        "a route's 429 leaves the global pace alone"
    );
    let start = Instant::now();
    l.ready("r").await;
    assert_waited(start, Duration::from_secs(1) + MARGIN);
}

#[test]
fn a_body_without_files_is_the_builders_json_and_with_files_numbers_them() {
    use serenity::all::{CreateInteractionResponse, CreateInteractionResponseMessage};
    let message = || CreateInteractionResponseMessage::new().content("**Acme** fits");
    let answer = CreateInteractionResponse::Message(message());
    let Ok(Body::Json(text)) = Body::of(&answer, Vec::new(), Some("data")) else {
        panic!("no files: a JSON body");
    };
    let written: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        written,
        serde_json::json!({"type": 4, "data": {"content": "**Acme** fits", "attachments": []}})
    );
    let files = vec![
        CreateAttachment::bytes(vec![1], "a.png"),
        CreateAttachment::bytes(vec![2], "b.csv"),
    ];
    let answer = CreateInteractionResponse::Message(message().add_files(files.clone()));
    let Ok(Body::Multipart(text, sent)) = Body::of(&answer, files, Some("data")) else {
        panic!("files: a multipart body");
    };
    let written: Value = serde_json::from_str(&text).unwrap();
    let listed = &written["data"]["attachments"];
    assert_eq!(listed[0]["id"], 0);
    assert_eq!(listed[1]["id"], 1);
    assert_eq!(listed[1]["filename"], "b.csv");
    assert_eq!(sent.len(), 2);
}

#[test]
fn new_attachments_are_numbered_in_order() {
    let mut v = serde_json::json!({"attachments": [{"id": 0, "filename": "a.png"}, {"id": 0, "filename": "b.png"}]});
    number_attachments(&mut v);
    assert_eq!(v["attachments"][1]["id"], 1);
    assert_eq!(mime_of("chart.PNG"), "image/png");
}
