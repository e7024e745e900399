package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// seedHistory writes n placements by 1,000 registered players over three
// hours straight into a new embedded database, in one statement, and
// returns the configuration of a server that opens it.
func seedHistory(tb testing.TB, n int) app.Config {
	tb.Helper()
	cfg := app.Defaults()
	cfg.DataDir = tb.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.GuestLimit = 0
	cfg.BcryptCost = 4
	cfg.Cooldown = 0
	ctx := context.Background()
	if err := app.Migrate(ctx, cfg); err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "place.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).UnixMilli()
	stmts := []string{
		`WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < 999)
		 INSERT INTO users (id, username, username_lower, is_guest, created_at) SELECT 'u' || i, 'player' || i, 'player' || i, 0, ? FROM u`,
		// Busy and quiet minutes, pixels of a 500×500 canvas painted
		// unevenly, players placing unevenly.
		`WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < ?)
		 INSERT INTO placements (seq, x, y, color, user_id, placed_at)
		 SELECT i, (i * 7919) % 500, ((i * 104729) / 500) % 500 * (i % 3 != 0) + (i % 3 = 0) * (i % 50), i % 16,
		        'u' || ((i * i) % 1000), ? + (i * 10800000 / ?) + (i % 7) * 1000 FROM p`,
	}
	if _, err := db.ExecContext(ctx, stmts[0], start); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, stmts[1], n, start, n); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// measureStats gets /stats once cold (computing) and then warm (cached),
// and returns both times.
func measureStats(tb testing.TB, ts *testServer, warm int) (cold, worstWarm time.Duration) {
	tb.Helper()
	fetch := func() time.Duration {
		t0 := time.Now()
		resp, body := get(tb, ts.URL+"/stats", nil)
		d := time.Since(t0)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="stats-chart"`) {
			tb.Fatalf("/stats: %d %.300s", resp.StatusCode, body)
		}
		return d
	}
	cold = fetch()
	for range warm {
		worstWarm = max(worstWarm, fetch())
	}
	return cold, worstWarm
}

// TestStatsPageWithLargeHistory is the short form of BenchmarkStatsPage1M
// (whose figure BENCHMARKS.md records).
func TestStatsPageWithLargeHistory(t *testing.T) {
	n := 200_000
	if raceEnabled {
		n = 10_000
	}
	t0 := time.Now()
	cfg := seedHistory(t, n)
	t.Logf("seeded %d placements in %v", n, time.Since(t0))
	ts := startWith(t, cfg)
	if got := ts.App.Hub.Seq(); got != uint64(n) {
		t.Fatalf("server at seq %d, want %d", got, n)
	}
	// Placements go on while the figures are computed: the computation
	// reads on its own connections and takes no write lock.
	player, _, _ := ts.dialReady(t, wstest.Options{})
	stop, done := make(chan struct{}), make(chan struct{})
	var worstPlace time.Duration
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			if err := player.Place(i%500, 7, 3, fmt.Sprint("during-stats-", i)); err != nil {
				t.Error(err)
				return
			}
			player.Expect(t, "success", 10*time.Second)
			worstPlace = max(worstPlace, time.Since(t0))
			time.Sleep(100 * time.Millisecond) // within the message rate limit
		}
	}()
	cold, warm := measureStats(t, ts, 20)
	close(stop)
	<-done
	t.Logf("/stats with %d placements: first (computing) %v, cached (worst of 20) %v; slowest placement meanwhile %v", n, cold, warm, worstPlace)
	if warm > 200*time.Millisecond {
		t.Errorf("cached /stats took %v, want ≤ 200 ms", warm)
	}
	if cold > 500*time.Millisecond && worstPlace > cold/2 {
		t.Errorf("a placement took %v while the statistics were computed (%v): it waited for them", worstPlace, cold)
	}
}

// BenchmarkStatsPage1M measures /stats over a million placements: the
// first request computes the figures, every later one is served from the
// cache. go test -run '^$' -bench StatsPage1M -benchtime 200x ./internal/app/
func BenchmarkStatsPage1M(b *testing.B) {
	const n = 1_000_000
	t0 := time.Now()
	cfg := seedHistory(b, n)
	b.Logf("seeded %d placements in %v", n, time.Since(t0))
	ts := startWith(b, cfg)
	cold, _ := measureStats(b, ts, 0)
	b.Logf("first /stats (computing the figures over %d placements): %v", n, cold)
	b.ResetTimer()
	for b.Loop() {
		resp, _ := get(b, ts.URL+"/stats", nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
}

// seedClusterHistory writes n placements by 1,000 registered players over
// three hours into the test's PostgreSQL database.
func seedClusterHistory(tb testing.TB, env clusterEnv, cfg app.Config, n int) {
	tb.Helper()
	ctx := context.Background()
	if err := app.Migrate(ctx, cfg); err != nil {
		tb.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, env.databaseURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`INSERT INTO users (id, username, username_lower, is_guest) SELECT 'u' || i, 'player' || i, 'player' || i, false FROM generate_series(0, 999) i`,
		`INSERT INTO placements (seq, x, y, color, user_id, placed_at)
		 SELECT i, (i * 7919) % 500, ((i::bigint * 104729) / 500) % 500, i % 16, 'u' || ((i::bigint * i) % 1000),
		        timestamptz '2026-06-01 09:00:00+00' + (i * interval '10800 seconds') / $1
		 FROM generate_series(1::bigint, $1) i`,
		`ANALYZE placements`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, n)
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkClusterStatsPage1M is BenchmarkStatsPage1M in cluster mode.
// go test -run '^$' -bench ClusterStatsPage1M -benchtime 200x ./internal/app/
func BenchmarkClusterStatsPage1M(b *testing.B) {
	const n = 1_000_000
	env := newClusterEnv(b)
	cfg := env.config(b, nil)
	t0 := time.Now()
	seedClusterHistory(b, env, cfg, n)
	b.Logf("seeded %d placements in %v", n, time.Since(t0))
	ts := startWith(b, cfg)
	cold, _ := measureStats(b, ts, 0)
	b.Logf("first /stats (computing the figures over %d placements): %v", n, cold)
	b.ResetTimer()
	for b.Loop() {
		resp, _ := get(b, ts.URL+"/stats", nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
}
