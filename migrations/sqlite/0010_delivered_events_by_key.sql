-- Every chat interaction inserts its id into delivered_events before it is answered (0007). That table was a
-- rowid table with two indexes (its TEXT primary key's and one on seen_at): three B-trees, so each insert wrote
-- three pages to the WAL. Now it is one B-tree, ordered by the id (WITHOUT ROWID): one page per insert. The
-- periodic deletion of the ids older than a day (every ten minutes, off any event's path) reads the table from
-- end to end instead of by time: at most a day of ids.
CREATE TABLE delivered_events_by_key (
    event_key    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    seen_at      TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO delivered_events_by_key (event_key, workspace_id, seen_at)
    SELECT event_key, workspace_id, seen_at FROM delivered_events;
DROP TABLE delivered_events;
ALTER TABLE delivered_events_by_key RENAME TO delivered_events;
