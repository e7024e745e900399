// Package migrations embeds the numbered, forward-only SQL migrations of
// each database; the stores apply them at start and `place migrate` applies
// them on demand.
package migrations

import "embed"

// SQLite holds the migrations of the embedded mode's database.
//
//go:embed sqlite/*.sql
var SQLite embed.FS
