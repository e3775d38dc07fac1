-- The names a partner had before a lead renamed it (/partner rename). Its records point at its id and follow
-- it; the old name stays here, so /screen of the old name says what the partner became, and /partner show
-- lists its former names. The latest rename away from a name key is the one that counts.
CREATE TABLE partner_names (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    partner_id   INTEGER NOT NULL REFERENCES partners (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    renamed_on   TEXT NOT NULL,
    renamed_by   TEXT NOT NULL,
    renamed_at   TEXT NOT NULL
);
CREATE INDEX partner_names_by_key ON partner_names (workspace_id, name_key);
CREATE INDEX partner_names_by_partner ON partner_names (workspace_id, partner_id);
