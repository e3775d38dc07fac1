-- Which rule computed the stored name keys (partners.name_key, traits.name_key). Version 1 was "trimmed and
-- lower-cased"; version 2 adds NFKC normalization, case folding, removal of invisible characters and one
-- space for any run of white space. The keys are recomputed in Rust after this migration (Store::rekey_names),
-- and the version set to 2 when done.
CREATE TABLE name_key_version (version INTEGER NOT NULL);
INSERT INTO name_key_version (version) VALUES (1);
