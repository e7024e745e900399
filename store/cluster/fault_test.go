package cluster_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/faultproxy"
)

// proxied starts a fault proxy in front of the service at rawURL and
// returns it with the URL that goes through it.
func proxied(t testing.TB, rawURL string) (*faultproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return p, u.String()
}

// TestPostgresOutage: with PostgreSQL cut off, placements go on; history
// reads are unavailable; after it returns, every acknowledged placement is
// in history exactly once and the canvas equals the replay.
func TestPostgresOutage(t *testing.T) {
	e := newEnv(t)
	proxy, viaProxy := proxied(t, e.databaseURL)
	opts := e.options(smallConfig)
	opts.DatabaseURL = viaProxy
	s := mustOpen(t, opts)
	acked := placeRandom(t, s, smallConfig, 100, "before")

	proxy.Cut()
	start := time.Now()
	placed := placeRandom(t, s, smallConfig, 5000, "during")
	acked = append(acked, placed...)
	t.Logf("5000 placements with PostgreSQL cut off: %d acknowledged in %v", len(placed), time.Since(start).Round(time.Millisecond))
	if len(placed) != 5000 {
		t.Fatalf("%d of 5000 placements succeeded while PostgreSQL was down; want all", len(placed))
	}
	if _, err := s.History.PixelHistory(context.Background(), 0, 0, 10); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("history read with PostgreSQL down: %v, want SERVICE_UNAVAILABLE", err)
	}
	lag, err := s.WriterLag(context.Background())
	if err != nil || lag < 4000 {
		t.Errorf("writer lag with PostgreSQL down = %d, %v; want the unwritten placements", lag, err)
	}

	proxy.Restore()
	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("history did not catch up after PostgreSQL returned: %v", err)
	}
	t.Logf("backlog written %v after PostgreSQL returned", time.Since(start).Round(time.Millisecond))
	checkHistory(t, s, e.databaseURL, smallConfig)
	checkAcknowledged(t, e.databaseURL, acked)
}

// checkAcknowledged asserts that every acknowledged placement is in
// history, under its seq, exactly once, and logs the counts.
func checkAcknowledged(t *testing.T, databaseURL string, acked []place.Placement) {
	t.Helper()
	type pixel struct {
		x, y  int32
		color int16
	}
	rows, err := pgConn(t, databaseURL).Query(context.Background(), "SELECT seq, x, y, color FROM placements")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]pixel{}
	n := 0
	for rows.Next() {
		var seq int64
		var p pixel
		if err := rows.Scan(&seq, &p.x, &p.y, &p.color); err != nil {
			t.Fatal(err)
		}
		stored[seq] = p
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, a := range acked {
		if p, ok := stored[int64(a.Seq)]; !ok || p != (pixel{int32(a.X), int32(a.Y), int16(a.Color)}) {
			missing++
		}
	}
	t.Logf("acknowledged %d, stored %d rows, acknowledged but missing %d, duplicate rows %d", len(acked), n, missing, n-len(stored))
	if missing > 0 || n != len(stored) {
		t.Errorf("%d acknowledged placements missing or different in history, %d duplicate rows", missing, n-len(stored))
	}
}

