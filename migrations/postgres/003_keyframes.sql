-- Keyframes: the whole canvas right after placement seq, every N placements,
-- so that the canvas at any past moment is one keyframe plus a short replay.
-- data is 4 bits per pixel, deflated (already compressed: no TOAST pglz).
CREATE TABLE keyframes (
    seq    bigint  PRIMARY KEY,
    width  integer NOT NULL,
    height integer NOT NULL,
    data   bytea   NOT NULL
);
ALTER TABLE keyframes ALTER COLUMN data SET STORAGE EXTERNAL;

-- The canvas at a time: the last placement made at or before it.
CREATE INDEX placements_time ON placements (placed_at, seq);
