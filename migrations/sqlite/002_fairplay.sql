-- Server secrets, made once and kept: the key that signs device cookies.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
