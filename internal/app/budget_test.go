package app_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// seedCanvas writes n placements spread over a side × side canvas straight
// into a new embedded database and returns a server configuration that
// opens it, trusting X-Forwarded-For from 127.0.0.1.
func seedCanvas(tb testing.TB, side, n int) app.Config {
	tb.Helper()
	cfg := app.Defaults()
	cfg.DataDir = tb.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.GuestLimit = 0
	cfg.AddressPlayers, cfg.ChallengeBits = 0, 0 // its players all come from 127.0.0.1
	cfg.BcryptCost = 4
	cfg.Cooldown = 0
	cfg.DrainPeriod = 0
	cfg.Width, cfg.Height = side, side
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	ctx := context.Background()
	if err := app.Migrate(ctx, cfg); err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "place.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Now().Add(-3 * time.Hour).UnixMilli()
	if _, err := db.ExecContext(ctx, `WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < 99)
		INSERT INTO users (id, username, username_lower, is_guest, created_at) SELECT 'u' || i, 'player' || i, 'player' || i, 0, ? FROM u`, start); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < ?)
		INSERT INTO placements (seq, x, y, color, user_id, placed_at)
		SELECT i, (i * 7919) % ?, ((i * 104729) / ?) % ?, i % 16, 'u' || (i % 100), ? + i * 1000 FROM p`,
		n, side, side, side, start); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// memSampler records the peak of the Go heap in use and of the process's
// resident memory while it runs.
type memSampler struct {
	stop              chan struct{}
	done              chan struct{}
	peakHeap, peakRSS uint64
}

func sampleMemory(every time.Duration) *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			m.peakHeap = max(m.peakHeap, ms.HeapInuse)
			m.peakRSS = max(m.peakRSS, vmRSS())
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) Stop() { close(m.stop); <-m.done }

// vmRSS is the process's resident memory from /proc/self/status (0
// where there is none).
func vmRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// placer places a pixel every 100 ms (within the message rate) and
// records how long each acknowledgement took. A connection closed by the
// server (a joiner of a large canvas can be taken for a slow consumer
// right after its first frame) is opened again and counted.
type placer struct {
	mu       sync.Mutex
	acks     []time.Duration
	reopened int
	stop     chan struct{}
	done     chan struct{}
}

var errPlacerClosed = errors.New("connection closed")

// dialPlacer connects a player with the binary protocol and reads up to
// its canvas.
func dialPlacer(ts *testServer) (*wstest.Client, error) {
	c, err := wstest.Dial(ts.WS, wstest.Options{Binary: true, Player: true})
	if err != nil {
		return nil, err
	}
	for {
		m, err := c.Next(10 * time.Second)
		if err != nil {
			return nil, err
		}
		if m.Type == "canvas" {
			return c, nil
		}
	}
}

func startPlacer(t *testing.T, ts *testServer, id, side int) *placer {
	c, err := dialPlacer(ts)
	if err != nil {
		t.Fatal(err)
	}
	p := &placer{stop: make(chan struct{}), done: make(chan struct{})}
	ack := func(c *wstest.Client) error {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m := <-c.Msgs:
				switch m.Type {
				case "success":
					return nil
				case "error":
					return fmt.Errorf("%v", m)
				}
			case <-c.Closed():
				return errPlacerClosed
			case <-deadline:
				return errors.New("no answer within 10 s")
			}
		}
	}
	go func() {
		defer close(p.done)
		defer func() { c.Conn.WriteClose(1000, nil) }()
		for i := 0; ; i++ {
			select {
			case <-p.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			t0 := time.Now()
			err := c.Place((id*97+i)%side, id, i%16, fmt.Sprint("p", id, "-", i))
			if err == nil {
				err = ack(c)
			}
			if err != nil && (errors.Is(err, errPlacerClosed) || errors.Is(err, net.ErrClosed)) {
				if c, err = dialPlacer(ts); err == nil {
					p.mu.Lock()
					p.reopened++
					p.mu.Unlock()
					continue
				}
			}
			if err != nil {
				t.Errorf("placer %d, placement %d: %v", id, i, err)
				return
			}
			p.mu.Lock()
			p.acks = append(p.acks, time.Since(t0))
			p.mu.Unlock()
		}
	}()
	return p
}

// take returns the acknowledgement times recorded since the last take.
func (p *placer) take() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.acks
	p.acks = nil
	return a
}

func (p *placer) Stop() { close(p.stop); <-p.done }

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// TestExpensiveImagesStayWithinBudget sends 25 time-travel PNGs (each of
// another seq, at scale 2) and 25 overlay PNGs at once, from 50 addresses,
// to a 4096² canvas while players place. Before the budget, 25 such
// requests took the resident memory from 766 to 1,734 MiB and both cores
// for 9 s. Now the heap stays within a bound, the answers are images or
// 503 with Retry-After, and placements keep being acknowledged quickly.
func TestExpensiveImagesStayWithinBudget(t *testing.T) {
	side, n := 4096, 40_000
	if raceEnabled {
		side, n = 1024, 10_000 // the race detector makes encoding ~15× slower
	}
	cfg := seedCanvas(t, side, n)
	if w := os.Getenv("PLACE_TEST_BUDGET_WORKERS"); w != "" {
		cfg.BudgetWorkers, _ = strconv.Atoi(w)
	}
	// As `place serve` runs it (README, "Configuration").
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	ts := startWith(t, cfg)
	if got := ts.App.Hub.Seq(); got != uint64(n) {
		t.Fatalf("server at seq %d, want %d", got, n)
	}
	// The running totals (4 bytes a pixel) are the server's state, made
	// once by the first visit to the history; the burst is measured after.
	if r, body := get(t, ts.URL+"/api/v1/history/summary", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("summary: %d %s", r.StatusCode, body)
	}
	placers := []*placer{startPlacer(t, ts, 1, side), startPlacer(t, ts, 2, side)}
	time.Sleep(3 * time.Second)
	var before []time.Duration
	for _, p := range placers {
		before = append(before, p.take()...)
	}

	base := heapInUse()
	baseRSS := vmRSS()
	mem := sampleMemory(20 * time.Millisecond)
	type answer struct {
		path       string
		status     int
		retryAfter string
		code       string
		took       time.Duration
	}
	answers := make([]answer, 50)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(len(answers))
	gate := make(chan struct{})
	t0 := time.Now()
	for i := range answers {
		path := fmt.Sprintf("/api/v1/canvas.png?at=%d&scale=2", n-i*(n/30))
		if i >= 25 {
			path = []string{"/api/v1/overlay/heatmap.png", "/api/v1/overlay/virgin.png"}[i%2]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.77.%d.%d", i/250, i%250+1))
			ready.Done()
			<-gate
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			a := answer{path: path, status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}
			if resp.StatusCode == http.StatusOK {
				if _, err := png.DecodeConfig(bytes.NewReader(body)); err != nil {
					t.Errorf("%s: 200 but not a PNG: %v", path, err)
				}
			} else {
				var e struct{ Code string }
				_ = json.Unmarshal(body, &e)
				a.code = e.Code
			}
			answers[i] = a
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	burst := time.Since(t0)
	mem.Stop()
	var during []time.Duration
	reopened := 0
	for _, p := range placers {
		during = append(during, p.take()...)
		p.Stop()
		reopened += p.reopened
	}

	served, refused := map[string]int{}, 0
	for _, a := range answers {
		kind := a.path[:strings.IndexAny(a.path+"?", "?")]
		switch {
		case a.status == http.StatusOK:
			served[kind]++
		case a.status == http.StatusServiceUnavailable && a.code == "SERVICE_UNAVAILABLE" && a.retryAfter != "":
			refused++
		default:
			t.Errorf("%s: %d %q Retry-After %q, want 200 or 503 SERVICE_UNAVAILABLE with Retry-After", a.path, a.status, a.code, a.retryAfter)
		}
	}
	heapGrowth := int64(mem.peakHeap) - int64(base)
	rssGrowth := int64(mem.peakRSS) - int64(baseRSS)
	t.Logf("%d² canvas, %d placements: 50 requests in %v: served %v, refused 503 %d", side, n, burst.Round(time.Millisecond), served, refused)
	t.Logf("heap in use %d MiB before, peak growth %d MiB; RSS %d MiB before, peak growth %d MiB",
		base>>20, heapGrowth>>20, baseRSS>>20, rssGrowth>>20)
	t.Logf("placement acks: p99 %v before (%d), p99 %v during the burst (%d); connections reopened: %d",
		p99(before).Round(100*time.Microsecond), len(before), p99(during).Round(100*time.Microsecond), len(during), reopened)

	// The resident memory is the bound the budget keeps; the heap in use
	// also counts garbage not yet collected (GOGC=50 lets it reach half the
	// live heap), so its bound is higher.
	const rssBound, heapBound = 200 << 20, 256 << 20
	if rssGrowth > rssBound {
		t.Errorf("resident memory grew by %d MiB during the burst, want under %d MiB", rssGrowth>>20, rssBound>>20)
	}
	if heapGrowth > heapBound {
		t.Errorf("the heap in use grew by %d MiB during the burst, want under %d MiB", heapGrowth>>20, heapBound>>20)
	}
	if len(served) == 0 {
		t.Error("nothing was served")
	}
	if len(during) < 10 {
		t.Fatalf("only %d placements were acknowledged during the %v burst", len(during), burst)
	}
	if limit := max(500*time.Millisecond, 5*p99(before)); p99(during) > limit {
		t.Errorf("placement p99 %v during the burst (before: %v), want under %v", p99(during), p99(before), limit)
	}
	// Once the burst is over, each kind is served (what was computed,
	// from the cache).
	for i, path := range []string{answers[0].path, answers[24].path, answers[25].path, answers[26].path} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.78.0.%d", i+1))
		if resp, body := roundTrip(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("%s after the burst: %d %.200s", path, resp.StatusCode, body)
		}
	}
}
