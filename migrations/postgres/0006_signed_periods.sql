-- The periods a partner was signed: from its signing to its drop (inclusive), the last one open while it is
-- signed. partners.stage/signed_on/dropped_on/drop_reason stay its current life cycle; this table is its history.
-- Signing a dropped partner again opens a new period instead of clearing the drop, so a past quarter's cohort
-- (the partners with a period reaching into the quarter) does not change. At most one period is open.
CREATE TABLE signed_periods (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL,
    partner_id   BIGINT NOT NULL REFERENCES partners (id),
    signed_on    TEXT COLLATE "C" NOT NULL,
    dropped_on   TEXT COLLATE "C",
    drop_reason  TEXT COLLATE "C",
    CHECK (dropped_on IS NULL OR dropped_on >= signed_on)
);
CREATE INDEX signed_periods_by_partner ON signed_periods (workspace_id, partner_id, signed_on);
CREATE UNIQUE INDEX signed_periods_one_open ON signed_periods (partner_id) WHERE dropped_on IS NULL;
-- Every partner signed so far had one period: the one its columns describe.
INSERT INTO signed_periods (workspace_id, partner_id, signed_on, dropped_on, drop_reason)
    SELECT workspace_id, id, signed_on, dropped_on, drop_reason FROM partners
    WHERE signed_on IS NOT NULL ORDER BY id;
