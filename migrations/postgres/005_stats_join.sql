-- Players may keep their name off the public statistics page.
ALTER TABLE users ADD COLUMN stats_opt_out boolean NOT NULL DEFAULT false;

-- The organiser's join code (one row; code '' when none is needed) and the
-- version of it each player joined with.
CREATE TABLE join_code (
    id      integer PRIMARY KEY CHECK (id = 1),
    code    text    NOT NULL,
    version bigint  NOT NULL
);
ALTER TABLE users ADD COLUMN joined_version bigint NOT NULL DEFAULT 0;