// TestRedisOutage: with Redis cut off (connections dropped, new ones
// hanging), placements fail fast with SERVICE_UNAVAILABLE; once Redis is
// back, the same store places again.
func TestRedisOutage(t *testing.T) {
	e := newEnv(t)
	proxy, viaProxy := proxied(t, e.redisURL)
	opts := e.options(smallConfig)
	opts.RedisURL = viaProxy
	s := mustOpen(t, opts)
	placeRandom(t, s, smallConfig, 50, "before")

	proxy.Cut()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slowest time.Duration
	for w := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				start := time.Now()
				_, _, err := s.Placer.Place(context.Background(), place.Player{UserID: "cut-" + string(rune('a'+w)) + string(rune('a'+i))}, w, i, 1, time.Now())
				took := time.Since(start)
				if place.ErrorCode(err) != place.EUNAVAILABLE {
					t.Errorf("placement with Redis cut off: %v, want SERVICE_UNAVAILABLE", err)
				}
				mu.Lock()
				slowest = max(slowest, took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("slowest refusal with Redis cut off: %v", slowest)
	if slowest >= time.Second {
		t.Errorf("a placement took %v to fail; want under a second", slowest)
	}
	if err := s.Ready(context.Background()); err == nil {
		t.Error("Ready with Redis cut off: nil, want an error")
	}

	proxy.Restore()
	deadline := time.Now().Add(10 * time.Second)
	var err error
	var p place.Placement
	for time.Now().Before(deadline) {
		if p, _, err = s.Placer.Place(context.Background(), place.Player{UserID: "after"}, 1, 1, 3, time.Now()); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || p.Seq != 51 {
		t.Fatalf("placement after Redis returned: %+v, %v; want seq 51", p, err)
	}
	if err := s.Ready(context.Background()); err != nil {
		t.Errorf("Ready after Redis returned: %v", err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, s, e.databaseURL, smallConfig)
}

// TestWriterRetryDoesNotDuplicate makes the history group deliver every
// entry again, as after a commit whose acknowledgement was lost: the
// writer writes nothing twice.
func TestWriterRetryDoesNotDuplicate(t *testing.T) {
	e := newEnv(t)
	s := mustOpen(t, e.options(smallConfig))
	placeRandom(t, s, smallConfig, 300, "a")
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := redisConn(t, e.redisURL).Do("XGROUP", "SETID", e.prefix+"stream", "history", "0"); err != nil {
		t.Fatal(err)
	}
	placeRandom(t, s, smallConfig, 10, "b")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, s, e.databaseURL, smallConfig)
}

// TestAbandonedEntriesAreClaimed stops an instance whose writer could not
// reach PostgreSQL, leaving its entries pending; another instance claims
// and writes them.
func TestAbandonedEntriesAreClaimed(t *testing.T) {
	e := newEnv(t)
	proxy, viaProxy := proxied(t, e.databaseURL)
	opts := e.options(smallConfig)
	opts.DatabaseURL = viaProxy
	opts.ConsumerName = "doomed"
	doomed := mustOpen(t, opts)
	proxy.Refuse()
	placeRandom(t, doomed, smallConfig, 400, "a")
	// Let its writer take the entries, then stop it: they stay pending.
	time.Sleep(300 * time.Millisecond)
	doomed.Close()
	pending, err := redis.Values(redisConn(t, e.redisURL).Do("XPENDING", e.prefix+"stream", "history"))
	if err != nil || len(pending) == 0 {
		t.Fatal(err)
	}
	// Its writer holds one batch at a time; the rest were never read by it.
	if n, _ := redis.Int(pending[0], nil); n == 0 {
		t.Fatal("the stopped instance left nothing pending; the test proves nothing")
	}

	opts = e.options(smallConfig)
	opts.ConsumerName = "survivor"
	opts.ClaimIdle = 200 * time.Millisecond
	s := mustOpen(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, s, e.databaseURL, smallConfig)
}

// TestTrimKeepsUnwrittenAndReplays: the stream keeps entries that are not
// in history yet however many there are; once written, old ones are
// trimmed, and Since and Follow fill what the stream lost from history.
func TestTrimKeepsUnwrittenAndReplays(t *testing.T) {
	e := newEnv(t)
	proxy, viaProxy := proxied(t, e.databaseURL)
	opts := e.options(smallConfig)
	opts.DatabaseURL = viaProxy
	opts.StreamRetain = 50
	s := mustOpen(t, opts)
	proxy.Refuse()
	placeRandom(t, s, smallConfig, 300, "a")
	rc := redisConn(t, e.redisURL)
	time.Sleep(1200 * time.Millisecond) // more than a trim interval
	if n, _ := redis.Int(rc.Do("XLEN", e.prefix+"stream")); n != 300 {
		t.Errorf("stream holds %d entries while history is down, want all 300", n)
	}
	proxy.Restore()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	n := 0
	for time.Now().Before(deadline) {
		if n, _ = redis.Int(rc.Do("XLEN", e.prefix+"stream")); n < 300 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n >= 300 || n < 50 {
		t.Fatalf("stream holds %d entries after history caught up; want trimmed, keeping at least 50", n)
	}

	all, err := s.Feed.Since(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range all {
		if p.Seq != uint64(i+1) {
			t.Fatalf("Since(0) has seq %d at %d", p.Seq, i)
		}
	}
	if len(all) != 300 {
		t.Errorf("Since(0) returned %d placements, want 300", len(all))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []uint64
	_ = s.Feed.Follow(ctx, 0, func(ps []place.Placement) {
		for _, p := range ps {
			got = append(got, p.Seq)
		}
		if len(got) >= 300 {
			cancel()
		}
	})
	for i, seq := range got {
		if seq != uint64(i+1) {
			t.Fatalf("Follow(0) delivered seq %d at %d", seq, i)
		}
	}
	if len(got) != 300 {
		t.Errorf("Follow(0) delivered %d placements, want 300", len(got))
	}
}
