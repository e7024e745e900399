-- Teams organisers create; players pick one (or none).
CREATE TABLE teams (
    id    bigserial PRIMARY KEY,
    name  text      NOT NULL,
    color smallint  NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));

-- Each player's team (NULL: none) and when it last changed, for the limit
-- of one change a minute.
CREATE TABLE user_teams (
    user_id    text        PRIMARY KEY,
    team_id    bigint,
    changed_at timestamptz NOT NULL
);
CREATE INDEX user_teams_team ON user_teams (team_id);

-- The team of the player when placing (NULL: none), so that per-team
-- counts come from history.
ALTER TABLE placements ADD COLUMN team_id bigint;
-- Only players' own placements carry a team (rollbacks never do), so the
-- per-team counts read this index alone.
CREATE INDEX placements_team ON placements (team_id) WHERE team_id IS NOT NULL;
