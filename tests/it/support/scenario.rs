//! Scenario builders for the tests that drive the real bot, so a test reads like the product: a bot that
//! is up (`TestBot::start`), a workspace with a profile and partners, a schedule that fires now (in a time
//! zone where no digest period begins while the test runs) and its post awaited, and the scheduler's next
//! ticks awaited instead of sleeping through them.

use super::bot::{opt, slash, title, Bot, WAIT};
use super::fake_discord::{
    mention_message, FakeConfig, FakeDiscord, Invoker, Recorded, PARTNERS_CHANNEL_ID,
    STANDARD_BOT_USER_ID, STANDARD_GUILD_ID,
};
use chrono::{DateTime, Utc};
use partnerfit::domain::timezone::parse_timezone;
use partnerfit::domain::DigestKind;
use partnerfit::schedule::period_of;
use serde_json::{json, Value};
use tempfile::TempDir;

/// `partnerfit run` on a fresh SQLite file against a fresh fake Discord (the standard guild).
pub struct TestBot {
    pub fake: FakeDiscord,
    /// The bot's working directory (its database and log); a restarted bot reuses it.
    pub dir: TempDir,
    pub bot: Bot,
}

impl TestBot {
    /// The bot, READY on the gateway and with its commands registered (it registers them right after READY).
    pub async fn start() -> TestBot {
        TestBot::start_with(&[]).await
    }

    /// Like `start`, with extra environment variables for the bot.
    pub async fn start_with(env: &[(&str, &str)]) -> TestBot {
        TestBot::start_on(FakeConfig::standard(), env).await
    }

    /// Like `start_with`, against a fake Discord of `config` (e.g. with a second server).
    pub async fn start_on(config: FakeConfig, env: &[(&str, &str)]) -> TestBot {
        let fake = FakeDiscord::start(config).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bot = Bot::start(&fake, dir.path(), env);
        if let Err(e) = fake.wait_ready(WAIT).await {
            panic!("bot never got ready: {e}\n{}", bot.log_text());
        }
        fake.wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
            .await
            .unwrap_or_else(|e| panic!("commands never registered: {e}\n{}", bot.log_text()));
        TestBot { fake, dir, bot }
    }
}

/// A trait of a profile: its name and the `/profile trait add` options beyond `type` and `name`.
pub type TraitSpec<'a> = (&'a str, Vec<Value>);

/// A workspace with a profile: `/profile create type:reseller name:Resellers`, then `/profile trait add` of
/// each trait, as the lead; every reply must say it worked.
pub async fn reseller_profile(fake: &FakeDiscord, traits: &[TraitSpec<'_>]) {
    let lead = Invoker::lead();
    let r = slash(
        fake,
        &lead,
        &["profile", "create"],
        vec![
            opt("type", json!("reseller")),
            opt("name", json!("Resellers")),
        ],
    )
    .await;
    assert!(title(&r).contains("created"), "{r}");
    for (name, extra) in traits {
        let mut leaf = vec![opt("type", json!("reseller")), opt("name", json!(name))];
        leaf.extend(extra.iter().cloned());
        let r = slash(fake, &lead, &["profile", "trait", "add"], leaf).await;
        assert!(title(&r).contains("added trait"), "{r}");
    }
}

/// `/partner add` of a reseller, as the lead; the reply must say it was added.
pub async fn reseller(fake: &FakeDiscord, name: &str) {
    let r = slash(
        fake,
        &Invoker::lead(),
        &["partner", "add"],
        vec![opt("name", json!(name)), opt("type", json!("reseller"))],
    )
    .await;
    assert!(title(&r).contains(&format!("Added {name}")), "{r}");
}

/// Time zones `/settings set key:timezone` accepts (region names), none with daylight saving time, whose
/// offsets (0, +14, +9, +5:30, −5, −10) spread the start of a week or a quarter over a day of instants: at any
/// instant, in one of them no period begins for at least nine hours.
const STEADY_ZONES: &[&str] = &[
    "UTC",
    "Pacific/Kiritimati",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "America/Bogota",
    "Pacific/Honolulu",
];

/// How long from now [`steady_zone`]'s zone keeps both digests' periods: far longer than any test runs.
pub const STEADY_FOR: chrono::Duration = chrono::Duration::hours(6);

/// A time zone for the workspace (its name, as `/settings set key:timezone` takes it) in which the periods
/// of both digests stay the same from now for [`STEADY_FOR`]: UTC, the default, unless a week or a quarter
/// begins there within that time (Monday 00:00, or the 1st of January, April, July or October, local time).
///
/// A digest is posted once per period, and the period of a fire is the week (or quarter) that ended before
/// its local date ([`period_of`]). A test on the real clock that lets an every-second schedule fire and then
/// counts one post would see a second, legitimate post if a new period began in the workspace's zone while
/// it ran; with the workspace in this zone none does.
pub fn steady_zone() -> &'static str {
    steady_zone_at(Utc::now())
}

