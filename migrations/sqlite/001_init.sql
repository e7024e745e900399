CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE placements (
    seq       INTEGER PRIMARY KEY,
    x         INTEGER NOT NULL,
    y         INTEGER NOT NULL,
    color     INTEGER NOT NULL,
    user_id   TEXT    NOT NULL,
    placed_at INTEGER NOT NULL, -- unix milliseconds
    rollback  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX placements_pixel ON placements (x, y, seq DESC);
CREATE INDEX placements_user ON placements (user_id, seq DESC);
CREATE INDEX placements_time ON placements (placed_at);

CREATE TABLE snapshots (
    seq    INTEGER PRIMARY KEY,
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data   BLOB    NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    username_lower TEXT NOT NULL UNIQUE,
    password_hash  BLOB,
    is_guest       INTEGER NOT NULL DEFAULT 1,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    banned         INTEGER NOT NULL DEFAULT 0,
    ban_reason     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT NOT NULL DEFAULT '',
    target_name TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry INTEGER NOT NULL -- unix milliseconds
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE user_sessions (
    user_id TEXT NOT NULL,
    token   TEXT NOT NULL,
    expiry  INTEGER NOT NULL,
    PRIMARY KEY (user_id, token)
);
