-- What wrote a placement: a player (rollback false), a moderator's
-- rollback (rollback true, wipe false) or a moderator's wipe of an area
-- (rollback true, wipe true). Placements stored before this column read as
-- players' own or as rollbacks, as they did. A constant default adds the
-- column without rewriting the table.
ALTER TABLE placements ADD COLUMN wipe boolean NOT NULL DEFAULT false;