/// [`steady_zone`] at `now`: the first of [`STEADY_ZONES`] in which both digests' periods stay the same from
/// `now` for [`STEADY_FOR`].
pub fn steady_zone_at(now: DateTime<Utc>) -> &'static str {
    let later = now + STEADY_FOR;
    STEADY_ZONES
        .iter()
        .copied()
        .find(|name| {
            let tz = parse_timezone(name)
                .unwrap_or_else(|e| panic!("{name} is not a zone the settings accept: {e}"));
            [DigestKind::Weekly, DigestKind::Quarterly]
                .into_iter()
                .all(|d| period_of(d, now, tz) == period_of(d, later, tz))
        })
        .unwrap_or_else(|| panic!("in none of {STEADY_ZONES:?} do the periods stay put from {now}"))
}

/// `/settings set key:timezone value:<zone>` as the lead, with [`steady_zone`]'s zone: no digest period
/// begins while the test runs (see there). The reply must confirm it.
pub async fn keep_periods_steady(fake: &FakeDiscord) {
    let r = slash(
        fake,
        &Invoker::lead(),
        &["settings", "set"],
        vec![
            opt("key", json!("timezone")),
            opt("value", json!(steady_zone())),
        ],
    )
    .await;
    assert!(title(&r).contains("Setting `timezone` updated"), "{r}");
}

/// `/schedule set digest:<digest> cron:"* * * * * *" channel:<channel>` as the lead: a schedule that fires
/// every second, so now. Returns the reply (a refusal too). The workspace's time zone is set first
/// ([`keep_periods_steady`]), so that the digest's period stays the same while the test runs: an
/// every-second schedule posts once, and again only when a new period begins.
pub async fn set_schedule_every_second(fake: &FakeDiscord, digest: &str, channel: u64) -> Value {
    keep_periods_steady(fake).await;
    slash(
        fake,
        &Invoker::lead(),
        &["schedule", "set"],
        vec![
            opt("digest", json!(digest)),
            opt("cron", json!("* * * * * *")),
            json!({"name": "channel", "type": 7, "value": channel.to_string()}),
        ],
    )
    .await
}

/// A schedule of `digest` that fires now (every second) in `channel`; the reply must confirm it.
pub async fn schedule_firing_now(fake: &FakeDiscord, digest: &str, channel: u64) {
    let r = set_schedule_every_second(fake, digest, channel).await;
    assert!(
        title(&r).contains(&format!("Scheduled the {digest} digest")),
        "{r}"
    );
}

/// Whether a recorded request is a successful post in `channel`.
pub fn is_post_to(q: &Recorded, channel: u64) -> bool {
    q.method == "POST"
        && q.path == format!("/api/v10/channels/{channel}/messages")
        && q.is_success()
}

/// The first successful post in `channel` (past or future), awaited; a timeout fails with the bot's log.
pub async fn awaited_post(fake: &FakeDiscord, bot: &Bot, channel: u64) -> Recorded {
    fake.wait_request(|q| is_post_to(q, channel), WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()))
}

/// A guest mentions the bot in #partners with `text`; the bot's post in #partners whose first embed's title
/// passes `title` (`|_| true` for the first post there), awaited.
pub async fn answer_to_mention(
    fake: &FakeDiscord,
    text: &str,
    title: impl Fn(&str) -> bool,
) -> Recorded {
    fake.send_message_create(mention_message(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::guest(),
        STANDARD_BOT_USER_ID,
        text,
    ))
    .await
    .unwrap();
    fake.wait_request(
        |q| {
            q.method == "POST"
                && q.path == format!("/api/v10/channels/{PARTNERS_CHANNEL_ID}/messages")
                && title(q.body["embeds"][0]["title"].as_str().unwrap_or_default())
        },
        WAIT,
    )
    .await
    .unwrap()
}
