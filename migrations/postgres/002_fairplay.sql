-- Server secrets, made once and shared by every instance: the key that
-- signs device cookies.
CREATE TABLE secrets (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);
