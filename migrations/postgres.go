// Package migrations holds the numbered, forward-only schema migrations of
// each database, embedded in the binary. Files are applied in name order;
// a file, once released, is never edited.
package migrations

import "embed"

// Postgres holds the PostgreSQL migrations as postgres/NNN_name.sql.
//
//go:embed postgres/*.sql
var Postgres embed.FS
