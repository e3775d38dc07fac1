//! The replies a lead reads, with their words written out (the lead-replies audit): a walk-away says the
//! workspace's max_misses, stale evidence its age limit, a retraction's error where the id is shown, each
//! suggestion of /profile create its `name`, a signing why it does not match, a filtered roster its filters,
//! a time its zone; a command typed without its `/` is not taken for a question; user text in profile cards is
//! marked; and a legacy member role of @everyone makes everyone a member on Discord.

use crate::support::{utc, TestApp};
use partnerfit::app::card::{segments, Card, Segment};
use partnerfit::domain::Role;

/// The console text of a line run by a lead.
async fn text(t: &TestApp, line: &str) -> String {
    let ctx = t.ctx("local", "ana", Role::Lead);
    partnerfit::console::handle_line(&t.app, &ctx, line)
        .await
        .unwrap()
        .to_text()
}

/// The card of a line run by a lead, with its marks around user text.
async fn card(t: &TestApp, line: &str) -> Card {
    let ctx = t.ctx("local", "ana", Role::Lead);
    partnerfit::console::handle_line(&t.app, &ctx, line)
        .await
        .unwrap()
        .result
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .card
}

/// The error of a line run by `user` as a member.
async fn member_err(t: &TestApp, line: &str) -> String {
    let v = t.run(&t.ctx("local", "bo", Role::Member), line).await;
    assert_eq!(v["ok"], false, "{line} -> {v}");
    v["error"].as_str().unwrap().to_string()
}

async fn reseller_profile(t: &TestApp) {
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell us""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam" min:25 unit:accounts"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"a call""#,
    ] {
        t.ok(line).await;
    }
}

/// Acme Corp, a reseller missing two of three traits.
async fn walk_away_acme(t: &TestApp) {
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    for what in [
        r#"trait:"Deal registration" met:false"#,
        r#"trait:"Customer overlap" value:10"#,
        r#"trait:"Named champion" met:true"#,
    ] {
        t.ok(&format!(
            r#"/evidence add partner:"Acme Corp" {what} observed:2026-11-20 source:"crm""#
        ))
        .await;
    }
}

#[tokio::test]
async fn a_walk_away_says_the_workspaces_max_misses() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.ends_with(
            "\n2 of 3 traits missed — more than this workspace allows (max_misses 1): walk away, or record newer evidence if it changed."
        ),
        "{screen}"
    );
    // Allowed two misses, the same evidence is near-fit: no walk-away to explain.
    t.ok("/settings set key:max_misses value:2").await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(screen.contains("near-fit"), "{screen}");
    assert!(!screen.contains("walk away"), "{screen}");
    // Allowed none, still two of three.
    t.ok("/settings set key:max_misses value:0").await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.contains("2 of 3 traits missed — more than this workspace allows (max_misses 0)"),
        "{screen}"
    );
    // Help says the rule, not a fixed count.
    let help = text(&t, "/help").await;
    assert!(
        help.contains("(walk away when more traits are missed than max_misses allows — two misses by default)"),
        "{help}"
    );
}

