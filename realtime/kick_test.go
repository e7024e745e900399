package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
)

// A ban that comes after a connection's session was read but before the
// connection has joined (when a kick cannot yet find it) still closes it,
// with the ban's message; a connection whose session was read after the
// kick is not touched by it.
func TestKickBetweenSessionReadAndJoin(t *testing.T) {
	h := runKickHub(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		readAt := time.Now()
		if r.URL.Query().Has("kick") {
			// The moderator's ban lands while this request holds the
			// identity it read a moment ago.
			h.Kick(place.Kick{UserID: user, Reason: "banned", BanMessage: "You are banned: spam."})
		}
		_ = h.ServeWS(w, r, realtime.Identity{UserID: user, Username: user, Token: "t-" + user, ReadAt: readAt}, 0, false)
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	banned := wstest.MustDial(t, url+"?user=vandal&kick", wstest.Options{})
	var sawBan bool
	for !sawBan {
		m, err := banned.Next(2 * time.Second)
		if err != nil {
			t.Fatalf("no ban message before the close: %v", err)
		}
		sawBan = m.Type == "error" && m.Code == string(place.EBANNED) && strings.Contains(m.Message, "spam")
	}
	if code := banned.WaitClosed(t, 2*time.Second); code != 1008 {
		t.Fatalf("close code %d, want 1008", code)
	}

	// The same user connecting again with a session read after the kick
	// (say, unbanned) stays connected.
	again := wstest.MustDial(t, url+"?user=vandal", wstest.Options{})
	again.Expect(t, "welcome", 2*time.Second)
	select {
	case <-again.Closed():
		t.Fatalf("a connection whose session was read after the kick was closed (%d)", again.CloseCode())
	case <-time.After(300 * time.Millisecond):
	}
}

// A tab that was reconnecting as its user was banned finds its session
// already deleted and joins as a viewer: the ban's kick names the session
// tokens it ended, and the hub closes such a viewer by the token its
// browser sent, whether it joins after the kick or was open before it.
// Viewers with another token stay.
func TestBanReachesATabThatRejoinedAsAViewer(t *testing.T) {
	h := runKickHub(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A viewer: no user, only the cookie its browser still sends.
		_ = h.ServeWS(w, r, realtime.Identity{SessionCookie: r.URL.Query().Get("cookie"), ReadAt: time.Now()}, 0, false)
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	expectBan := func(c *wstest.Client) {
		t.Helper()
		for {
			m, err := c.Next(2 * time.Second)
			if err != nil {
				t.Fatalf("no ban message before the close: %v", err)
			}
			if m.Type == "error" && m.Code == string(place.EBANNED) {
				break
			}
		}
		if code := c.WaitClosed(t, 2*time.Second); code != 1008 {
			t.Fatalf("close code %d, want 1008", code)
		}
	}

	open := wstest.MustDial(t, url+"?cookie=tab-a", wstest.Options{})
	open.Expect(t, "welcome", 2*time.Second)
	other := wstest.MustDial(t, url+"?cookie=someone-else", wstest.Options{})
	other.Expect(t, "welcome", 2*time.Second)
	h.Kick(place.Kick{UserID: "vandal", Tokens: []string{"tab-a", "tab-b"}, Reason: "banned", BanMessage: "You are banned: spam."})
	expectBan(open)

	late := wstest.MustDial(t, url+"?cookie=tab-b", wstest.Options{})
	expectBan(late)

	select {
	case <-other.Closed():
		t.Fatalf("a viewer with another session was closed (%d)", other.CloseCode())
	case <-time.After(300 * time.Millisecond):
	}
}

// runKickHub starts a hub whose connections the test serves itself, with
// the identities it means to kick.
func runKickHub(t *testing.T) *realtime.Hub {
	t.Helper()
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	h := realtime.New(realtime.Options{Config: f.cfg, Feed: f, BatchInterval: 10 * time.Millisecond,
		Placements: placing.New(placing.Options{Config: f.cfg, Placer: f, Users: f})})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go h.Run(ctx)
	if err := h.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}
