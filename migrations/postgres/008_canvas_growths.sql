-- Every enlargement of the canvas (the current size stays in meta): the
-- placements up to seq were made on the from size, later ones on the new
-- one, so that time travel draws a past canvas at the size it had.
CREATE TABLE canvas_growths (
    id          bigserial   PRIMARY KEY,
    seq         bigint      NOT NULL,
    at          timestamptz NOT NULL,
    from_width  integer     NOT NULL,
    from_height integer     NOT NULL,
    width       integer     NOT NULL,
    height      integer     NOT NULL
);
