package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
)

// gapServer speaks just enough of the protocol for the bench and, on its
// third batch, skips one seq, as a server that lost a pixel would.
type gapServer struct {
	gws.BuiltinEventHandler
	mu    sync.Mutex
	conns map[*gws.Conn]bool
	seq   uint64
	ticks int
}

func (s *gapServer) OnOpen(c *gws.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.WriteAsync(gws.OpcodeText, []byte(`{"type":"welcome","userId":"u","username":"Guest_1","isGuest":true,"cooldown":0,"serverTime":0,`+
		`"canvasInfo":{"width":8,"height":8,"cooldownSeconds":0,"colorCount":16,"palette":[]}}`), nil)
	c.WriteAsync(gws.OpcodeBinary, ceilingsrv.EncodeCanvasBinary(8, 8, s.seq, make([]byte, 64)), nil)
	s.conns[c] = true
}

func (s *gapServer) OnClose(c *gws.Conn, _ error) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *gapServer) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ticks++
	prev := s.seq
	if s.ticks == 3 {
		prev++ // the gap
	}
	s.seq = prev + 1
	msg := ceilingsrv.EncodePixelsBinary(prev, s.seq, []uint32{1 | 1<<12 | 3<<24})
	for c := range s.conns {
		c.WriteAsync(gws.OpcodeBinary, msg, nil)
	}
}

func startGapServer(t *testing.T) string {
	s := &gapServer{conns: map[*gws.Conn]bool{}}
	up := gws.NewUpgrader(s, &gws.ServerOption{SubProtocols: []string{bench.BinaryProtocol}})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			http.NotFound(w, r)
			return
		}
		if c, err := up.Upgrade(w, r); err == nil {
			go c.ReadLoop()
		}
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				s.tick()
			case <-ctx.Done():
				return
			}
		}
	}()
	return ts.URL
}

func startCeiling(t *testing.T) string {
	srv, err := ceilingsrv.New(ceilingsrv.Config{Width: 64, Height: 64, BatchInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go srv.Run(ctx)
	return ts.URL
}

func TestRunDetectsGap(t *testing.T) {
	opts := bench.DefaultOptions()
	opts.Target = startGapServer(t)
	opts.Clients, opts.Placers = 3, 0
	opts.Duration, opts.Warmup = 300*time.Millisecond, 0
	rep, err := bench.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connected != 3 {
		t.Fatalf("connected %d of 3: %v", rep.Connected, rep.ConnectErrors)
	}
	// Each client saw the skipped seq unless it connected after it.
	if rep.Missed < 1 || rep.Missed > 3 {
		t.Errorf("missed = %d, want 1..3 (one per client that saw the gap)", rep.Missed)
	}
}

func TestMainExitsNonZeroOnMissedPixel(t *testing.T) {
	target := startGapServer(t)
	var stdout, stderr bytes.Buffer
	code := bench.Main(context.Background(), []string{
		"--target", target, "--clients", "2", "--placers", "0", "--duration", "300ms", "--warmup", "0", "--json",
	}, &stdout, &stderr)
	if code != bench.ExitFailed {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, bench.ExitFailed, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout.String())
	}
	if rep.Missed == 0 {
		t.Errorf("JSON missed = 0, want > 0")
	}
}

func TestMainUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--clients", "0"},
		{"--placers", "5", "--clients", "2"},
		{"--no-such-flag"},
		{"--source-addrs", "not-an-ip"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := bench.Main(context.Background(), args, &stdout, &stderr); code != bench.ExitUsage {
			t.Errorf("Main(%q) = %d, want %d", args, code, bench.ExitUsage)
		}
	}
}

func TestRunAgainstCeilingMissesNothing(t *testing.T) {
	target := startCeiling(t)
	for _, binary := range []bool{true, false} {
		t.Run(fmt.Sprintf("binary=%v", binary), func(t *testing.T) {
			opts := bench.DefaultOptions()
			opts.Target = target
			opts.Binary = binary
			opts.Clients, opts.Placers, opts.Rate = 20, 5, 200
			opts.Duration, opts.Warmup = time.Second, 0
			rep, err := bench.Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Connected != 20 || rep.Missed != 0 || len(rep.Errors) != 0 {
				t.Fatalf("connected %d, missed %d, errors %v; want 20, 0, none", rep.Connected, rep.Missed, rep.Errors)
			}
			if rep.Placed < 100 || rep.Acked != rep.Placed {
				t.Errorf("placed %d, acked %d; want about 200, all acknowledged", rep.Placed, rep.Acked)
			}
			// Every client sees every placement once.
			if want := rep.Placed * int64(rep.Connected); rep.Deliveries != want {
				t.Errorf("deliveries = %d, want %d", rep.Deliveries, want)
			}
			if rep.DeliveryP50Ms <= 0 || rep.DeliveryP99Ms < rep.DeliveryP50Ms || rep.DeliveryMaxMs < rep.DeliveryP99Ms {
				t.Errorf("delivery p50 %v p99 %v max %v: not ordered", rep.DeliveryP50Ms, rep.DeliveryP99Ms, rep.DeliveryMaxMs)
			}
			if rep.MessagesPerSec <= 0 || rep.BytesPerClientPerSec <= 0 || rep.ServerRssBytes <= 0 || rep.ServerConnections != 20 {
				t.Errorf("messages/s %v, bytes/client/s %v, server RSS %d, server connections %d: want all positive and 20 connections",
					rep.MessagesPerSec, rep.BytesPerClientPerSec, rep.ServerRssBytes, rep.ServerConnections)
			}
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil || !bytes.Contains(text.Bytes(), []byte("missed")) {
				t.Errorf("WriteText: %v\n%s", err, text.String())
			}
			t.Logf("\n%s", text.String())
		})
	}
}
