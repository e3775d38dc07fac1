-- Every chat interaction inserts its id into delivered_events before it is answered (0007). The index on seen_at
-- served only the periodic deletion of the ids older than a day (every ten minutes, off any event's path), and
-- cost every insert a second index entry: it goes, and that deletion reads the table (at most a day of ids).
-- The same change as SQLite's 0010, where the table also becomes one B-tree ordered by the id.
DROP INDEX delivered_events_by_time;
