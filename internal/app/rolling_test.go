package app_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/wstest"
)

// players place pixels through a proxy, each over a WebSocket of its own
// that it opens again whenever it ends. Player p of n owns rows p, p+n, …
// and never places the same pixel and color twice, so an acknowledged
// placement can be found exactly once in history.
type players struct {
	ws, origin string
	n, width   int
	refused    atomic.Int64 // handshakes that failed
	mu         sync.Mutex
	acked      []ack
	ackedAt    []time.Time
}

func (ps *players) run(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for p := range ps.n {
		wg.Add(1)
		go func() { defer wg.Done(); ps.play(ctx, p) }()
	}
	return &wg
}

func (ps *players) play(ctx context.Context, p int) {
	i := 0
	for ctx.Err() == nil {
		c, err := wstest.Dial(ps.ws, wstest.Options{Header: http.Header{"Origin": {ps.origin}}, Player: true})
		if err != nil {
			ps.refused.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for ctx.Err() == nil {
			a := ack{x: i % ps.width, y: p + ps.n*(i/ps.width), color: 1 + i%15}
			i++
			if c.Place(a.x, a.y, a.color, strconv.Itoa(i)) != nil {
				break
			}
			m, ok := outcome(c, 2*time.Second)
			if !ok {
				break
			}
			if m.Type == "success" {
				ps.mu.Lock()
				ps.acked = append(ps.acked, a)
				ps.ackedAt = append(ps.ackedAt, time.Now())
				ps.mu.Unlock()
			}
			time.Sleep(60 * time.Millisecond)
		}
		c.Conn.WriteClose(1000, nil)
	}
}

// outcome waits for the answer to a placement; false when the connection
// closed (as a browser would learn at once) or nothing came in time.
func outcome(c *wstest.Client, timeout time.Duration) (wstest.Msg, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case m := <-c.Msgs:
			if m.Type == "success" || m.Type == "error" {
				return m, true
			}
		case <-c.Closed():
			return wstest.Msg{}, false
		case <-deadline:
			return wstest.Msg{}, false
		}
	}
}

// longestPause is the longest time between two acknowledgments (or from the
// last one to until).
func (ps *players) longestPause(until time.Time) time.Duration {
	ps.mu.Lock()
	at := slices.Clone(ps.ackedAt)
	ps.mu.Unlock()
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	var longest time.Duration
	for i := 1; i < len(at); i++ {
		longest = max(longest, at[i].Sub(at[i-1]))
	}
	if len(at) > 0 {
		longest = max(longest, until.Sub(at[len(at)-1]))
	}
	return longest
}

// historyCheck is how the acknowledged placements stand in PostgreSQL.
type historyCheck struct {
	acked, rows, missing, duplicated int
	complete                         time.Duration // from since until history held every seq
}

