-- Pixel history: one row per accepted placement, keyed by its seq, so that a
-- retried write of the same stream entries cannot duplicate rows.
CREATE TABLE placements (
    seq       bigint      PRIMARY KEY,
    x         integer     NOT NULL,
    y         integer     NOT NULL,
    color     smallint    NOT NULL,
    user_id   text        NOT NULL,
    placed_at timestamptz NOT NULL,
    rollback  boolean     NOT NULL DEFAULT false
);
-- One pixel's history, newest first; also the latest placement per pixel.
CREATE INDEX placements_pixel ON placements (x, y, seq DESC);
-- One user's placements, newest first (admin pages, rollback).
CREATE INDEX placements_user ON placements (user_id, seq DESC);

CREATE TABLE users (
    id             text        PRIMARY KEY,
    username       text        NOT NULL,
    username_lower text        NOT NULL UNIQUE,
    password_hash  bytea,
    is_guest       boolean     NOT NULL DEFAULT true,
    is_admin       boolean     NOT NULL DEFAULT false,
    banned         boolean     NOT NULL DEFAULT false,
    ban_reason     text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
-- Restoring the banned set into Redis reads only the few banned users.
CREATE INDEX users_banned ON users (id) WHERE banned;

CREATE TABLE audit_log (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    text        NOT NULL,
    actor_name  text        NOT NULL,
    action      text        NOT NULL,
    target_id   text        NOT NULL DEFAULT '',
    target_name text        NOT NULL DEFAULT '',
    detail      text        NOT NULL DEFAULT ''
);

-- Facts about the stored data that a starting server checks against its
-- flags, such as the canvas size.
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
