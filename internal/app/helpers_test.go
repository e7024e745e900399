package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

type testServer struct {
	App      *app.App
	URL      string // http://127.0.0.1:port
	WS       string // ws://127.0.0.1:port/ws
	stop     func()
	done     chan error
	stopOnce sync.Once
}

// start runs a real server on 127.0.0.1:0 in embedded mode with a fresh data
// directory; it is shut down gracefully at cleanup.
func start(t testing.TB, mutate func(*app.Config)) *testServer {
	t.Helper()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.GuestLimit = 0
	cfg.AddressPlayers = 0 // tests play many guests from 127.0.0.1; the budget's own tests turn it on
	cfg.ChallengeBits = 0  // likewise the challenge
	cfg.BcryptCost = 4
	cfg.DrainPeriod = 0 // no proxy in front to route around a draining server
	if mutate != nil {
		mutate(&cfg)
	}
	return startWith(t, cfg)
}

func startWith(t testing.TB, cfg app.Config) *testServer {
	t.Helper()
	var logOut io.Writer = io.Discard
	if os.Getenv("PLACE_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{App: a, URL: "http://" + ln.Addr().String(), WS: "ws://" + ln.Addr().String() + "/ws", stop: cancel, done: make(chan error, 1)}
	go func() { ts.done <- a.Serve(ctx, ln) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := a.Hub.WaitReady(wctx); err != nil {
		t.Fatalf("hub not ready: %v", err)
	}
	t.Cleanup(func() { ts.Stop(t) })
	return ts
}

// Stop shuts the server down gracefully (idempotent).
func (ts *testServer) Stop(t testing.TB) {
	ts.stopOnce.Do(func() {
		ts.stop()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("server did not stop within 15s")
		}
	})
}

func (ts *testServer) dial(t testing.TB, o wstest.Options) *wstest.Client {
	t.Helper()
	o.Player = true // every test connection here places, unless it says otherwise
	return wstest.MustDial(t, ts.WS, o)
}

// dialReady connects and consumes welcome and the first state message.
func (ts *testServer) dialReady(t testing.TB, o wstest.Options) (*wstest.Client, wstest.Msg, wstest.Msg) {
	t.Helper()
	c := ts.dial(t, o)
	w := c.Expect(t, "welcome", 5*time.Second)
	first, err := c.Next(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c, w, first
}

func get(t testing.TB, url string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	return roundTrip(t, req)
}

// roundTrip sends req without following redirects and reads the whole body.
func roundTrip(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
