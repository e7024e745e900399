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

// BenchmarkHistoryWriter measures the group commit's INSERT path alone, in
// CPU time per placement, with a million placements already stored (random
// pixels of a 1000×1000 canvas by 100,000 users): one op is one commit of
// 500 placements.
//
//	go test -run '^$' -bench HistoryWriter -benchtime 200x ./store/embedded
func BenchmarkHistoryWriter(b *testing.B) {
	const stored, users, batchSize = 1_000_000, 100_000, 500
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: b.TempDir(), Config: place.Config{Width: 1000, Height: 1000}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.wdb.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < ?)
		INSERT INTO placements (seq, x, y, color, user_id, placed_at, rollback)
		SELECT i, abs(random()) % 1000, abs(random()) % 1000, abs(random()) % 16, printf('%024x', abs(random()) % ?), 1700000000000 + i / 20, 0 FROM c`,
		stored, users); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	seq := uint64(stored)
	batch := make([]place.Placement, batchSize)
	next := func() {
		for i := range batch {
			seq++
			batch[i] = place.Placement{Seq: seq, X: r.IntN(1000), Y: r.IntN(1000), Color: uint8(r.IntN(16)),
				UserID: fmt.Sprintf("%024x", r.IntN(users)), At: time.UnixMilli(1700000000000 + int64(seq)/20)}
		}
	}
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
	rows := float64(b.N * batchSize)
	b.ReportMetric(float64(cpu.Microseconds())/rows, "µs-cpu/placement")
	b.ReportMetric(rows/b.Elapsed().Seconds(), "placements/s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
