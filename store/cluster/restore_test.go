package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/storetest"
)

var smallConfig = place.Config{Width: 32, Height: 32, Cooldown: 5 * time.Second}

func redisConn(t testing.TB, url string) redis.Conn {
	t.Helper()
	c, err := redis.DialURL(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func pgConn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// placeRandom makes n placements by distinct users with a few goroutines and
// returns how many succeeded; every failure is reported.
func placeRandom(t testing.TB, s *cluster.Store, cfg place.Config, n int, tag string) []place.Placement {
	t.Helper()
	const workers = 16
	var mu sync.Mutex
	var placed []place.Placement
	var wg sync.WaitGroup
	now := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(n)))
			for i := w; i < n; i += workers {
				p, _, err := s.Placer.Place(context.Background(), place.Player{UserID: fmt.Sprintf("%s-%d", tag, i)}, rng.IntN(cfg.Width), rng.IntN(cfg.Height), uint8(rng.IntN(16)), now)
				if err != nil {
					t.Errorf("placement %d: %v", i, err)
					continue
				}
				mu.Lock()
				placed = append(placed, p)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return placed
}

// checkHistory asserts that history holds exactly seqs 1..seq, once each,
// and that the live canvas equals its replay.
func checkHistory(t *testing.T, s *cluster.Store, databaseURL string, cfg place.Config) {
	t.Helper()
	live, _, seq, err := s.Feed.Canvas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var rows, distinct, maxSeq int64
	if err := pgConn(t, databaseURL).QueryRow(context.Background(),
		"SELECT count(*), count(DISTINCT seq), COALESCE(max(seq), 0) FROM placements").Scan(&rows, &distinct, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if rows != int64(seq) || distinct != rows || maxSeq != int64(seq) {
		t.Errorf("history has %d rows (%d distinct seqs, max %d); want exactly seqs 1..%d", rows, distinct, maxSeq, seq)
	}
	replayed, last := storetest.Replay(t, s.Stores(), cfg)
	if last != seq || !bytes.Equal(live, replayed) {
		t.Errorf("canvas at seq %d differs from the replay of history up to %d", seq, last)
	}
}

func TestRestoreFromPostgres(t *testing.T) {
	e := newEnv(t)
	s := mustOpen(t, e.options(smallConfig))
	placeRandom(t, s, smallConfig, 500, "a")
	banned := mustGuest(t, s)
	if err := s.Users.SetBan(context.Background(), banned.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _, seq, _ := s.Feed.Canvas(context.Background())
	s.Close()

	// Redis loses everything of this canvas.
	if err := testenv.DeleteRedisKeys(e.redisURL, e.prefix); err != nil {
		t.Fatal(err)
	}
	s2 := mustOpen(t, e.options(smallConfig))
	after, _, seq2, err := s2.Feed.Canvas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if seq2 != seq || !bytes.Equal(before, after) {
		t.Errorf("restored canvas at seq %d (equal: %v), want seq %d and the same pixels", seq2, bytes.Equal(before, after), seq)
	}
	p, _, err := s2.Placer.Place(context.Background(), place.Player{UserID: "next"}, 0, 0, 1, time.Now())
	if err != nil || p.Seq != seq+1 {
		t.Errorf("first placement after restore: %+v, %v; want seq %d", p, err, seq+1)
	}
	_, _, err = s2.Placer.Place(context.Background(), place.Player{UserID: banned.ID}, 0, 0, 1, time.Now())
	if place.ErrorCode(err) != place.EBANNED {
		t.Errorf("banned user after restore: %v, want BANNED", err)
	}
	if err := s2.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, s2, e.databaseURL, smallConfig)
}

func mustGuest(t *testing.T, s *cluster.Store) place.User {
	u, err := s.Users.CreateGuest(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestRestoreWhileRunning empties Redis under a running store, as a Redis
// restart without persistence would: placements are refused until the
// store has restored the canvas, then go on from the restored seq.
func TestRestoreWhileRunning(t *testing.T) {
	e := newEnv(t)
	s := mustOpen(t, e.options(smallConfig))
	placeRandom(t, s, smallConfig, 200, "a")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, from, err := s.Feed.Canvas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	followed := make(chan place.Placement, 10)
	go func() {
		_ = s.Feed.Follow(ctx, from, func(ps []place.Placement) {
			for _, p := range ps {
				followed <- p
			}
		})
	}()
	// The follower is reading the stream once it has the next placement.
	warm := placeRandom(t, s, smallConfig, 1, "b")
	select {
	case f := <-followed:
		if f.Seq != warm[0].Seq {
			t.Fatalf("follower got seq %d first, want %d", f.Seq, warm[0].Seq)
		}
	case <-ctx.Done():
		t.Fatal("the follower got nothing before the restore")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	before, _, seq, _ := s.Feed.Canvas(ctx)

	if err := testenv.DeleteRedisKeys(e.redisURL, e.prefix); err != nil {
		t.Fatal(err)
	}
	// Retried as a client retries a 503: each attempt is refused until the
	// restore, which runs in the background, is done.
	var p place.Placement
	for ctx.Err() == nil {
		p, _, err = s.Placer.Place(ctx, place.Player{UserID: "after"}, 1, 1, 2, time.Now())
		if err == nil {
			break
		}
		if place.ErrorCode(err) != place.EUNAVAILABLE {
			t.Fatalf("placement while Redis is empty: %v, want SERVICE_UNAVAILABLE", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || p.Seq != seq+1 {
		t.Fatalf("placement after restore: %+v, %v; want seq %d", p, err, seq+1)
	}
	after, _, _, _ := s.Feed.Canvas(ctx)
	before[1*smallConfig.Width+1] = 2
	if !bytes.Equal(before, after) {
		t.Error("the restored canvas differs from the one before")
	}
	// Nothing was lost (history had it all), so a follower goes on.
	select {
	case f := <-followed:
		if f.Seq != p.Seq || f.X != 1 || f.Y != 1 || f.Color != 2 {
			t.Errorf("follower got %+v after the restore, want %+v", f, p)
		}
	case <-ctx.Done():
		t.Error("the follower got nothing after the restore")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, s, e.databaseURL, smallConfig)
}

// The configured size is only the first: afterwards PostgreSQL's size wins,
// and a grown canvas restored from PostgreSQL has its pixels in place.
func TestStoredSizeWins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := mustOpen(t, e.options(smallConfig))
	now := time.Now()
	if _, err := s.Sizes.Grow(ctx, place.Size{Width: 40, Height: 33}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 39, 32, 6, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want, _, _, _ := s.Feed.Canvas(ctx)
	s.Close()
	other := smallConfig
	other.Width = 64
	s = mustOpen(t, e.options(other))
	if sz, err := s.Sizes.CanvasSize(ctx); err != nil || sz != (place.Size{Width: 40, Height: 33}) {
		t.Errorf("size after a restart with other flags = %v, %v; want the stored 40x33", sz, err)
	}
	s.Close()
	// Redis lost: restored from PostgreSQL at the grown size.
	if err := testenv.DeleteRedisKeys(e.redisURL, e.prefix); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, e.options(smallConfig))
	defer s.Close()
	got, sz, _, err := s.Feed.Canvas(ctx)
	if err != nil || sz != (place.Size{Width: 40, Height: 33}) || string(got) != string(want) {
		t.Errorf("restored canvas: size %v, err %v, same as before %v", sz, err, string(got) == string(want))
	}
	// Redis alone (a fresh database) must agree with PostgreSQL.
	opts := e.options(smallConfig)
	opts.DatabaseURL = testenv.NewPostgresDatabase(t)
	if _, err := cluster.Open(ctx, opts); err == nil || !strings.Contains(err.Error(), "40x33") {
		t.Errorf("Open against Redis holding another size: %v, want an error naming 40x33", err)
	}
}

// A growth that Redis made but PostgreSQL failed to record (its commit
// failed after the Redis script ran) does not keep instances from starting:
// the next start records it, at the seq before the first placement beyond
// the old size.
func TestMissedGrowthIsRecordedAtStart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := mustOpen(t, e.options(smallConfig))
	now := time.Now()
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 1, 1, 3, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sizes.Grow(ctx, place.Size{Width: 40, Height: 33}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	for i, p := range []struct{ x, y int }{{2, 2}, {39, 32}, {3, 3}} {
		if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("v", i)}, p.x, p.y, 6, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want, _, _, _ := s.Feed.Canvas(ctx)
	s.Close()
	// PostgreSQL as if the growth's transaction had failed.
	pg := pgConn(t, e.databaseURL)
	if _, err := pg.Exec(ctx, `UPDATE meta SET value = '32' WHERE key IN ('canvas_width', 'canvas_height')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(ctx, `DELETE FROM canvas_growths`); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, e.options(smallConfig))
	defer s.Close()
	if sz, err := s.Sizes.CanvasSize(ctx); err != nil || sz != (place.Size{Width: 40, Height: 33}) {
		t.Errorf("size after the start = %v, %v; want Redis's 40x33", sz, err)
	}
	got, _, _, err := s.Feed.Canvas(ctx)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the canvas changed across the start (%v)", err)
	}
	gs, err := s.Sizes.Growths(ctx)
	if err != nil || len(gs) != 1 || gs[0].Seq != 2 || gs[0].From != (place.Size{Width: 32, Height: 32}) || gs[0].To != (place.Size{Width: 40, Height: 33}) {
		t.Fatalf("growths %+v, %v; want one from 32x32 to 40x33 at seq 2 (before the first pixel beyond 32x32, seq 3)", gs, err)
	}
	var w, h string
	if err := pg.QueryRow(ctx, `SELECT (SELECT value FROM meta WHERE key = 'canvas_width'), (SELECT value FROM meta WHERE key = 'canvas_height')`).Scan(&w, &h); err != nil || w != "40" || h != "33" {
		t.Errorf("PostgreSQL's size %sx%s (%v), want 40x33", w, h, err)
	}
}

// TestRestoreWhileWriterHoldsBatch empties Redis while the history writer
// holds a batch read from it, either in the middle of committing it or about
// to begin. The restore must not hand out seqs that batch also uses: it
// waits for a commit under way (and continues after its seqs), and a batch
// begun after it is refused (its placements were lost with Redis and are
// not on the restored canvas either). Either way history afterwards holds
// every seq once and the canvas equals its replay.
func TestRestoreWhileWriterHoldsBatch(t *testing.T) {
	for _, stage := range []string{"commit", "begin"} {
		t.Run(stage, func(t *testing.T) {
			e := newEnv(t)
			s := mustOpen(t, e.options(smallConfig))
			placeRandom(t, s, smallConfig, 100, "a")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			_, _, flushed, err := s.Feed.Canvas(ctx)
			if err != nil {
				t.Fatal(err)
			}

			held, release := make(chan struct{}), make(chan struct{})
			var holdOnce, releaseOnce sync.Once
			var heldLast uint64 // the last seq of the batch held
			letGo := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(letGo) // before the store's Close, which waits for the writer
			cluster.SetWriterHook(s, func(st string, batch []place.Placement) {
				// The batch with new placements: the writer may also write
				// flushed ones again (read twice, they are skipped at commit).
				if st == stage && batch[len(batch)-1].Seq > flushed {
					holdOnce.Do(func() { heldLast = batch[len(batch)-1].Seq; close(held); <-release })
				}
			})
			placeRandom(t, s, smallConfig, 50, "b")
			select {
			case <-held:
			case <-ctx.Done():
				t.Fatal("the writer never reached the hook")
			}
			if err := testenv.DeleteRedisKeys(e.redisURL, e.prefix); err != nil {
				t.Fatal(err)
			}

			type result struct {
				p   place.Placement
				err error
			}
			placed := make(chan result, 1)
			go func() {
				for {
					p, _, err := s.Placer.Place(ctx, place.Player{UserID: "after"}, 1, 1, 2, time.Now())
					if err == nil || place.ErrorCode(err) != place.EUNAVAILABLE || ctx.Err() != nil {
						placed <- result{p, err}
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
			var r result
			if stage == "commit" {
				// The restore waits for the batch's commit, on PostgreSQL's
				// row lock; release the batch once it does (or, were the
				// restore not to wait, once it has finished).
				db := pgConn(t, e.databaseURL)
				deadline := time.Now().Add(5 * time.Second)
				for waiting := 0; waiting == 0 && time.Now().Before(deadline) && len(placed) == 0; {
					if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
						WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
						t.Fatal(err)
					}
					time.Sleep(10 * time.Millisecond)
				}
				letGo()
				r = <-placed
			} else {
				r = <-placed
				letGo()
			}
			if r.err != nil {
				t.Fatalf("placement after the restore: %v", r.err)
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if stage == "commit" && r.p.Seq <= heldLast {
				t.Errorf("placement after the restore got seq %d, the batch being committed ended at %d: it was not waited for", r.p.Seq, heldLast)
			}
			checkHistory(t, s, e.databaseURL, smallConfig)
		})
	}
}
