package migrations

import "embed"

// SQLite holds the migrations of the embedded mode's database.
//
//go:embed sqlite/*.sql
var SQLite embed.FS

// SQLiteDialect keeps versions as integers.
var SQLiteDialect = Dialect{
	Table:    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
	Versions: `SELECT CAST(version AS TEXT) FROM schema_migrations`,
	Record:   `INSERT INTO schema_migrations (version, applied_at) VALUES (CAST(? AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER) * 1000)`,
}
