-- The browsers (device cookie ids) each user has used: a banned user's
-- browsers stay banned, whoever is logged in on them.
CREATE TABLE user_devices (
    user_id   text        NOT NULL,
    device_id text        NOT NULL,
    seen_at   timestamptz NOT NULL, -- first seen
    PRIMARY KEY (user_id, device_id)
);
CREATE INDEX user_devices_device ON user_devices (device_id);
