package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/realtime"
)

// downStore is a store whose history and placements are unavailable, as
// when the database is down; sessions and guests still work.
type downStore struct {
	// nil: any other call panics, so the test shows what is used
	place.History
	place.Users
	place.Placer
	place.SessionIndex
	place.Secrets
	place.Devices
	sessions memSessions
}

// stores returns the roles of the store; the others are nil.
func (d *downStore) stores() place.Stores {
	return place.Stores{
		History: d, Users: d, Placer: d, SessionIndex: d, Secrets: d, Devices: d,
		NetworkBans: noNetworkBans{}, Sessions: &d.sessions,
	}
}

// noNetworkBans has no bans in force and takes none.
type noNetworkBans struct{}

func (noNetworkBans) NetworkBans(context.Context, time.Time) ([]place.NetworkBan, error) {
	return nil, nil
}
func (noNetworkBans) AddNetworkBan(context.Context, place.NetworkBan) (place.NetworkBan, error) {
	return place.NetworkBan{}, place.ErrUnavailable
}
func (noNetworkBans) LiftNetworkBan(context.Context, int64, time.Time) (place.NetworkBan, error) {
	return place.NetworkBan{}, place.ErrUnavailable
}
func (d *downStore) PixelHistory(context.Context, int, int, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (d *downStore) PixelHistoryBefore(context.Context, int, int, uint64, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (d *downStore) RecentPlacements(context.Context, uint64, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (d *downStore) UserByID(context.Context, string) (place.User, error) {
	return place.User{}, place.Errorf(place.ENOTFOUND, "no such user")
}
func (d *downStore) CreateGuest(context.Context, time.Time) (place.User, error) {
	return place.User{ID: "g1", Username: "Guest_aaaaaa", IsGuest: true}, nil
}
func (d *downStore) AddUserSession(context.Context, string, string, time.Time) error { return nil }
func (d *downStore) Secret(_ context.Context, _ string, size int) ([]byte, error) {
	return make([]byte, size), nil
}
func (d *downStore) NoteDevice(context.Context, string, string, time.Time) error {
	return place.ErrUnavailable
}
func (d *downStore) Place(context.Context, place.Player, int, int, uint8, time.Time) (place.Placement, time.Time, error) {
	return place.Placement{}, time.Time{}, place.ErrUnavailable
}

type memSessions struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memSessions) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[token]
	return b, ok, nil
}

func (s *memSessions) Commit(token string, b []byte, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string][]byte)
	}
	s.m[token] = b
	return nil
}

func (s *memSessions) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
	return nil
}

func TestStoreDownPages(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Second}
	st := &downStore{}
	srv := handlers.New(handlers.Options{Config: cfg, Store: st.stores(), Hub: realtime.New(realtime.Options{Config: cfg})})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	do := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, path := range []string{"/history?x=1&y=2", "/history/recent"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		resp, body := do(req)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Temporarily unavailable") || !strings.Contains(body, "SERVICE_UNAVAILABLE") {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}

	// The canvas page does without its recent-placements panel.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	if resp, body := do(req); resp.StatusCode != 200 || !strings.Contains(body, "No pixels placed yet") {
		t.Errorf("canvas page with history down: %d", resp.StatusCode)
	}

	// A placement by form while the store is down: a 503 page with the form.
	form := url.Values{"x": {"1"}, "y": {"2"}, "color": {"3"}}
	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/place", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	resp, body := do(req)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Your pixel was not placed") || !strings.Contains(body, `name="x"`) {
		t.Errorf("place with the store down: %d\n%s", resp.StatusCode, body)
	}
}
