-- 0002's (workspace_id, id) index broke the plans of the questions that matter: with no statistics, SQLite's
-- planner took `workspace_id = ?` for as selective as `partner_id = ?` and scanned a whole workspace to
-- screen one partner (70 ms at 10,000 partners instead of a fraction of a millisecond), and the import's
-- duplicate lookups did the same. The evidence cache's change counter now reads the table's highest id
-- (the primary key) and new records by primary-key range, so the index has no use left.
DROP INDEX evidence_by_workspace_id;

-- The weekly digest sums eight weeks of allocations per partner and week: from this index alone, without
-- visiting the table (retracted records are not in it).
CREATE INDEX allocations_week_sums ON allocations (workspace_id, week, partner_id, hours_centi, spend_cents)
    WHERE retracted_at IS NULL;
