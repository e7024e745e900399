-- Server secrets, made once and kept: the key that signs device cookies.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Bans of an address or network (CIDR) until a time, by a moderator: no
-- new guests or accounts from it. Lifting a ban moves ends_at to then.
CREATE TABLE network_bans (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    network    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    created_at INTEGER NOT NULL, -- unix milliseconds
    ends_at    INTEGER NOT NULL
);
CREATE INDEX network_bans_ends_at ON network_bans (ends_at);
