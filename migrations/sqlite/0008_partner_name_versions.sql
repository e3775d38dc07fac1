-- A counter per workspace that moves whenever a partner name of the workspace is added, changed or removed,
-- by any writer (this process, another one on the same database, an import). The in-memory name index of each
-- process (src/app/name_index.rs) reads it in the same statement as the names and keeps its copy while the
-- counter has not moved, so a name not on the roster is matched without reading every name again.
CREATE TABLE partner_name_versions (
    workspace_id TEXT PRIMARY KEY,
    version      INTEGER NOT NULL
);
INSERT INTO partner_name_versions (workspace_id, version) SELECT DISTINCT workspace_id, 1 FROM partners;

CREATE TRIGGER partner_name_added AFTER INSERT ON partners
BEGIN
    INSERT INTO partner_name_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER partner_name_changed AFTER UPDATE OF name, workspace_id ON partners
    WHEN NEW.name IS NOT OLD.name OR NEW.workspace_id IS NOT OLD.workspace_id
BEGIN
    INSERT INTO partner_name_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
    INSERT INTO partner_name_versions (workspace_id, version)
        SELECT NEW.workspace_id, 1 WHERE NEW.workspace_id IS NOT OLD.workspace_id
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER partner_name_removed AFTER DELETE ON partners
BEGIN
    INSERT INTO partner_name_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
