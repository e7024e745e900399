-- Players may keep their name off the public statistics page.
ALTER TABLE users ADD COLUMN stats_opt_out boolean NOT NULL DEFAULT false;
-- Placements per minute over the event.
CREATE INDEX placements_time ON placements (placed_at);
