package app_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/wstest"
)

// resilientViewer follows the canvas through a proxy, reconnecting with
// `since` whenever its connection ends, and checks that the chain of seqs
// it applies never has a gap.
type resilientViewer struct {
	url        string
	origin     string
	last       atomic.Uint64
	gaps       atomic.Int64
	reconnects atomic.Int64
}

func (v *resilientViewer) run(ctx context.Context, t *testing.T) {
	first := true
	for ctx.Err() == nil {
		u := v.url
		if !first {
			u += "?since=" + strconv.FormatUint(v.last.Load(), 10)
		}
		c, err := wstest.Dial(u, wstest.Options{Header: http.Header{"Origin": {v.origin}}, Binary: true, Player: true})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if !first {
			v.reconnects.Add(1)
		}
		resumed := !first
		first = false
	read:
		for {
			select {
			case <-ctx.Done():
				c.Conn.WriteClose(1000, nil)
				return
			case <-c.Closed():
				break read
			case m := <-c.Msgs:
				switch m.Type {
				case "canvas":
					if resumed {
						// The replay was not held: a full canvas resets the chain.
						t.Logf("viewer resumed with a canvas at seq %d (had %d)", m.Seq, v.last.Load())
					}
					v.last.Store(m.Seq)
				case "pixels":
					if m.PrevSeq != v.last.Load() {
						v.gaps.Add(1)
					}
					v.last.Store(m.Seq)
				}
			}
		}
	}
}

// TestClusterInstanceKilledUnderLoad kills one of two instances with SIGKILL
// while players place through nginx: viewers reconnect through nginx with
// `since` and miss no seq, and every acknowledged placement reaches
// PostgreSQL exactly once (the survivor takes over the dead instance's
// unwritten history).
func TestClusterInstanceKilledUnderLoad(t *testing.T) {
	nginxtest.Binary(t)
	env := newClusterEnv(t)
	args := []string{"--redis-url", env.redisURL, "--database-url", env.databaseURL, "--redis-prefix", env.prefix,
		"--cooldown", "0s", "--guest-limit", "0", "--history-claim-idle", "2s", "--trusted-proxies", "127.0.0.1",
		"--width", "200", "--height", "200"}
	p1, addr1 := startProcess(t, append(args, "--data-dir", t.TempDir())...)
	_, addr2 := startProcess(t, append(args, "--data-dir", t.TempDir())...)
	px := nginxtest.Start(t, []string{addr1, addr2})
	ws := "ws://" + px.Addr + "/ws"

	ctx, stopViewers := context.WithCancel(context.Background())
	var viewers []*resilientViewer
	var vwg sync.WaitGroup
	for i := 0; i < 8; i++ {
		v := &resilientViewer{url: ws, origin: px.URL}
		viewers = append(viewers, v)
		vwg.Add(1)
		go func() { defer vwg.Done(); v.run(ctx, t) }()
	}

	type ack struct{ x, y, color int }
	var mu sync.Mutex
	var acked []ack
	placeCtx, stopPlacing := context.WithCancel(context.Background())
	var pwg sync.WaitGroup
	const placers = 6
	for p := 0; p < placers; p++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			i := 0
			for placeCtx.Err() == nil {
				c, err := wstest.Dial(ws, wstest.Options{Header: http.Header{"Origin": {px.URL}}, Player: true})
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				for placeCtx.Err() == nil {
					// Placer p owns rows p, p+6, …: one pixel per placement.
					a := ack{x: i % 200, y: p + placers*(i/200), color: 1 + i%15}
					i++
					if c.Place(a.x, a.y, a.color, strconv.Itoa(i)) != nil {
						break
					}
					m, err := c.Next(2 * time.Second)
					for err == nil && m.Type != "success" && m.Type != "error" {
						m, err = c.Next(2 * time.Second)
					}
					if err != nil {
						break
					}
					if m.Type == "success" {
						mu.Lock()
						acked = append(acked, a)
						mu.Unlock()
					}
					time.Sleep(60 * time.Millisecond)
				}
				c.Conn.WriteClose(1000, nil)
			}
		}()
	}

	time.Sleep(2 * time.Second)
	if err := p1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p1.Wait()
	killedAt := time.Now()
	time.Sleep(3 * time.Second)
	stopPlacing()
	pwg.Wait()

	// Every viewer catches up with the survivor's last seq, without a gap.
	var final uint64
	waitFor(t, "the survivor's seq to settle", 5*time.Second, func() bool {
		resp, _ := get(t, "http://"+addr2+"/api/v1/canvas", nil)
		s, _ := strconv.ParseUint(resp.Header.Get("X-Canvas-Seq"), 10, 64)
		same := s == final
		final = s
		time.Sleep(150 * time.Millisecond)
		return same && s > 0
	})
	waitFor(t, "viewers to catch up", 15*time.Second, func() bool {
		for _, v := range viewers {
			if v.last.Load() < final {
				return false
			}
		}
		return true
	})
	stopViewers()
	vwg.Wait()
	reconnected := 0
	for i, v := range viewers {
		if g := v.gaps.Load(); g != 0 {
			t.Errorf("viewer %d saw %d gaps", i, g)
		}
		if v.reconnects.Load() > 0 {
			reconnected++
		}
	}
	if reconnected == 0 {
		t.Error("no viewer was on the killed instance; the test proved nothing")
	}
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	t.Logf("%d placements acknowledged, final seq %d, %d of %d viewers reconnected after the kill", n, final, reconnected, len(viewers))

	// Every acknowledged placement is in PostgreSQL exactly once, the dead
	// instance's share written by the survivor.
	dbctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(dbctx, env.databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitFor(t, "history to reach the final seq", 30*time.Second, func() bool {
		var count, maxSeq int64
		_ = conn.QueryRow(dbctx, `SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM placements`).Scan(&count, &maxSeq)
		return uint64(count) == final && uint64(maxSeq) == final
	})
	t.Logf("history complete %v after the kill", time.Since(killedAt).Round(time.Millisecond))
	rows, err := conn.Query(dbctx, `SELECT x, y, color, COUNT(*) FROM placements GROUP BY x, y, color`)
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
	}
	rows.Close()
	var rowsStored, missing, duplicated int
	for _, c := range stored {
		rowsStored += c
	}
	for _, a := range acked {
		switch c := stored[a]; {
		case c == 0:
			missing++
		case c > 1:
			duplicated++
		}
		if stored[a] != 1 {
			t.Errorf("acknowledged placement %v stored %d times", a, stored[a])
		}
	}
	t.Logf("acknowledged %d, stored %d rows (final seq %d), acknowledged but missing %d, stored more than once %d", n, rowsStored, final, missing, duplicated)
}
