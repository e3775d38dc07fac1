-- Cheap change detection for in-memory copies of a workspace's evidence: the newest record id of a workspace,
-- and how many of its records are retracted (records are never deleted and a retraction is never undone, so
-- both only grow).
CREATE INDEX evidence_by_workspace_id ON evidence (workspace_id, id);
CREATE INDEX evidence_retracted ON evidence (workspace_id, id) WHERE retracted_at IS NOT NULL;
