-- seq is the rowid of placements, and every SQLite index ends with the
-- rowid: (x, y) is already ordered by seq within a pixel, (user_id) within
-- a user, and a seq bound or ORDER BY seq uses that trailing rowid. The
-- indexes of 001 stored seq a second time in every entry; without it each
-- holds more entries per page, so a placement's random insert into them
-- dirties fewer pages and the history writer does less I/O per placement.
-- Every history, rollback and statistics query keeps its plan (docs:
-- BENCHMARKS.md, "History in embedded mode").
DROP INDEX placements_pixel;
CREATE INDEX placements_pixel ON placements (x, y);
DROP INDEX placements_user;
CREATE INDEX placements_user ON placements (user_id);
