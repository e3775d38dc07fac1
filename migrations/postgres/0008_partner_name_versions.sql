-- A counter per workspace that moves whenever a partner name of the workspace is added, changed or removed,
-- by any writer (this process, another one on the same database, an import). The in-memory name index of each
-- process (src/app/name_index.rs) reads it in the same statement as the names and keeps its copy while the
-- counter has not moved, so a name not on the roster is matched without reading every name again.
-- Statement-level triggers: a bulk INSERT of 10,000 partners moves the counter once, not 10,000 times.
CREATE TABLE partner_name_versions (
    workspace_id TEXT COLLATE "C" PRIMARY KEY,
    version      BIGINT NOT NULL
);
INSERT INTO partner_name_versions (workspace_id, version) SELECT DISTINCT workspace_id, 1 FROM partners;

CREATE FUNCTION partner_name_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO partner_name_versions (workspace_id, version)
            SELECT DISTINCT workspace_id, 1 FROM new_rows
            ON CONFLICT (workspace_id) DO UPDATE SET version = partner_name_versions.version + 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO partner_name_versions (workspace_id, version)
            SELECT DISTINCT workspace_id, 1 FROM old_rows
            ON CONFLICT (workspace_id) DO UPDATE SET version = partner_name_versions.version + 1;
    ELSE
        INSERT INTO partner_name_versions (workspace_id, version)
            SELECT DISTINCT w, 1 FROM (
                SELECT o.workspace_id AS w FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE n.name IS DISTINCT FROM o.name OR n.workspace_id IS DISTINCT FROM o.workspace_id
                UNION
                SELECT n.workspace_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE n.name IS DISTINCT FROM o.name OR n.workspace_id IS DISTINCT FROM o.workspace_id
            ) changed
            ON CONFLICT (workspace_id) DO UPDATE SET version = partner_name_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER partner_name_added AFTER INSERT ON partners
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION partner_name_versions_bump();
CREATE TRIGGER partner_name_changed AFTER UPDATE ON partners
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION partner_name_versions_bump();
CREATE TRIGGER partner_name_removed AFTER DELETE ON partners
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION partner_name_versions_bump();
