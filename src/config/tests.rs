//! Unit tests of `config`: kept in a file of their own so the module's code stays readable.

use super::*;

#[test]
fn file_layer_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "workspace = \"team\"\n[discord]\nguild_ids = [1, 2]\n").unwrap();
    let c = Config::load(&Overrides {
        config_path: Some(p.clone()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.workspace, "team");
    assert_eq!(c.discord.guild_ids, [1, 2]);
    // a flag beats the file
    let c = Config::load(&Overrides {
        config_path: Some(p.clone()),
        workspace: Some("flag".into()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.workspace, "flag");

    std::fs::write(&p, "workspace = \"team\"\ncolour = \"blue\"\n").unwrap();
    let e = Config::load(&Overrides {
        config_path: Some(p.clone()),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert!(
        e.contains("unknown field `colour`") && e.contains("line 2"),
        "{e}"
    );
    assert!(!e.contains('\n'));

    let missing = dir.path().join("nope.toml");
    let e = Config::load(&Overrides {
        config_path: Some(missing),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert!(e.starts_with("cannot read config file"), "{e}");
}

#[test]
fn defaults_work_for_a_new_discord_application() {
    let c = Config::default();
    assert!(
        !c.discord.message_content,
        "no privileged intent by default"
    );
    assert_eq!(c.database_url, "sqlite://partnerfit.db");
    assert_eq!(c.workspace, "local");
    // The shipped file sets nothing: every key is commented out, so it gives the defaults too.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/config/partnerfit.toml");
    let c = Config::load(&Overrides {
        config_path: Some(shipped.into()),
        ..Overrides::default()
    })
    .unwrap();
    assert!(!c.discord.message_content);
}

#[test]
fn secrets_are_redacted_in_every_debug() {
    assert_eq!(
        redact_url("postgres://app:s3cret@db.example:6543/pf?sslmode=require&password=p2"),
        "postgres://app:***@db.example:6543/pf?sslmode=require&password=***"
    );
    assert_eq!(
        redact_url("postgres://app@db.example/pf"),
        "postgres://app@db.example/pf"
    );
    assert_eq!(
        redact_url("sqlite://partnerfit.db"),
        "sqlite://partnerfit.db"
    );
    assert_eq!(
        redact_url("postgresql://a:b@c@h/pf"),
        "postgresql://a:***@h/pf"
    );
    let url = "postgres://app:s3cret@db.example/pf?password=p2";
    let c = Config {
        database_url: url.into(),
        discord: DiscordConfig {
            token: Some("secret-token".into()),
            proxy_url: Some("http://proxy:s3cret@proxy.example:3000".into()),
            ..DiscordConfig::default()
        },
        slack: SlackConfig {
            bot_token: Some("xoxb-secret-token".into()),
            app_token: Some("xapp-secret-token".into()),
            api_url: "https://api:s3cret@slack.example/api/".into(),
            ..SlackConfig::default()
        },
        ..Config::default()
    };
    let o = Overrides {
        database_url: Some(url.into()),
        ..Overrides::default()
    };
    let f = FileConfig {
        database_url: Some(url.into()),
        discord: Some(FileDiscord {
            proxy_url: Some("http://proxy:s3cret@proxy.example:3000".into()),
            ..FileDiscord::default()
        }),
        slack: Some(FileSlack {
            api_url: Some("https://api:s3cret@slack.example/api/".into()),
            ..FileSlack::default()
        }),
        ..FileConfig::default()
    };
    for shown in [format!("{c:?}"), format!("{o:?}"), format!("{f:?}")] {
        assert!(
            !shown.contains("s3cret") && !shown.contains("p2") && !shown.contains("secret-token"),
            "{shown}"
        );
        assert!(shown.contains("db.example"), "{shown}");
    }
    // The parts that hold a secret are shown, redacted, not left out.
    for shown in [format!("{c:?}"), format!("{f:?}")] {
        assert!(
            shown.contains("proxy:***@proxy.example") && shown.contains("api:***@slack.example"),
            "{shown}"
        );
    }
    let shown = format!("{c:?}");
    assert!(
        shown.contains(r#"bot_token: Some("<redacted>"), app_token: Some("<redacted>")"#),
        "{shown}"
    );
}

#[test]
fn log_format_and_listener_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    let load = |text: &str| {
        std::fs::write(&p, text).unwrap();
        Config::load(&Overrides {
            config_path: Some(p.clone()),
            ..Overrides::default()
        })
    };
    let c = load("").unwrap();
    assert_eq!((c.log_format, c.http.listen), (LogFormat::Text, None));
    let c = load("log_format = \"JSON\"\n[http]\nlisten = \"127.0.0.1:9464\"\n").unwrap();
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.http.listen, Some(([127, 0, 0, 1], 9464).into()));
    let e = load("log = \"partnerfit=verbose\"\n").unwrap_err().0;
    assert!(
        e.starts_with("log `partnerfit=verbose` is not a log filter ("),
        "{e}"
    );
    let c = load("log = \"info,partnerfit=debug\"\n").unwrap();
    assert_eq!(c.log, "info,partnerfit=debug");
    let e = load("log_format = \"xml\"\n").unwrap_err().0;
    assert_eq!(
        e,
        "log_format `xml` is not a log format: write text or json"
    );
    let e = load("[http]\nlisten = \"localhost:9464\"\n").unwrap_err().0;
    assert_eq!(
        e,
        "[http] listen `localhost:9464` is not an address: write IP:PORT, e.g. 127.0.0.1:9464"
    );
}

#[test]
fn token_is_redacted_in_debug() {
    let d = DiscordConfig {
        token: Some("secret-token".into()),
        ..DiscordConfig::default()
    };
    let s = format!("{d:?}");
    assert!(!s.contains("secret-token") && s.contains("redacted"));
    let s = SlackConfig {
        bot_token: Some("xoxb-secret-bot".into()),
        app_token: Some("xapp-secret-app".into()),
        ..SlackConfig::default()
    };
    let s = format!("{s:?}");
    assert!(!s.contains("secret") && s.contains("redacted"), "{s}");
}

#[test]
fn slack_section_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(
        &p,
        "[slack]\napi_url = \"http://127.0.0.1:9/api/\"\ncommand = \"/ipp\"\n",
    )
    .unwrap();
    let c = Config::load(&Overrides {
        config_path: Some(p.clone()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.slack.api_url, "http://127.0.0.1:9/api/");
    assert_eq!(c.slack.command, "/ipp");
    std::fs::write(&p, "[slack]\napi_url = \"slack.com\"\n").unwrap();
    let e = Config::load(&Overrides {
        config_path: Some(p.clone()),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert!(e.contains("must be an http(s) base URL"), "{e}");
    std::fs::write(&p, "[slack]\ntoken = \"xoxb-1\"\n").unwrap();
    let e = Config::load(&Overrides {
        config_path: Some(p),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert!(e.contains("unknown field `token`"), "{e}");
}

#[test]
fn bad_database_scheme_is_refused() {
    let e = Config::load(&Overrides {
        config_path: Some("/nonexistent-but-unused".into()),
        ..Overrides::default()
    });
    assert!(e.is_err());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "database_url = \"mysql://x\"\n").unwrap();
    let e = Config::load(&Overrides {
        config_path: Some(p),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert!(e.contains("unknown database URL scheme"), "{e}");
}

#[test]
fn a_config_file_is_read_up_to_a_mebibyte() {
    let dir = tempfile::tempdir().unwrap();
    let load = |p: &std::path::Path| {
        Config::load(&Overrides {
            config_path: Some(p.to_path_buf()),
            ..Overrides::default()
        })
    };
    // Exactly the cap: a comment padded to 1 MiB, then a key, is read whole.
    let p = dir.path().join("big.toml");
    let key = "\nworkspace = \"team\"\n";
    let pad = 1024 * 1024 - key.len() - 1;
    std::fs::write(&p, format!("#{}{key}", "x".repeat(pad))).unwrap();
    assert_eq!(load(&p).unwrap().workspace, "team");
    // One byte more is refused, without reading on (as from /dev/zero).
    std::fs::write(&p, format!("#{}{key}", "x".repeat(pad + 1))).unwrap();
    let e = load(&p).unwrap_err().0;
    assert!(e.contains("larger than 1024 KiB"), "{e}");
    assert!(e.contains("big.toml"), "{e}");
    // Bytes that are not text are still a one-line error naming the file.
    std::fs::write(&p, [0xff, 0xfe, 0x00]).unwrap();
    let e = load(&p).unwrap_err().0;
    assert!(e.starts_with("cannot read config file"), "{e}");
}

#[test]
fn a_workspace_with_a_control_or_invisible_character_is_refused() {
    // The last check of `Config::load`, whichever layer set the workspace.
    let load = |ws: &str| {
        let c = Config {
            workspace: ws.to_string(),
            ..Config::default()
        };
        c.validate().map(|()| c.workspace)
    };
    // The ids in use: Discord's guild ids, Slack's teams, the console's and the demo's names, a name with a
    // space (the demo's tests use one), letters of any script and an emoji.
    for ok in [
        "local",
        "demo",
        "123456789012345678",
        "slack:T0123ABC",
        "team two",
        "Zürich",
        "acme \u{2764}",
    ] {
        assert_eq!(load(ok).unwrap(), ok);
    }
    assert_eq!(
        load(&"é".repeat(100)).unwrap().chars().count(),
        100,
        "characters, not bytes"
    );
    // Worked by hand: where the character is, spelled out, and its code point.
    assert_eq!(
        load("lo\tcal").unwrap_err().0,
        "workspace `lo\\u{9}cal` contains a control character (U+0009): give the id without it, e.g. local, a Discord server id or slack:T0123ABC"
    );
    assert_eq!(
        load("local\u{200B}").unwrap_err().0,
        "workspace `local\\u{200B}` contains an invisible character (U+200B): give the id without it, e.g. local, a Discord server id or slack:T0123ABC"
    );
    for refused in ["local\n", "\u{1b}[31mlocal", "lo\u{0}cal", "\u{7f}"] {
        let e = load(refused).unwrap_err().0;
        assert!(e.contains("a control character"), "{refused:?}: {e}");
    }
    for refused in [
        "\u{202E}lacol",
        "lo\u{200D}cal",
        "local\u{FE0F}",
        "\u{FEFF}local",
        "lo\u{2060}cal",
        // Unlike a partner name's, a workspace id is compared exactly: `acme ❤️` would be another `acme ❤`.
        "acme \u{2764}\u{FE0F}",
    ] {
        let e = load(refused).unwrap_err().0;
        assert!(e.contains("an invisible character"), "{refused:?}: {e}");
        assert!(
            !e.contains(['\u{202E}', '\u{200D}', '\u{FE0F}', '\u{FEFF}', '\u{2060}']),
            "spelled out: {e}"
        );
    }
    assert_eq!(
        load(&"x".repeat(101)).unwrap_err().0,
        "workspace must be 1 to 100 characters"
    );
    assert_eq!(
        load("team two ").unwrap_err().0,
        "workspace `team two ` starts or ends with a space: give it without, e.g. `team two`"
    );
    assert!(load(" local").is_err());
    assert!(load("team two\u{A0}")
        .unwrap_err()
        .0
        .contains("starts or ends with a space"));
}

#[test]
fn a_guild_id_of_zero_is_refused() {
    // serenity's GuildId::new(0) panics when the bot registers its commands: the config refuses it first.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "[discord]\nguild_ids = [5, 0]\n").unwrap();
    let e = Config::load(&Overrides {
        config_path: Some(p.clone()),
        ..Overrides::default()
    })
    .unwrap_err()
    .0;
    assert_eq!(
        e,
        "discord guild_ids must be server ids (1 or more), e.g. 123,456: 0 is not one"
    );
    std::fs::write(&p, "[discord]\nguild_ids = [5, 7]\n").unwrap();
    let c = Config::load(&Overrides {
        config_path: Some(p),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.discord.guild_ids, [5, 7]);
}

#[test]
fn scheduler_seconds_are_bounded_to_a_week() {
    // A lease of a million years would overflow the clock when a digest is claimed: refused at the start.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    let load = |body: &str| {
        std::fs::write(&p, body).unwrap();
        Config::load(&Overrides {
            config_path: Some(p.clone()),
            ..Overrides::default()
        })
    };
    let e = load("[scheduler]\nlease_seconds = 31536000000000\n")
        .unwrap_err()
        .0;
    assert_eq!(
        e,
        "scheduler lease_seconds is 31536000000000: give 1 to 604800 seconds (one week), e.g. 30"
    );
    let e = load("[scheduler]\nmax_sleep_seconds = 604801\n")
        .unwrap_err()
        .0;
    assert_eq!(
        e,
        "scheduler max_sleep_seconds is 604801: give 1 to 604800 seconds (one week), e.g. 60"
    );
    let e = load("[scheduler]\nlease_seconds = 0\n").unwrap_err().0;
    assert_eq!(
        e,
        "scheduler lease_seconds is 0: give 1 to 604800 seconds (one week), e.g. 30"
    );
    // A week exactly is accepted.
    let c = load("[scheduler]\nlease_seconds = 604800\nmax_sleep_seconds = 604800\n").unwrap();
    assert_eq!(c.scheduler.lease_seconds, 604_800);
    assert_eq!(c.scheduler.max_sleep_seconds, 604_800);
}
