package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// The benchmarks in this file measure a design that is not the store's: the
// group commit appends to a table without secondary indexes
// (placements_recent, created here only), and a mover copies those rows into
// the indexed placements table in one large transaction every moveEvery
// placements, so that each index page it touches is dirtied by many rows but
// written once. BENCHMARKS.md ("History in embedded mode") has the figures
// and why the store does not do this.

const recentTable = `CREATE TABLE placements_recent (
    seq       INTEGER PRIMARY KEY,
    x         INTEGER NOT NULL,
    y         INTEGER NOT NULL,
    color     INTEGER NOT NULL,
    user_id   TEXT    NOT NULL,
    placed_at INTEGER NOT NULL,
    rollback  INTEGER NOT NULL DEFAULT 0
)`

// deferredWriter appends batches to placements_recent and moves them.
type deferredWriter struct {
	s         *Store
	insert    *sql.Stmt
	moveOrder string // ORDER BY of the move ("seq", "x, y", "user_id")

	moves              int
	moveCPU, moveWall  time.Duration
	appendCPU          time.Duration
	sinceMove, lastSeq int
}

func newDeferredWriter(b *testing.B, s *Store, order string) *deferredWriter {
	ctx := context.Background()
	// 128 MiB of page cache: the indexes of a million placements (about
	// 45 MB) stay in memory for the move.
	for _, q := range []string{recentTable, `PRAGMA cache_size = -131072`} {
		if _, err := s.wdb.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	st, err := s.wdb.PrepareContext(ctx, `INSERT INTO placements_recent (seq, x, y, color, user_id, placed_at, rollback) VALUES (?,?,?,?,?,?,?)`)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return &deferredWriter{s: s, insert: st, moveOrder: order}
}

// appendBatch is the durable commit: rowid appends only.
func (w *deferredWriter) appendBatch(ctx context.Context, batch []place.Placement) error {
	c0 := cpuTime()
	defer func() { w.appendCPU += cpuTime() - c0 }()
	tx, err := w.s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, w.insert)
	for _, p := range batch {
		if _, err := st.ExecContext(ctx, int64(p.Seq), p.X, p.Y, int(p.Color), p.UserID, p.At.UnixMilli(), 0); err != nil {
			return err
		}
	}
	w.sinceMove += len(batch)
	w.lastSeq = int(batch[len(batch)-1].Seq)
	return tx.Commit()
}

// move copies every appended row into placements and deletes it from
// placements_recent, in one transaction.
func (w *deferredWriter) move(ctx context.Context) error {
	c0, t0 := cpuTime(), time.Now()
	tx, err := w.s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO placements (seq, x, y, color, user_id, placed_at, rollback)
		SELECT seq, x, y, color, user_id, placed_at, rollback FROM placements_recent WHERE seq <= ? ORDER BY `+w.moveOrder, w.lastSeq); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM placements_recent WHERE seq <= ?`, w.lastSeq); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.moves++
	w.sinceMove = 0
	w.moveCPU += cpuTime() - c0
	w.moveWall += time.Since(t0)
	return nil
}

// BenchmarkHistoryWriterDeferred measures the CPU per placement of the
// append plus the mover's share, with a million placements stored, for
// moves of 20,000 to 100,000 rows in seq, (x, y) or user order (and one case
// with three million stored); and the wall time of one move, during which
// the group commit would wait.
//
//	go test -run '^$' -bench 'HistoryWriterDeferred' -benchtime 400x ./store/embedded
func BenchmarkHistoryWriterDeferred(b *testing.B) {
	for _, c := range []struct {
		stored, every int
		order         string
	}{
		{1_000_000, 50_000, "seq"}, {1_000_000, 50_000, "x, y"}, {1_000_000, 50_000, "user_id"},
		{1_000_000, 20_000, "user_id"}, {1_000_000, 100_000, "user_id"},
		{3_000_000, 50_000, "x, y"},
	} {
		b.Run(fmt.Sprintf("stored=%d/move=%d/order=%s", c.stored, c.every, c.order), func(b *testing.B) {
			benchmarkDeferred(b, c.stored, c.every, c.order)
		})
	}
}

func benchmarkDeferred(b *testing.B, stored, every int, order string) {
	ctx := context.Background()
	s := openWithHistory(b, stored)
	w := newDeferredWriter(b, s, order)
	batch := make([]place.Placement, benchBatch)
	next := batchMaker(batch, uint64(stored))
	for range 20 { // warm the page cache and the WAL
		next()
		if err := w.appendBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.move(ctx); err != nil {
		b.Fatal(err)
	}
	*w = deferredWriter{s: w.s, insert: w.insert, moveOrder: order, lastSeq: w.lastSeq}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		next()
		b.StartTimer()
		if err := w.appendBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		if w.sinceMove >= every {
			if err := w.move(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if w.moves == 0 { // the testing package's first run of one op, or too small a -benchtime
		b.Logf("no move in %d placements", b.N*benchBatch)
		return
	}
	// Only whole move cycles count: the rows appended since the last move
	// have not paid for their move yet.
	moved := float64(w.moves * every)
	rows := float64(b.N * benchBatch)
	b.ReportMetric(float64(w.appendCPU.Microseconds())/rows, "µs-append/placement")
	b.ReportMetric(float64(w.moveCPU.Microseconds())/moved, "µs-move/placement")
	b.ReportMetric(float64(w.appendCPU.Microseconds())/rows+float64(w.moveCPU.Microseconds())/moved, "µs-cpu/placement")
	b.ReportMetric(float64(w.moveWall.Milliseconds())/float64(w.moves), "ms-wall/move")
}

// BenchmarkRecentPixelHistory measures what every history read would add in
// that design: the rows not yet moved have no index, so a pixel's history
// scans them (here 20,000 to 100,000 rows, the newest first, for a pixel
// with none of them: the whole table).
//
//	go test -run '^$' -bench RecentPixelHistory ./store/embedded
func BenchmarkRecentPixelHistory(b *testing.B) {
	for _, n := range []int{20_000, 50_000, 100_000} {
		b.Run(fmt.Sprintf("recent=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := openWithHistory(b, 0)
			w := newDeferredWriter(b, s, "seq")
			batch := make([]place.Placement, benchBatch)
			next := batchMaker(batch, 0)
			for range n / benchBatch {
				next()
				if err := w.appendBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			q := `SELECT p.seq, p.x, p.y, p.color, p.user_id, p.placed_at, p.rollback, COALESCE(u.username, '')
				FROM placements_recent p LEFT JOIN users u ON u.id = p.user_id
				WHERE p.x = ? AND p.y = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT 50`
			b.ResetTimer()
			for range b.N {
				rows, err := s.rdb.QueryContext(ctx, q, 1000, 1000, n+1) // outside the canvas: no row
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
		})
	}
}
