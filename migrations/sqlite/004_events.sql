-- The live settings of an event: one row, the settings as JSON.
CREATE TABLE event_settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    data    TEXT    NOT NULL
);

-- Protected areas: only admins may place inside them.
CREATE TABLE protected_areas (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    x          INTEGER NOT NULL,
    y          INTEGER NOT NULL,
    w          INTEGER NOT NULL,
    h          INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL -- unix milliseconds
);

-- Organisers' templates: palette-only PNGs placed at x, y.
CREATE TABLE templates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    x          INTEGER NOT NULL,
    y          INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    png        BLOB    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The canvas as it was when the event closed, one image per closing time.
CREATE TABLE final_images (
    closed_at INTEGER PRIMARY KEY, -- unix milliseconds
    png       BLOB    NOT NULL
);