// checkHistory waits until PostgreSQL holds every seq up to final, then
// checks that every acknowledged placement is there exactly once.
func checkHistory(t *testing.T, databaseURL string, acked []ack, final uint64, since time.Time) historyCheck {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitFor(t, "history to reach the final seq", 40*time.Second, func() bool {
		var count, maxSeq int64
		_ = conn.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM placements`).Scan(&count, &maxSeq)
		return uint64(count) == final && uint64(maxSeq) == final
	})
	h := historyCheck{acked: len(acked), complete: time.Since(since)}
	rows, err := conn.Query(ctx, `SELECT x, y, color, COUNT(*) FROM placements GROUP BY x, y, color`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[ack]int{}
	for rows.Next() {
		var a ack
		var c int
		if err := rows.Scan(&a.x, &a.y, &a.color, &c); err != nil {
			t.Fatal(err)
		}
		stored[a] = c
		h.rows += c
	}
	rows.Close()
	for _, a := range acked {
		switch c := stored[a]; {
		case c == 0:
			h.missing++
		case c > 1:
			h.duplicated++
		}
		if stored[a] != 1 {
			t.Errorf("acknowledged placement %v stored %d times", a, stored[a])
		}
	}
	return h
}

// settledSeq waits until the seq an instance reports stops moving.
func settledSeq(t *testing.T, addr string) uint64 {
	t.Helper()
	var final uint64
	waitFor(t, "the seq to settle", 10*time.Second, func() bool {
		resp, _ := get(t, "http://"+addr+"/api/v1/canvas", nil)
		s, _ := strconv.ParseUint(resp.Header.Get("X-Canvas-Seq"), 10, 64)
		same := s == final
		final = s
		time.Sleep(150 * time.Millisecond)
		return same && s > 0
	})
	return final
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a server that must come back on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// restart stops an instance with SIGTERM, starts it again on the same
// address and waits until its /readyz answers 200. It returns the new
// process, how long the old one took to exit and how long the new one took
// to be ready.
func restart(t *testing.T, old *exec.Cmd, addr string, args []string) (*exec.Cmd, time.Duration, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := old.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = old.Wait()
	stopped := time.Since(start)
	start = time.Now()
	cmd, _ := startProcess(t, append(args, "--addr", addr, "--data-dir", t.TempDir())...)
	waitFor(t, "the restarted instance to be ready", 20*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return cmd, stopped, time.Since(start)
}

// rollingFigures are what one rolling restart measured.
type rollingFigures struct {
	refused     int64
	longest     time.Duration
	history     historyCheck
	gaps        int64
	reconnects  int64
	stopped     []time.Duration
	readyAfter  []time.Duration
	final       uint64
	viewerCount int
}

// rollingRestart runs two cluster instances behind the repository's nginx
// configuration with viewers and players on them, and restarts each in
// turn with SIGTERM, apart seconds after the previous one is ready again.
func rollingRestart(t *testing.T, apart time.Duration) rollingFigures {
	nginxtest.Binary(t)
	env := newClusterEnv(t)
	const width = 200
	args := []string{"--redis-url", env.redisURL, "--database-url", env.databaseURL, "--redis-prefix", env.prefix,
		"--cooldown", "0s", "--guest-limit", "0", "--trusted-proxies", "127.0.0.1",
		"--width", strconv.Itoa(width), "--height", "200", "--shutdown-timeout", "5s"}
	addrs := []string{freeAddr(t), freeAddr(t)}
	procs := make([]*exec.Cmd, 2)
	for i, addr := range addrs {
		procs[i], _ = startProcess(t, append(args, "--addr", addr, "--data-dir", t.TempDir())...)
	}
	px := nginxtest.Start(t, addrs)
	ws := "ws://" + px.Addr + "/ws"

	ctx, stopViewers := context.WithCancel(context.Background())
	var viewers []*resilientViewer
	var vwg sync.WaitGroup
	for range 12 {
		v := &resilientViewer{url: ws, origin: px.URL}
		viewers = append(viewers, v)
		vwg.Add(1)
		go func() { defer vwg.Done(); v.run(ctx, t) }()
	}
	ps := &players{ws: ws, origin: px.URL, n: 8, width: width}
	placeCtx, stopPlacing := context.WithCancel(context.Background())
	pwg := ps.run(placeCtx)

	var f rollingFigures
	time.Sleep(2 * time.Second)
	for i := range procs {
		if i > 0 {
			time.Sleep(apart)
		}
		var stopped, ready time.Duration
		procs[i], stopped, ready = restart(t, procs[i], addrs[i], args)
		f.stopped = append(f.stopped, stopped)
		f.readyAfter = append(f.readyAfter, ready)
	}
	time.Sleep(2 * time.Second)
	stopPlacing()
	stoppedAt := time.Now()
	pwg.Wait()
	f.longest = ps.longestPause(stoppedAt)

	f.final = settledSeq(t, addrs[1])
	waitFor(t, "viewers to catch up", 15*time.Second, func() bool {
		for _, v := range viewers {
			if v.last.Load() < f.final {
				return false
			}
		}
		return true
	})
	stopViewers()
	vwg.Wait()
	f.refused = ps.refused.Load()
	f.viewerCount = len(viewers)
	for _, v := range viewers {
		f.gaps += v.gaps.Load()
		f.refused += v.refused.Load()
		f.reconnects += v.reconnects.Load()
	}
	ps.mu.Lock()
	acked := slices.Clone(ps.acked)
	ps.mu.Unlock()
	f.history = checkHistory(t, env.databaseURL, acked, f.final, time.Now())
	t.Logf("rolling restart %v apart: handshakes refused %d, longest pause between acknowledgments %v, "+
		"acknowledged %d, history rows %d (final seq %d), acknowledged but missing %d, stored twice %d, "+
		"viewer seq gaps %d (%d reconnects of %d viewers), instances exited after SIGTERM in %v, ready again after %v",
		apart, f.refused, f.longest.Round(time.Millisecond), f.history.acked, f.history.rows, f.final,
		f.history.missing, f.history.duplicated, f.gaps, f.reconnects, f.viewerCount, f.stopped, f.readyAfter)
	if f.refused > 0 {
		t.Logf("nginx error log:\n%s", px.ErrorLog())
	}
	return f
}

// TestRollingRestartThroughNginx restarts both instances in turn, 5 s
// apart, under viewers and players: no handshake is refused, placements
// are acknowledged without a pause longer than a second, every
// acknowledged placement is in history exactly once and no viewer misses a
// seq. PLACE_ROLLING_ROUNDS=n repeats it n times (a longer soak).
func TestRollingRestartThroughNginx(t *testing.T) {
	rounds := 1
	if n, err := strconv.Atoi(os.Getenv("PLACE_ROLLING_ROUNDS")); err == nil && n > 1 {
		rounds = n
	}
	for r := range rounds {
		t.Run("round"+strconv.Itoa(r+1), func(t *testing.T) {
			f := rollingRestart(t, 5*time.Second)
			if f.refused != 0 {
				t.Errorf("%d handshakes refused", f.refused)
			}
			if f.longest > time.Second {
				t.Errorf("no placement acknowledged for %v", f.longest)
			}
			if f.gaps != 0 {
				t.Errorf("viewers saw %d seq gaps", f.gaps)
			}
			if f.reconnects == 0 {
				t.Error("no viewer reconnected; the restarts proved nothing")
			}
		})
	}
}

// TestQuickRollingRestartThroughNginx restarts the second instance 1 s
// after the first is ready again: nothing acknowledged is lost, no viewer
// misses a seq, and players are refused for no longer than a restart.
func TestQuickRollingRestartThroughNginx(t *testing.T) {
	f := rollingRestart(t, time.Second)
	if f.gaps != 0 {
		t.Errorf("viewers saw %d seq gaps", f.gaps)
	}
	restartTook := max(f.stopped[0]+f.readyAfter[0], f.stopped[1]+f.readyAfter[1])
	if f.longest > restartTook {
		t.Errorf("no placement acknowledged for %v, longer than a restart (%v)", f.longest, restartTook)
	}
}

// TestDrainAnswers503ThenStops: after SIGTERM the server closes its
// sockets with 1001 and, for the drain period, answers reads and upgrades
// 503 with Connection: close (a proxy retries them elsewhere) while health
// checks answer and form placements are still served; then it stops
// listening.
func TestDrainAnswers503ThenStops(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.DrainPeriod = 1500 * time.Millisecond; c.Cooldown = 0 })
	c, _, _ := ts.dialReady(t, wstest.Options{})
	stopped := make(chan struct{})
	go func() { ts.Stop(t); close(stopped) }()
	if code := c.WaitClosed(t, 3*time.Second); code != 1001 {
		t.Errorf("close code %d, want 1001", code)
	}
	for _, path := range []string{"/", "/api/v1/canvas", "/history"} {
		resp, body := get(t, ts.URL+path, nil)
		if resp.StatusCode != 503 || !resp.Close || resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s while draining: %d, close %v, Retry-After %q: %s", path, resp.StatusCode, resp.Close, resp.Header.Get("Retry-After"), body)
		}
	}
	if _, err := wstest.Dial(ts.WS, wstest.Options{}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("upgrade while draining: %v, want 503", err)
	}
	if resp, _ := get(t, ts.URL+"/readyz", nil); resp.StatusCode != 503 {
		t.Errorf("/readyz while draining: %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz while draining: %d", resp.StatusCode)
	}
	resp, body := postForm(t, ts, "/place", url.Values{"x": {"1"}, "y": {"2"}, "color": {"3"}}, "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("form placement while draining: %d %s", resp.StatusCode, body)
	}
	select {
	case <-stopped:
		t.Fatal("stopped before the drain period ended")
	default:
	}
	<-stopped
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(ts.URL, "http://"), time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}
