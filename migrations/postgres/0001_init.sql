-- partnerfit schema (PostgreSQL). Every table is scoped by workspace_id (a Discord guild id, or `local`).
-- Records of evidence, allocations and outcomes are append-only: a retraction is a flag with reason, who, when.
-- Timestamps are UTC RFC 3339 text with microseconds (sortable); dates are YYYY-MM-DD; money is in cents,
-- hours in hundredths, so sums are exact.
-- Integers are BIGINT (the Any driver decodes i64), booleans BIGINT 0/1, as on SQLite. Every text column
-- sorts and compares byte-wise (COLLATE "C"), as SQLite's BINARY does, whatever the database's locale: the
-- same ORDER BY and range comparisons give the same answers on both backends.

CREATE TABLE workspace_settings (
    workspace_id          TEXT COLLATE "C" PRIMARY KEY,
    timezone              TEXT COLLATE "C" NOT NULL DEFAULT 'UTC',
    max_misses            BIGINT NOT NULL DEFAULT 1,
    allocation_target     DOUBLE PRECISION NOT NULL DEFAULT 0.8,
    evidence_max_age_days BIGINT NOT NULL DEFAULT 365,
    min_group             BIGINT NOT NULL DEFAULT 3,
    alpha                 DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    currency              TEXT COLLATE "C" NOT NULL DEFAULT '$',
    lead_role             TEXT COLLATE "C",
    member_role           TEXT COLLATE "C",
    review_role           TEXT COLLATE "C",
    updated_at            TEXT COLLATE "C"
);

CREATE TABLE profiles (
    id             BIGSERIAL PRIMARY KEY,
    workspace_id   TEXT COLLATE "C" NOT NULL,
    partner_type   TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    joint_solution TEXT COLLATE "C",
    owner          TEXT COLLATE "C" NOT NULL,
    revision       BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT COLLATE "C" NOT NULL,
    retired_at     TEXT COLLATE "C",
    retired_by     TEXT COLLATE "C"
);
-- One active profile per type per workspace.
CREATE UNIQUE INDEX profiles_one_active ON profiles (workspace_id, partner_type) WHERE retired_at IS NULL;

CREATE TABLE profile_revisions (
    profile_id BIGINT NOT NULL REFERENCES profiles (id),
    revision   BIGINT NOT NULL,
    change     TEXT COLLATE "C" NOT NULL,
    changed_by TEXT COLLATE "C" NOT NULL,
    changed_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (profile_id, revision)
);

-- A trait belongs to revisions [added_in, removed_in) of its profile; evidence refers to its stable id.
CREATE TABLE traits (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL,
    profile_id   BIGINT NOT NULL REFERENCES profiles (id),
    name         TEXT COLLATE "C" NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL,
    verify_by    TEXT COLLATE "C",
    min_value    DOUBLE PRECISION,
    max_value    DOUBLE PRECISION,
    unit         TEXT COLLATE "C",
    added_in     BIGINT NOT NULL,
    removed_in   BIGINT
);
CREATE UNIQUE INDEX traits_current_name ON traits (profile_id, name_key) WHERE removed_in IS NULL;

CREATE TABLE partners (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL,
    partner_type TEXT COLLATE "C" NOT NULL,
    stage        TEXT COLLATE "C" NOT NULL,
    signed_on    TEXT COLLATE "C",
    dropped_on   TEXT COLLATE "C",
    drop_reason  TEXT COLLATE "C",
    champion     TEXT COLLATE "C",
    note         TEXT COLLATE "C",
    created_by   TEXT COLLATE "C" NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    UNIQUE (workspace_id, name_key)
);
CREATE INDEX partners_type ON partners (workspace_id, partner_type);

CREATE TABLE evidence (
    id             BIGSERIAL PRIMARY KEY,
    workspace_id   TEXT COLLATE "C" NOT NULL,
    partner_id     BIGINT NOT NULL REFERENCES partners (id),
    trait_id       BIGINT NOT NULL REFERENCES traits (id),
    met            BIGINT,
    value          DOUBLE PRECISION,
    source         TEXT COLLATE "C",
    note           TEXT COLLATE "C",
    observed       TEXT COLLATE "C" NOT NULL,
    recorded_by    TEXT COLLATE "C" NOT NULL,
    recorded_at    TEXT COLLATE "C" NOT NULL,
    retracted_at   TEXT COLLATE "C",
    retracted_by   TEXT COLLATE "C",
    retract_reason TEXT COLLATE "C",
    CHECK ((met IS NULL) <> (value IS NULL))
);
CREATE INDEX evidence_by_partner ON evidence (partner_id, trait_id, observed, recorded_at);

