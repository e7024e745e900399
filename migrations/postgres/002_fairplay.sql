-- Server secrets, made once and shared by every instance: the key that
-- signs device cookies.
CREATE TABLE secrets (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);

-- Bans of an address or network (CIDR) until a time, by a moderator: no
-- new guests or accounts from it. Lifting a ban moves ends_at to then.
CREATE TABLE network_bans (
    id         bigserial   PRIMARY KEY,
    network    text        NOT NULL,
    reason     text        NOT NULL,
    actor_id   text        NOT NULL,
    actor_name text        NOT NULL,
    created_at timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL
);
CREATE INDEX network_bans_ends_at ON network_bans (ends_at);
