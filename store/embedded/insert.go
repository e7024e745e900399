package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/placecanvas/place"
)

// writerPragmas tune the single writer connection for the history's
// random index inserts: each placement lands on a random page of the pixel
// and user indexes, so the cost of a commit is the pages it dirties.
//   - cache_size: 32 MiB of page cache (the default is 2 MiB), so that the
//     index pages a batch touches are found in memory rather than read
//     back, and a large batch is not spilled to the WAL before its commit;
//   - wal_autocheckpoint: checkpoint every 8,000 pages (~32 MiB of WAL)
//     instead of 1,000, so that an index page written by many commits is
//     copied into the database file once per checkpoint, not once per few
//     commits.
var writerPragmas = []string{"cache_size(-32768)", "wal_autocheckpoint(8000)"}

// insertChunk is how many placements one multi-row INSERT carries: the
// per-statement cost (a database/sql round trip, a VDBE run) is paid once
// per chunk instead of once per row.
const insertChunk = 32

const insertColumns = `INSERT OR ROLLBACK INTO placements (seq, x, y, color, user_id, placed_at, rollback) VALUES `

// inserter holds the writer goroutine's prepared statements: one row, and
// insertChunk rows. OR ROLLBACK: a row that breaks a constraint (none
// can: seq is assigned under the store's lock) rolls the whole batch back,
// which commitWithRetry retries; unlike the default ABORT it needs no
// statement journal for a multi-row statement.
type inserter struct {
	one, many *sql.Stmt
	args      []any
}

func (in *inserter) prepare(ctx context.Context, db *sql.DB) error {
	if in.one != nil {
		return nil
	}
	one, err := db.PrepareContext(ctx, insertColumns+`(?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	many, err := db.PrepareContext(ctx, insertColumns+strings.Repeat(`(?,?,?,?,?,?,?),`, insertChunk-1)+`(?,?,?,?,?,?,?)`)
	if err != nil {
		one.Close()
		return fmt.Errorf("prepare insert: %w", err)
	}
	in.one, in.many, in.args = one, many, make([]any, 0, 7*insertChunk)
	return nil
}

func (in *inserter) close() {
	if in.one != nil {
		_ = in.one.Close()
		_ = in.many.Close()
	}
}

// appendRows appends the INSERT arguments of ps to in.args.
func (in *inserter) appendRows(ps []place.Placement) []any {
	args := in.args[:0]
	for _, p := range ps {
		rb := 0
		if p.Rollback {
			rb = 1
		}
		args = append(args, int64(p.Seq), p.X, p.Y, int(p.Color), p.UserID, p.At.UnixMilli(), rb)
	}
	in.args = args
	return args
}

// insertBatch writes a batch in one transaction: full chunks with the
// multi-row statement, the rest row by row.
func (s *Store) insertBatch(ctx context.Context, batch []place.Placement) error {
	in := &s.ins // only the writer goroutine gets here
	if err := in.prepare(ctx, s.wdb); err != nil {
		return err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	many, one := tx.StmtContext(ctx, in.many), tx.StmtContext(ctx, in.one)
	for len(batch) > 0 {
		st, n := many, insertChunk
		if len(batch) < insertChunk {
			st, n = one, 1
		}
		if _, err := st.ExecContext(ctx, in.appendRows(batch[:n])...); err != nil {
			return fmt.Errorf("insert placements: %w", err)
		}
		batch = batch[n:]
	}
	return tx.Commit()
}
