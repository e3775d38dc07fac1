-- Which process took each chat event's id (delivered_events, 0007 and 0010): a random id that each process draws
-- when it opens the database. A process whose take of an id timed out or failed asks again after Discord decided
-- the interaction's initial response, and handles the interaction only when the id is its own: the one that
-- holds the id runs it and answers, any other drops it. NULL for the ids taken before this version (held by no
-- process that is still asking). The same change as SQLite's 0011.
ALTER TABLE delivered_events ADD COLUMN owner TEXT COLLATE "C";
