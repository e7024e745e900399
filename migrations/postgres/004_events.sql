-- The live settings of an event: one row, the settings as JSON.
CREATE TABLE event_settings (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint  NOT NULL,
    data    jsonb   NOT NULL
);

-- Protected areas: only admins may place inside them.
CREATE TABLE protected_areas (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL,
    x          integer     NOT NULL,
    y          integer     NOT NULL,
    w          integer     NOT NULL,
    h          integer     NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Organisers' templates: palette-only PNGs placed at x, y.
CREATE TABLE templates (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL,
    x          integer     NOT NULL,
    y          integer     NOT NULL,
    width      integer     NOT NULL,
    height     integer     NOT NULL,
    png        bytea       NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The canvas as it was when the event closed, one image per closing time.
CREATE TABLE final_images (
    closed_at timestamptz PRIMARY KEY,
    png       bytea       NOT NULL
);

-- Area rollbacks look up placements by time.
CREATE INDEX IF NOT EXISTS placements_time ON placements (placed_at);