#[tokio::test]
async fn stale_evidence_says_its_date_and_the_limit() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    t.ok(
        r#"/evidence add partner:"Acme Corp" trait:"Named champion" met:true observed:2025-06-01"#,
    )
    .await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.contains(
            "⌛ Named champion (yes/no): stale — observed 2025-06-01, more than 365 days ago (evidence_max_age_days), so it no longer counts: met · by ana (#1)"
        ),
        "{screen}"
    );
    t.ok("/settings set key:evidence_max_age_days value:500")
        .await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.contains("stale — observed 2025-06-01, more than 500 days ago"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_retraction_says_where_ids_are_and_names_records_with_articles() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    // The ids the errors point to are in these replies.
    let logged = text(&t, r#"/log hours partner:"Acme Corp" hours:5"#).await;
    assert!(logged.contains("entry #1 · wrong?"), "{logged}");
    let outcome = text(
        &t,
        r#"/outcome add partner:"Acme Corp" kind:sourced-pipeline amount:1000"#,
    )
    .await;
    assert!(outcome.contains("outcome #1 · wrong?"), "{outcome}");
    assert_eq!(
        t.err(r#"/log retract id:99 reason:"typo""#).await,
        "There is no log entry #99 in this workspace. A log entry's id is in the reply to /log hours or /log spend (`entry #…`)."
    );
    assert_eq!(
        t.err(r#"/outcome retract id:99 reason:"typo""#).await,
        "There is no outcome #99 in this workspace. An outcome's id is in the reply to /outcome add (`outcome #…`)."
    );
    assert_eq!(
        t.err(r#"/evidence retract id:99 reason:"typo""#).await,
        "There is no evidence #99 in this workspace. An evidence record's id is in the reply to /evidence add (`Evidence #…`) and in /evidence list."
    );
    for (line, what) in [
        ("/evidence retract id:1 reason:x", "an evidence record"),
        ("/log retract id:1 reason:x", "a log entry"),
        ("/outcome retract id:1 reason:x", "an outcome"),
    ] {
        let e = member_err(&t, line).await;
        assert!(
            e.contains(&format!("can retract {what} someone else recorded.")),
            "{e}"
        );
    }
}

/// A record retracted twice: the error dates the first retraction in the workspace's time zone (23:30 UTC on
/// 26 November is already 27 November in Tokyo, UTC+9), as every date a reply shows.
#[tokio::test]
async fn a_second_retraction_dates_the_first_in_the_workspace_zone() {
    let t = TestApp::new(utc(2026, 11, 26, 23, 30)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    text(&t, "/settings set key:timezone value:Asia/Tokyo").await;
    text(&t, r#"/log hours partner:"Acme Corp" hours:5"#).await;
    text(&t, r#"/log retract id:1 reason:"typo""#).await;
    let e = t.err(r#"/log retract id:1 reason:"again""#).await;
    assert!(
        e.starts_with("Log entry #1 was already retracted by ")
            && e.ends_with(" on 2026-11-27 (typo). Nothing changed."),
        "{e}"
    );
}

#[tokio::test]
async fn every_profile_create_suggestion_names_the_name() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    let added = text(&t, r#"/partner add name:"Initech" type:si"#).await;
    assert!(
        added.contains(
            r#"There is no active si profile yet: a lead creates it with /profile create type:si name:"…"."#
        ),
        "{added}"
    );
    let screen = text(&t, "/screen partner:Initech").await;
    assert!(
        screen.contains(
            r#"prospect · no active si profile: a lead creates it with /profile create type:si name:"…""#
        ),
        "{screen}"
    );
    let nobody = text(&t, "/screen partner:Nobody").await;
    assert!(
        nobody.contains(
            r#"Nothing to check it against yet: no active profile has traits. A lead creates one with /profile create type:reseller name:"…" (type: one of reseller, si, tech-isv, referral), then adds traits with /profile trait add."#
        ),
        "{nobody}"
    );
    let asked = text(&t, "does Nobody fit as an SI?").await;
    assert!(
        asked.contains(
            r#"Nothing to check it against yet: there is no active si profile with traits. A lead creates it with /profile create type:si name:"…", then adds traits with /profile trait add."#
        ),
        "{asked}"
    );
}

#[tokio::test]
async fn add_and_rename_state_the_same_rule_of_names() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    t.ok(r#"/partner add name:"Globex" type:reseller"#).await;
    let rule = "`Acme Corp` is already on the roster (names are compared without case, spacing or lookalike letters).";
    assert_eq!(
        t.err(r#"/partner add name:"acme  corp" type:si"#).await,
        format!(r#"{rule} Use /partner show partner:"Acme Corp"."#)
    );
    assert_eq!(
        t.err(r#"/partner rename partner:Globex name:"ACME CORP""#)
            .await,
        format!(r#"{rule} Pick another name, or look at /partner show partner:"Acme Corp"."#)
    );
}

#[tokio::test]
async fn a_signing_says_why_it_does_not_match() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    assert!(text(&t, r#"/partner sign partner:"Acme Corp""#)
        .await
        .ends_with(
        "\nNote: signed with verdict ⛔ walk-away — today it is walk-away, not fit or near-fit."
    ));
    t.ok(r#"/partner add name:"Initech" type:si"#).await;
    assert!(text(&t, "/partner sign partner:Initech").await.ends_with(
        "\nNote: signed with verdict ⚪ unscreened — there is no active si profile, so it could not be screened."
    ));
    t.ok(r#"/profile create type:tech-isv name:"ISVs""#).await;
    t.ok(r#"/partner add name:"Hooli" type:tech-isv"#).await;
    assert!(text(&t, "/partner sign partner:Hooli").await.ends_with(
        "\nNote: signed with verdict ⚪ unscreened — its tech-isv profile has no traits yet, so it could not be screened."
    ));
}

#[tokio::test]
async fn before_signing_is_said_of_prospects_only() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    t.ok(r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true"#)
        .await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.contains("\nVerify next, before signing: Customer overlap, Named champion"),
        "{screen}"
    );
    t.ok(r#"/partner sign partner:"Acme Corp""#).await;
    let screen = text(&t, r#"/screen partner:"Acme Corp""#).await;
    assert!(
        screen.contains("\nVerify next: Customer overlap, Named champion"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_question_of_another_type_names_both_profiles() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    t.ok(r#"/partner add name:"Initech" type:si"#).await;
    let acme = text(&t, "does Acme Corp fit as an SI?").await;
    assert!(
        acme.contains("Acme Corp is on the roster as a reseller, so it is screened against the reseller profile, not the si profile."),
        "{acme}"
    );
    let initech = text(&t, "does Initech fit as a reseller?").await;
    assert!(
        initech.contains("Initech is on the roster as a systems integrator (si), so it is screened against the si profile, not the reseller profile."),
        "{initech}"
    );
}

#[tokio::test]
async fn hours_help_says_the_cap_is_per_partner_and_week() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    let help = text(&t, r#"/help command:"log hours""#).await;
    assert!(
        help.contains("Hours (more than 0; at most 168 per partner per week in all)"),
        "{help}"
    );
}

#[tokio::test]
async fn evidence_list_reads_values_and_says_why_a_record_was_retracted() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    t.ok(r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:31 observed:2026-11-21"#)
        .await;
    t.ok(r#"/evidence retract id:1 reason:"wrong *partner*""#)
        .await;
    let list = text(&t, r#"/evidence list partner:"Acme Corp""#).await;
    assert!(
        list.contains(
            "\n  #4 Customer overlap — 31 (>= 25 accounts: met) · observed 2026-11-21 by ana\n"
        ),
        "{list}"
    );
    assert!(
        list.contains("\n  #2 Customer overlap — 10 (>= 25 accounts: missed) · crm · observed 2026-11-20 by ana\n"),
        "{list}"
    );
    assert!(
        list.contains("\n  #3 Named champion — met · crm · observed 2026-11-20 by ana\n"),
        "{list}"
    );
    assert!(
        list.ends_with(
            "\n  ~~#1 Deal registration — missed · crm · observed 2026-11-20 by ana~~ (retracted: wrong *partner*)"
        ),
        "{list}"
    );
    // The reason is user text on the card; the JSON has no more fields than it had.
    let c = card(&t, r#"/evidence list partner:"Acme Corp""#).await;
    let last = c.lines.last().unwrap();
    assert!(
        segments(last).contains(&Segment::Users("wrong *partner*")),
        "{last}"
    );
    let v = t.ok(r#"/evidence list partner:"Acme Corp""#).await;
    let mut keys: Vec<&str> = v["records"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "id",
            "met",
            "note",
            "observed",
            "recorded_at",
            "recorded_by",
            "retracted",
            "source",
            "trait",
            "value"
        ]
    );
}

#[tokio::test]
async fn a_retired_profile_keeps_its_revisions_and_says_what_next() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    t.ok(r#"/profile create type:si name:"SIs""#).await;
    assert_eq!(
        text(&t, "/profile retire type:si").await,
        "Retired the si profile \"SIs\"\n\
         Its 1 revision is kept (/profile show and /profile history show an active profile only). Partners of \
         type si are unscreened until a new si profile with traits is created: /profile create type:si \
         name:\"…\", then /profile trait add."
    );
    assert!(t
        .err("/profile history type:si")
        .await
        .starts_with("There is no active si profile."));
    reseller_profile(&t).await;
    assert!(text(&t, "/profile retire type:reseller")
        .await
        .contains("\nIts 4 revisions are kept (/profile show"));
}

#[tokio::test]
async fn times_say_their_zone() {
    let t = TestApp::new(utc(2026, 11, 26, 23, 30)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let history = text(&t, "/profile history type:reseller").await;
    assert!(
        history.contains(
            "\n  rev 1 — created \"Resellers\" by ana at 2026-11-26 23:30 UTC — traits: none"
        ),
        "{history}"
    );
    let shown = text(&t, r#"/partner show partner:"Acme Corp""#).await;
    assert!(shown.contains("added by ana on 2026-11-26"), "{shown}");
    // In Berlin it is already the next day, an hour later: the card's dates are the workspace's.
    t.ok("/settings set key:timezone value:Europe/Berlin").await;
    let history = text(&t, "/profile history type:reseller").await;
    assert!(
        history.contains("by ana at 2026-11-27 00:30 CET — traits: none"),
        "{history}"
    );
    let shown = text(&t, r#"/partner show partner:"Acme Corp""#).await;
    assert!(shown.contains("added by ana on 2026-11-27"), "{shown}");
}

#[tokio::test]
async fn a_filtered_roster_names_its_filters() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    walk_away_acme(&t).await;
    t.ok(r#"/partner add name:"Initech" type:si"#).await;
    assert!(text(&t, "/partner list")
        .await
        .starts_with("Roster (2 partners)\n"));
    assert!(text(&t, "/partner list type:reseller stage:prospect")
        .await
        .starts_with("Roster (1 partner), filtered by type:reseller stage:prospect\n"));
    assert!(text(&t, "/partner list verdict:walk-away")
        .await
        .starts_with("Roster (1 partner), filtered by verdict:walk-away\n"));
    assert!(text(&t, "/partner list stage:signed")
        .await
        .starts_with("Roster (0 partners), filtered by stage:signed\n"));
}

#[tokio::test]
async fn a_command_typed_without_its_slash_is_not_a_question() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    assert_eq!(
        t.err("partner add name:X type:si").await,
        "Commands start with /: `/partner add name:X type:si`"
    );
    assert_eq!(
        t.err("profile list").await,
        "Commands start with /: `/profile list`"
    );
    // Nothing ran.
    assert_eq!(t.ok("/partner list").await["count"], 0);
    // A question that starts like a command is still a question.
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    assert_eq!(t.ok("screen Acme Corp").await["partner"], "Acme Corp");
    assert_eq!(t.ok("does Acme Corp fit?").await["partner"], "Acme Corp");
    // On Slack, commands go through its slash command.
    let slack = t
        .run(&t.ctx("slack:T1", "U1", Role::Lead), "partner list")
        .await;
    assert_eq!(
        slack["error"],
        "Commands go through the slash command: `/partnerfit partner list`"
    );
}

#[tokio::test]
async fn names_in_profile_cards_are_user_text() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    t.ok(r#"/profile create type:reseller name:"Resellers""#)
        .await;
    let added = card(
        &t,
        r#"/profile trait add type:reseller name:"Deal *registration*""#,
    )
    .await;
    assert_eq!(
        segments(&added.title),
        [
            Segment::Ours("reseller profile: added trait \""),
            Segment::Users("Deal *registration*"),
            Segment::Ours("\" (revision 2)"),
        ]
    );
    // The lint line of the trait without verify_by marks its name; the JSON's message is as it was.
    let lint = added
        .fields
        .iter()
        .find(|f| f.name.starts_with("Lint"))
        .unwrap();
    let line = lint
        .value
        .lines()
        .find(|l| l.contains("has no verify_by"))
        .unwrap();
    assert_eq!(
        segments(line),
        [
            Segment::Ours("⚠ `"),
            Segment::Users("Deal *registration*"),
            Segment::Ours(
                "` has no verify_by: unverifiable — name how you observe it before signing (a report, a call, a document)"
            ),
        ]
    );
    let v = t.ok("/profile lint type:reseller").await;
    assert!(v["lint"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"]
            == "`Deal *registration*` has no verify_by: unverifiable — name how you observe it before signing (a report, a call, a document)"));
    let removed = card(
        &t,
        r#"/profile trait remove type:reseller trait:"Deal *registration*""#,
    )
    .await;
    assert!(segments(&removed.title).contains(&Segment::Users("Deal *registration*")));
    let history = card(&t, "/profile history type:reseller").await;
    let changes: Vec<Vec<Segment>> = history.lines.iter().map(|l| segments(l)).collect();
    assert!(changes[0].contains(&Segment::Ours("rev 3 — removed trait \"")));
    assert!(changes[0].contains(&Segment::Users("Deal *registration*")));
    assert!(changes[2].contains(&Segment::Users("Resellers")));
    // The JSON's change is the stored text.
    let v = t.ok("/profile history type:reseller").await;
    assert_eq!(
        v["revisions"][1]["change"],
        "added trait \"Deal *registration*\""
    );
}

#[test]
fn a_legacy_everyone_member_role_makes_everyone_a_member() {
    use partnerfit::app::Settings;
    use partnerfit::discord::handler::role_of;
    use partnerfit::store::SettingsRow;
    let guild = "1100";
    let settings = |member: Option<&str>| {
        Settings::from_row(SettingsRow {
            member_role: member.map(str::to_string),
            ..SettingsRow::default()
        })
    };
    let roles = ["2200".to_string()];
    // The guild's own id (its @everyone role) as the member role: everyone is a member.
    assert_eq!(
        role_of(guild, None, &[], &settings(Some(guild))),
        Role::Member
    );
    assert_eq!(
        role_of(guild, None, &roles, &settings(Some(guild))),
        Role::Member
    );
    // No member role: the same.
    assert_eq!(role_of(guild, None, &[], &settings(None)), Role::Member);
    // A real member role: only those who have it.
    assert_eq!(
        role_of(guild, None, &roles, &settings(Some("2200"))),
        Role::Member
    );
    assert_eq!(
        role_of(guild, None, &[], &settings(Some("2200"))),
        Role::Guest
    );
    // Another guild's id is just a role nobody here has.
    assert_eq!(
        role_of(guild, None, &[], &settings(Some("3300"))),
        Role::Guest
    );
}
