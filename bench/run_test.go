package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
)

// fakeServer speaks just enough of the protocol for the bench. With gap
// set it skips one seq on its third batch, as a server that lost a pixel
// would; with a cooldown it refuses placements that come too early, as the
// real server does per guest (one guest per connection).
type fakeServer struct {
	gws.BuiltinEventHandler
	gap      bool
	cooldown time.Duration

	mu         sync.Mutex
	conns      map[*gws.Conn]bool
	seq        uint64
	ticks      int
	pending    []uint32
	lastPlaced map[*gws.Conn]time.Time
	queries    []string // each upgrade request's query
}

func (s *fakeServer) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	var msg struct {
		X, Y, Color uint32
		RequestID   string
	}
	_ = json.Unmarshal(m.Bytes(), &msg)
	id, _ := json.Marshal(msg.RequestID)
	now := time.Now()
	s.mu.Lock()
	early := now.Sub(s.lastPlaced[c]) < s.cooldown
	if !early {
		s.lastPlaced[c] = now
		s.pending = append(s.pending, msg.X|msg.Y<<12|msg.Color<<24)
	}
	s.mu.Unlock()
	if early {
		c.WriteAsync(gws.OpcodeText, fmt.Appendf(nil, `{"type":"error","code":"RATE_LIMITED","message":"wait","requestId":%s}`, id), nil)
		return
	}
	c.WriteAsync(gws.OpcodeText, fmt.Appendf(nil, `{"type":"success","requestId":%s}`, id), nil)
}

func (s *fakeServer) OnOpen(c *gws.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.WriteAsync(gws.OpcodeText, []byte(`{"type":"welcome","userId":"u","username":"Guest_1","isGuest":true,"cooldown":0,"serverTime":0,`+
		`"canvasInfo":{"width":8,"height":8,"cooldownSeconds":`+fmt.Sprint(s.cooldown.Seconds())+`,"colorCount":16,"palette":[]}}`), nil)
	c.WriteAsync(gws.OpcodeBinary, ceilingsrv.EncodeCanvasBinary(8, 8, s.seq, make([]byte, 64)), nil)
	s.conns[c] = true
}

func (s *fakeServer) OnClose(c *gws.Conn, _ error) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *fakeServer) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ticks++
	prev := s.seq
	if s.gap && s.ticks == 3 {
		prev++ // the gap
	}
	events := append(s.pending, 1|1<<12|3<<24)
	s.pending = nil
	s.seq = prev + uint64(len(events))
	msg := ceilingsrv.EncodePixelsBinary(prev, s.seq, events)
	for c := range s.conns {
		c.WriteAsync(gws.OpcodeBinary, msg, nil)
	}
}

func startFakeServer(t *testing.T, s *fakeServer) string {
	s.conns, s.lastPlaced = map[*gws.Conn]bool{}, map[*gws.Conn]time.Time{}
	up := gws.NewUpgrader(s, &gws.ServerOption{SubProtocols: []string{bench.BinaryProtocol}})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.RawQuery)
		s.mu.Unlock()
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

// The generator asks for batched acks unless told otherwise; a server
// that does not know the parameter ignores it.
func TestRunAsksForBatchedAcks(t *testing.T) {
	for _, batched := range []bool{true, false} {
		s := &fakeServer{}
		opts := bench.DefaultOptions()
		opts.Target = startFakeServer(t, s)
		opts.Clients, opts.Placers, opts.BatchedAcks = 2, 0, batched
		opts.Duration, opts.Warmup = 50*time.Millisecond, 0
		rep, err := bench.Run(context.Background(), opts)
		if err != nil || rep.Connected != 2 {
			t.Fatalf("connected %d: %v", rep.Connected, err)
		}
		want := map[bool]string{true: "acks=batched", false: ""}[batched]
		s.mu.Lock()
		if len(s.queries) != 2 || s.queries[0] != want || s.queries[1] != want {
			t.Errorf("batched %v: queries %q, want %q twice", batched, s.queries, want)
		}
		s.mu.Unlock()
		if rep.Acks != map[bool]string{true: "batched", false: "each"}[batched] {
			t.Errorf("report says acks %q", rep.Acks)
		}
	}
}

func TestRunDetectsGap(t *testing.T) {
	opts := bench.DefaultOptions()
	opts.Target = startFakeServer(t, &fakeServer{gap: true})
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
	target := startFakeServer(t, &fakeServer{gap: true})
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

func TestRunKeepsEachPlacerWithinTheCooldown(t *testing.T) {
	opts := bench.DefaultOptions()
	opts.Target = startFakeServer(t, &fakeServer{cooldown: 200 * time.Millisecond})
	opts.Clients, opts.Placers, opts.Rate = 4, 4, 100
	opts.Duration, opts.Warmup = time.Second, 0
	rep, err := bench.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.CooldownSeconds != 0.2 || rep.Rate >= 20 || len(rep.Warnings) == 0 {
		t.Errorf("cooldown %vs, planned rate %v/s, warnings %q: want 0.2s, under 4 placers / 0.2s, a warning", rep.CooldownSeconds, rep.Rate, rep.Warnings)
	}
	if rep.Placed < 8 || rep.Acked != rep.Placed || len(rep.Errors) != 0 {
		t.Errorf("placed %d, acked %d, errors %v: want every placement accepted", rep.Placed, rep.Acked, rep.Errors)
	}
}

func TestMainUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--clients", "0"},
		{"--placers", "5", "--clients", "2"},
		{"--no-such-flag"},
		{"--source-addrs", "not-an-ip"},
		{"--acks", "later"},
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

func TestRunExplainsARefusedSubprotocol(t *testing.T) {
	up := gws.NewUpgrader(&gws.BuiltinEventHandler{}, nil) // offers no subprotocol
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r); err == nil {
			go c.ReadLoop()
		}
	}))
	defer ts.Close()
	opts := bench.DefaultOptions()
	opts.Target, opts.Clients, opts.Placers = ts.URL, 2, 0
	opts.Duration, opts.Warmup = 100*time.Millisecond, 0
	_, err := bench.Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "JSON protocol") {
		t.Errorf("err = %v, want a hint to use the JSON protocol", err)
	}
}

func TestRunTimesOnlyTheTimedClientsButChecksAll(t *testing.T) {
	opts := bench.DefaultOptions()
	opts.Target = startCeiling(t)
	opts.Clients, opts.Placers, opts.Rate, opts.TimedClients = 10, 5, 200, 2
	opts.Duration, opts.Warmup = 500*time.Millisecond, 0
	rep, err := bench.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missed != 0 || rep.Placed < 50 || rep.Acked != rep.Placed {
		t.Fatalf("missed %d, placed %d, acked %d", rep.Missed, rep.Placed, rep.Acked)
	}
	if want := rep.Placed * 2; rep.Deliveries != want {
		t.Errorf("deliveries = %d, want %d (two timed clients)", rep.Deliveries, want)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings %q", rep.Warnings)
	}
	// The untimed clients still follow the chain: a gap is still caught.
	opts.Target = startFakeServer(t, &fakeServer{gap: true})
	opts.Clients, opts.Placers, opts.TimedClients = 3, 0, 1
	rep, err = bench.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missed < 1 {
		t.Errorf("missed = %d with untimed clients, want the gap seen", rep.Missed)
	}
}
