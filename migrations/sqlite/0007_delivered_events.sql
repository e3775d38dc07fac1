-- The chat events this deployment has taken up (a Discord interaction or mention, a Slack command or mention), by
-- the platform's id for each. The first process to insert an id handles the event; a second delivery of it (two
-- processes on one shard, a redelivery) finds the id taken and is dropped, so it is recorded once and answered
-- once. Ids older than a day are deleted as new ones arrive.
CREATE TABLE delivered_events (
    event_key    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    seen_at      TEXT NOT NULL
);
CREATE INDEX delivered_events_by_time ON delivered_events (seen_at);
