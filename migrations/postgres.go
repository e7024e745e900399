package migrations

import "embed"

// Postgres holds the PostgreSQL migrations as postgres/NNN_name.sql.
//
//go:embed postgres/*.sql
var Postgres embed.FS

// PostgresDialect keeps versions as text: the number, or, in databases
// migrated before the runner was shared, the file name (whose leading
// number is read).
var PostgresDialect = Dialect{
	Table: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text        PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`,
	Versions: `SELECT version FROM schema_migrations`,
	Record:   `INSERT INTO schema_migrations (version) VALUES ($1)`,
}
