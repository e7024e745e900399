-- Every enlargement of the canvas (the current size stays in meta): the
-- placements up to seq were made on the from size, later ones on the new
-- one, so that time travel draws a past canvas at the size it had.
CREATE TABLE canvas_growths (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL, -- unix milliseconds
    from_width  INTEGER NOT NULL,
    from_height INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL
);
