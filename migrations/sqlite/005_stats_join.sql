-- Players may keep their name off the public statistics page.
ALTER TABLE users ADD COLUMN stats_opt_out INTEGER NOT NULL DEFAULT 0;
-- The statistics count by the pixel, user and time indexes and take the
-- (few) rollback placements off; this finds those without reading the table.
CREATE INDEX placements_rollbacks ON placements (x, y, user_id, placed_at) WHERE rollback = 1;

-- The organiser's join code (one row; code '' when none is needed) and the
-- version of it each player joined with.
CREATE TABLE join_code (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    code    TEXT    NOT NULL,
    version INTEGER NOT NULL
);
ALTER TABLE users ADD COLUMN joined_version INTEGER NOT NULL DEFAULT 0;
