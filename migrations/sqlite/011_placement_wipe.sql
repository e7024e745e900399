-- What wrote a placement: a player (rollback 0), a moderator's rollback
-- (rollback 1, wipe 0) or a moderator's wipe of an area (rollback 1,
-- wipe 1). Placements stored before this column read as players' own or
-- as rollbacks, as they did.
ALTER TABLE placements ADD COLUMN wipe INTEGER NOT NULL DEFAULT 0;
