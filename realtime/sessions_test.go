package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/store/embedded"
)

type peer struct {
	gws.BuiltinEventHandler
	closed chan error
	pongs  chan struct{}
}

func (p *peer) OnClose(_ *gws.Conn, err error) { p.closed <- err }

func (p *peer) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	if strings.Contains(string(m.Bytes()), `"pong"`) {
		select {
		case p.pongs <- struct{}{}:
		default:
		}
	}
}

// A socket whose session disappears without a kick (it expired) is closed
// with 1008 within one re-check period; others stay open, and each session
// is looked up about once per period, not on every sweep.
func TestSocketsOfExpiredSessionsAreClosed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := place.Config{Width: 8, Height: 8}
	st, err := embedded.Open(ctx, embedded.Options{DataDir: t.TempDir(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var mu sync.Mutex
	alive := map[string]bool{"live": true, "doomed": true}
	var lookups atomic.Int64
	const recheck = 300 * time.Millisecond
	hub := realtime.New(realtime.Options{
		Config: cfg, Feed: st.Feed, Placements: placing.New(placing.Options{Config: cfg, Placer: st.Placer, Users: st.Users}),
		SessionRecheck: recheck, SessionSweep: 10 * time.Millisecond,
		SessionAlive: func(_ context.Context, token string) bool {
			lookups.Add(1)
			mu.Lock()
			defer mu.Unlock()
			return alive[token]
		},
	})
	go func() { _ = hub.Run(ctx) }()
	if err := hub.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		_ = hub.ServeWS(w, r, realtime.Identity{UserID: "u-" + tok, Token: tok}, 0, false)
	}))
	defer srv.Close()
	dial := func(token string) (*gws.Conn, *peer) {
		p := &peer{closed: make(chan error, 1), pongs: make(chan struct{}, 1)}
		conn, _, err := gws.NewClient(p, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(srv.URL, "http") + "/?token=" + token})
		if err != nil {
			t.Fatal(err)
		}
		go conn.ReadLoop()
		t.Cleanup(func() { _ = conn.NetConn().Close() })
		return conn, p
	}
	liveConn, live := dial("live")
	_, doomed := dial("doomed")
	for hub.Online() < 2 {
		time.Sleep(5 * time.Millisecond)
	}

	start := time.Now()
	mu.Lock()
	alive["doomed"] = false
	mu.Unlock()
	select {
	case err := <-doomed.closed:
		ce, ok := err.(*gws.CloseError)
		if !ok || ce.Code != 1008 {
			t.Fatalf("closed with %v, want 1008", err)
		}
		if d := time.Since(start); d > recheck+200*time.Millisecond {
			t.Fatalf("closed after %v, re-check period is %v", d, recheck)
		}
	case <-time.After(2 * recheck):
		t.Fatal("the socket of an expired session is still open")
	}

	lookups.Store(0)
	time.Sleep(3 * recheck)
	if n := lookups.Load(); n < 2 || n > 5 {
		t.Fatalf("%d session lookups for one socket in 3 re-check periods, want about 3", n)
	}
	select {
	case err := <-live.closed:
		t.Fatalf("the live session's socket closed: %v", err)
	default:
	}
	if err := liveConn.WriteString(`{"type":"ping"}`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-live.pongs:
	case <-time.After(time.Second):
		t.Fatal("the live socket does not answer")
	}
}
