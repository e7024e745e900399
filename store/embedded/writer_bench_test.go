package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// benchUsers and benchBatch shape the writer benchmarks' placements: random
// pixels of a 1000×1000 canvas by 100,000 users, 500 to a commit.
const benchUsers, benchBatch = 100_000, 500

// openWithHistory opens a store in a temporary directory with stored random
// placements already in its history.
func openWithHistory(b *testing.B, stored int) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: b.TempDir(), Config: place.Config{Width: 1000, Height: 1000}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.wdb.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < ?)
		INSERT INTO placements (seq, x, y, color, user_id, placed_at, rollback)
		SELECT i, abs(random()) % 1000, abs(random()) % 1000, abs(random()) % 16, printf('%024x', abs(random()) % ?), 1700000000000 + i / 20, 0 FROM c`,
		stored, benchUsers); err != nil {
		b.Fatal(err)
	}
	return s
}

// batchMaker returns a function that fills batch with the next random
// placements, numbered from after+1.
func batchMaker(batch []place.Placement, after uint64) func() {
	r := rand.New(rand.NewPCG(1, 2))
	seq := after
	return func() {
		for i := range batch {
			seq++
			batch[i] = place.Placement{Seq: seq, X: r.IntN(1000), Y: r.IntN(1000), Color: uint8(r.IntN(16)),
				UserID: fmt.Sprintf("%024x", r.IntN(benchUsers)), At: time.UnixMilli(1700000000000 + int64(seq)/20)}
		}
	}
}

// BenchmarkHistoryWriter measures the group commit's INSERT path alone, in
// CPU time per placement, with a million (and three million) placements
// already stored: one op is one commit of 500 placements.
//
//	go test -run '^$' -bench 'HistoryWriter$' -benchtime 200x ./store/embedded
func BenchmarkHistoryWriter(b *testing.B) {
	b.Run("stored=1000000", func(b *testing.B) { benchmarkWriter(b, 1_000_000) })
	b.Run("stored=3000000", func(b *testing.B) { benchmarkWriter(b, 3_000_000) })
}

func benchmarkWriter(b *testing.B, stored int) {
	ctx := context.Background()
	s := openWithHistory(b, stored)
	batch := make([]place.Placement, benchBatch)
	next := batchMaker(batch, uint64(stored))
	for range 20 { // warm the page cache and the WAL
		next()
		if err := s.insertBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		next()
		c0 := cpuTime()
		b.StartTimer()
		if err := s.insertBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
	}
	rows := float64(b.N * benchBatch)
	b.ReportMetric(float64(cpu.Microseconds())/rows, "µs-cpu/placement")
	b.ReportMetric(rows/b.Elapsed().Seconds(), "placements/s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
