-- The browsers (device cookie ids) each user has used: a banned user's
-- browsers stay banned, whoever is logged in on them.
CREATE TABLE user_devices (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seen_at   INTEGER NOT NULL, -- unix milliseconds, first seen
    PRIMARY KEY (user_id, device_id)
);
CREATE INDEX user_devices_device ON user_devices (device_id);
