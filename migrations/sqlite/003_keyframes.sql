-- Keyframes: the whole canvas right after placement seq, every N placements,
-- so that the canvas at any past moment is one keyframe plus a short replay.
-- data is 4 bits per pixel, deflated.
CREATE TABLE keyframes (
    seq    INTEGER PRIMARY KEY,
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data   BLOB    NOT NULL
);