CREATE TABLE allocations (
    id             BIGSERIAL PRIMARY KEY,
    workspace_id   TEXT COLLATE "C" NOT NULL,
    partner_id     BIGINT NOT NULL REFERENCES partners (id),
    week           TEXT COLLATE "C" NOT NULL,
    hours_centi    BIGINT NOT NULL DEFAULT 0,
    spend_cents    BIGINT NOT NULL DEFAULT 0,
    note           TEXT COLLATE "C",
    recorded_by    TEXT COLLATE "C" NOT NULL,
    recorded_at    TEXT COLLATE "C" NOT NULL,
    retracted_at   TEXT COLLATE "C",
    retracted_by   TEXT COLLATE "C",
    retract_reason TEXT COLLATE "C",
    CHECK (hours_centi >= 0 AND spend_cents >= 0)
);
CREATE INDEX allocations_by_week ON allocations (workspace_id, week, partner_id);
CREATE INDEX allocations_by_partner ON allocations (partner_id, week);

CREATE TABLE outcomes (
    id             BIGSERIAL PRIMARY KEY,
    workspace_id   TEXT COLLATE "C" NOT NULL,
    partner_id     BIGINT NOT NULL REFERENCES partners (id),
    kind           TEXT COLLATE "C" NOT NULL,
    amount_cents   BIGINT,
    occurred_on    TEXT COLLATE "C" NOT NULL,
    ref            TEXT COLLATE "C",
    recorded_by    TEXT COLLATE "C" NOT NULL,
    recorded_at    TEXT COLLATE "C" NOT NULL,
    retracted_at   TEXT COLLATE "C",
    retracted_by   TEXT COLLATE "C",
    retract_reason TEXT COLLATE "C"
);
CREATE INDEX outcomes_by_date ON outcomes (workspace_id, occurred_on);
CREATE INDEX outcomes_by_partner ON outcomes (partner_id, occurred_on);

-- One schedule per digest per workspace.
CREATE TABLE schedules (
    workspace_id   TEXT COLLATE "C" NOT NULL,
    digest         TEXT COLLATE "C" NOT NULL,
    cron           TEXT COLLATE "C" NOT NULL,
    channel_id     TEXT COLLATE "C" NOT NULL,
    paused         BIGINT NOT NULL DEFAULT 0,
    set_by         TEXT COLLATE "C" NOT NULL,
    set_at         TEXT COLLATE "C" NOT NULL,
    set_in_channel TEXT COLLATE "C",
    last_error     TEXT COLLATE "C",
    PRIMARY KEY (workspace_id, digest)
);

-- A digest period is claimed before it is posted: the primary key makes the claim exactly-once.
CREATE TABLE digest_runs (
    workspace_id TEXT COLLATE "C" NOT NULL,
    digest       TEXT COLLATE "C" NOT NULL,
    period       TEXT COLLATE "C" NOT NULL,
    fire_at      TEXT COLLATE "C" NOT NULL,
    late         BIGINT NOT NULL DEFAULT 0,
    claimed_by   TEXT COLLATE "C" NOT NULL,
    claimed_at   TEXT COLLATE "C" NOT NULL,
    lease_until  TEXT COLLATE "C" NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 1,
    posted_at    TEXT COLLATE "C",
    message_id   TEXT COLLATE "C",
    last_error   TEXT COLLATE "C",
    PRIMARY KEY (workspace_id, digest, period)
);

-- The stored result of each quarter's re-check.
CREATE TABLE recheck_results (
    workspace_id TEXT COLLATE "C" NOT NULL,
    quarter      TEXT COLLATE "C" NOT NULL,
    verdict      TEXT COLLATE "C" NOT NULL,
    result_json  TEXT COLLATE "C" NOT NULL,
    fingerprint  TEXT COLLATE "C" NOT NULL,
    stored_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace_id, quarter)
);
