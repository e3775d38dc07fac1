-- Discord's global rate limit is one budget per bot (50 requests a second over every process on its token). Each
-- process of the bot reserves its send slots here, a few at a time (src/store/send_pace.rs): one row per bot,
-- keyed by its Discord user id, holding when the bot's next request may go, in microseconds since the epoch by the
-- database's clock.
CREATE TABLE send_pace (
    bot_key TEXT PRIMARY KEY,
    next_at INTEGER NOT NULL
);
