// Package migrations holds the numbered, forward-only schema migrations of
// each database, embedded in the binary, and the one runner that applies
// them to either. A file is named NNN_what.sql; its number is its version.
// A file, once released, is never edited.
package migrations

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one file.
type Migration struct {
	Version int
	Name    string // the file name, for messages
	SQL     string
}

// Load reads the migrations in dir of fsys, in version order. Every name
// must start with its number, and no two may share one.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(files))
	seen := map[int]string{}
	for _, f := range files {
		name := path.Base(f)
		v, ok := versionOf(name)
		if !ok {
			return nil, fmt.Errorf("migration %s: the name must start with its number", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d; renumber one", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// versionOf reads the leading number of a file name or of a recorded
// version ("001_init.sql", "001_init" and "1" are all version 1).
func versionOf(s string) (int, bool) {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	v, err := strconv.Atoi(s[:end])
	return v, err == nil
}

// DB is a database connection the runner works through; each store adapts
// its driver to it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) error
	// Strings runs a query whose rows are one text column.
	Strings(ctx context.Context, sql string) ([]string, error)
	Begin(ctx context.Context) (Tx, error)
}

// Tx is a transaction of a DB.
type Tx interface {
	Exec(ctx context.Context, sql string, args ...any) error
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Dialect is the SQL of a database's version table.
type Dialect struct {
	Table    string // creates the table if it is missing
	Versions string // selects every recorded version as text
	Record   string // records a version, given as its only argument
}

// Run applies, in version order and each in its own transaction, every
// migration whose version is not recorded, and records it. It looks at
// each version, not at the highest one recorded: migrations written in
// parallel may land in any order. Callers serialize concurrent runs.
func Run(ctx context.Context, db DB, d Dialect, ms []Migration) error {
	if err := db.Exec(ctx, d.Table); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	recorded, err := db.Strings(ctx, d.Versions)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, r := range recorded {
		if v, ok := versionOf(r); ok {
			applied[v] = true
		}
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := apply(ctx, db, d, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db DB, d Dialect, m Migration) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	if err := tx.Exec(ctx, m.SQL); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Exec(ctx, d.Record, strconv.Itoa(m.Version)); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}
