-- Teams organisers create; players pick one (or none).
CREATE TABLE teams (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    name  TEXT    NOT NULL,
    color INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (name COLLATE NOCASE);

-- Each player's team (NULL: none) and when it last changed, for the limit
-- of one change a minute.
CREATE TABLE user_teams (
    user_id    TEXT    PRIMARY KEY,
    team_id    INTEGER,
    changed_at INTEGER NOT NULL -- unix milliseconds
);
CREATE INDEX user_teams_team ON user_teams (team_id);

-- The team of the player when placing (NULL: none), so that per-team
-- counts come from history.
ALTER TABLE placements ADD COLUMN team_id INTEGER;
-- Only players' own placements carry a team (rollbacks never do), so the
-- per-team counts read this index alone.
CREATE INDEX placements_team ON placements (team_id) WHERE team_id IS NOT NULL;
