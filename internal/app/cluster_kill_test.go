package app_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
	refused    atomic.Int64 // handshakes that failed
}

func (v *resilientViewer) run(ctx context.Context, t *testing.T) {
	first := true
	for ctx.Err() == nil {
		u := v.url
		if !first {
			u += "?since=" + strconv.FormatUint(v.last.Load(), 10)
		}
		c, err := wstest.Dial(u, wstest.Options{Header: http.Header{"Origin": {v.origin}}, Binary: true})
		if err != nil {
			v.refused.Add(1)
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

	ps := &players{ws: ws, origin: px.URL, n: 6, width: 200}
	placeCtx, stopPlacing := context.WithCancel(context.Background())
	pwg := ps.run(placeCtx)

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
	final := settledSeq(t, addr2)
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
	ps.mu.Lock()
	acked := slices.Clone(ps.acked)
	ps.mu.Unlock()
	t.Logf("%d placements acknowledged, final seq %d, %d of %d viewers reconnected after the kill", len(acked), final, reconnected, len(viewers))

	// Every acknowledged placement is in PostgreSQL exactly once, the dead
	// instance's share written by the survivor.
	h := checkHistory(t, env.databaseURL, acked, final, killedAt)
	t.Logf("history complete %v after the kill", h.complete.Round(time.Millisecond))
	t.Logf("acknowledged %d, stored %d rows (final seq %d), acknowledged but missing %d, stored more than once %d", h.acked, h.rows, final, h.missing, h.duplicated)
}
