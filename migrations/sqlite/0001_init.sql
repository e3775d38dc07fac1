-- partnerfit schema (SQLite). Every table is scoped by workspace_id (a Discord guild id, or `local`).
-- Records of evidence, allocations and outcomes are append-only: a retraction is a flag with reason, who, when.
-- Timestamps are UTC RFC 3339 text with microseconds (sortable); dates are YYYY-MM-DD; money is in cents,
-- hours in hundredths, so sums are exact.

CREATE TABLE workspace_settings (
    workspace_id          TEXT PRIMARY KEY,
    timezone              TEXT NOT NULL DEFAULT 'UTC',
    max_misses            INTEGER NOT NULL DEFAULT 1,
    allocation_target     REAL NOT NULL DEFAULT 0.8,
    evidence_max_age_days INTEGER NOT NULL DEFAULT 365,
    min_group             INTEGER NOT NULL DEFAULT 3,
    alpha                 REAL NOT NULL DEFAULT 0.1,
    currency              TEXT NOT NULL DEFAULT '$',
    lead_role             TEXT,
    member_role           TEXT,
    review_role           TEXT,
    updated_at            TEXT
);

CREATE TABLE profiles (
    id             INTEGER PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    partner_type   TEXT NOT NULL,
    name           TEXT NOT NULL,
    joint_solution TEXT,
    owner          TEXT NOT NULL,
    revision       INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    retired_at     TEXT,
    retired_by     TEXT
);
-- One active profile per type per workspace.
CREATE UNIQUE INDEX profiles_one_active ON profiles (workspace_id, partner_type) WHERE retired_at IS NULL;

CREATE TABLE profile_revisions (
    profile_id INTEGER NOT NULL REFERENCES profiles (id),
    revision   INTEGER NOT NULL,
    change     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (profile_id, revision)
);

-- A trait belongs to revisions [added_in, removed_in) of its profile; evidence refers to its stable id.
CREATE TABLE traits (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    profile_id   INTEGER NOT NULL REFERENCES profiles (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    verify_by    TEXT,
    min_value    REAL,
    max_value    REAL,
    unit         TEXT,
    added_in     INTEGER NOT NULL,
    removed_in   INTEGER
);
CREATE UNIQUE INDEX traits_current_name ON traits (profile_id, name_key) WHERE removed_in IS NULL;

CREATE TABLE partners (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    partner_type TEXT NOT NULL,
    stage        TEXT NOT NULL,
    signed_on    TEXT,
    dropped_on   TEXT,
    drop_reason  TEXT,
    champion     TEXT,
    note         TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, name_key)
);
CREATE INDEX partners_type ON partners (workspace_id, partner_type);

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    trait_id       INTEGER NOT NULL REFERENCES traits (id),
    met            INTEGER,
    value          REAL,
    source         TEXT,
    note           TEXT,
    observed       TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    retracted_at   TEXT,
    retracted_by   TEXT,
    retract_reason TEXT,
    CHECK ((met IS NULL) <> (value IS NULL))
);
CREATE INDEX evidence_by_partner ON evidence (partner_id, trait_id, observed, recorded_at);

CREATE TABLE allocations (
    id             INTEGER PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    week           TEXT NOT NULL,
    hours_centi    INTEGER NOT NULL DEFAULT 0,
    spend_cents    INTEGER NOT NULL DEFAULT 0,
    note           TEXT,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    retracted_at   TEXT,
    retracted_by   TEXT,
    retract_reason TEXT,
    CHECK (hours_centi >= 0 AND spend_cents >= 0)
);
CREATE INDEX allocations_by_week ON allocations (workspace_id, week, partner_id);
CREATE INDEX allocations_by_partner ON allocations (partner_id, week);

CREATE TABLE outcomes (
    id             INTEGER PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    kind           TEXT NOT NULL,
    amount_cents   INTEGER,
    occurred_on    TEXT NOT NULL,
    ref            TEXT,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    retracted_at   TEXT,
    retracted_by   TEXT,
    retract_reason TEXT
);
CREATE INDEX outcomes_by_date ON outcomes (workspace_id, occurred_on);
CREATE INDEX outcomes_by_partner ON outcomes (partner_id, occurred_on);

-- One schedule per digest per workspace.
CREATE TABLE schedules (
    workspace_id   TEXT NOT NULL,
    digest         TEXT NOT NULL,
    cron           TEXT NOT NULL,
    channel_id     TEXT NOT NULL,
    paused         INTEGER NOT NULL DEFAULT 0,
    set_by         TEXT NOT NULL,
    set_at         TEXT NOT NULL,
    set_in_channel TEXT,
    last_error     TEXT,
    PRIMARY KEY (workspace_id, digest)
);

-- A digest period is claimed before it is posted: the primary key makes the claim exactly-once.
CREATE TABLE digest_runs (
    workspace_id TEXT NOT NULL,
    digest       TEXT NOT NULL,
    period       TEXT NOT NULL,
    fire_at      TEXT NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0,
    claimed_by   TEXT NOT NULL,
    claimed_at   TEXT NOT NULL,
    lease_until  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    posted_at    TEXT,
    message_id   TEXT,
    last_error   TEXT,
    PRIMARY KEY (workspace_id, digest, period)
);

-- The stored result of each quarter's re-check.
CREATE TABLE recheck_results (
    workspace_id TEXT NOT NULL,
    quarter      TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    result_json  TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    stored_at    TEXT NOT NULL,
    PRIMARY KEY (workspace_id, quarter)
);
