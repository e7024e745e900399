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
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
)

// downServer is a server whose history and placements are unavailable, as
// when the database is down; sessions and guests still work. Each role is
// a fake of its own, and each fake embeds its role's interface (nil) for
// the methods these tests must not reach: calling one panics, so the test
// shows what is used.
func downServer(t *testing.T, cfg place.Config) *handlers.Server {
	t.Helper()
	srv, err := handlers.New(downOptions(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func downOptions(cfg place.Config) handlers.Options {
	accounts := guestAccounts{}
	bans := netbans.New(noNetworkBans{}, nil, nil)
	return handlers.Options{
		Config: cfg, Hub: realtime.New(realtime.Options{Config: cfg}),
		Placements:  placing.New(placing.Options{Config: cfg, Placer: downPlacer{}, Users: accounts, NetworkBans: bans}),
		NetworkBans: bans, History: downHistory{}, Accounts: accounts, Users: accounts,
		Sessions: &guestSessions{}, Secrets: zeroSecrets{}, Devices: downDevices{},
	}
}

// New refuses to build a server without what every route needs, above all
// the placement service: a server that made its own would place without
// the event, join, size and team rules.
func TestNewRequiresItsDependencies(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Second}
	for name, drop := range map[string]func(*handlers.Options){
		"Placements":  func(o *handlers.Options) { o.Placements = nil },
		"Hub":         func(o *handlers.Options) { o.Hub = nil },
		"NetworkBans": func(o *handlers.Options) { o.NetworkBans = nil },
		"Sessions":    func(o *handlers.Options) { o.Sessions = nil },
	} {
		o := downOptions(cfg)
		drop(&o)
		srv, err := handlers.New(o)
		if err == nil || srv != nil || !strings.Contains(err.Error(), "Options."+name) {
			t.Errorf("without %s: %v, %v; want an error naming it", name, srv, err)
		}
	}
}

// downHistory is a history that cannot be read.
type downHistory struct{}

func (downHistory) PixelHistory(context.Context, int, int, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (downHistory) PixelHistoryBefore(context.Context, int, int, uint64, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (downHistory) RecentPlacements(context.Context, uint64, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (downHistory) UserPlacements(context.Context, string, uint64, int) ([]place.HistoryEntry, error) {
	return nil, place.ErrUnavailable
}
func (downHistory) RollbackPlan(context.Context, string, time.Time) ([]place.Pixel, error) {
	return nil, place.ErrUnavailable
}
func (downHistory) WaitHistory(context.Context, uint64) error { return place.ErrUnavailable }

// guestAccounts makes guests and knows no one else.
type guestAccounts struct{ handlers.Accounts }

func (guestAccounts) UserByID(context.Context, string) (place.User, error) {
	return place.User{}, place.Errorf(place.ENOTFOUND, "no such user")
}
func (guestAccounts) CreateGuest(context.Context, time.Time) (place.User, error) {
	return place.User{ID: "g1", Username: "Guest_aaaaaa", IsGuest: true}, nil
}

// downPlacer refuses every placement as a store that is down does.
type downPlacer struct{ place.Placer }

func (downPlacer) Place(context.Context, place.Player, int, int, uint8, time.Time) (place.Placement, time.Time, error) {
	return place.Placement{}, time.Time{}, place.ErrUnavailable
}

// guestSessions keeps sessions in memory and indexes nothing.
type guestSessions struct{ data memSessions }

func (s *guestSessions) Sessions() place.SessionStore { return &s.data }
func (*guestSessions) AddUserSession(context.Context, string, string, time.Time) error {
	return nil
}
func (*guestSessions) RemoveUserSession(context.Context, string, string) error { return nil }
func (*guestSessions) UserSessions(context.Context, string) ([]string, error)  { return nil, nil }
func (*guestSessions) PublishKick(context.Context, place.Kick) error           { return nil }

// noNetworkBans is a store of network bans that has none.
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

type zeroSecrets struct{}

func (zeroSecrets) Secret(_ context.Context, _ string, size int) ([]byte, error) {
	return make([]byte, size), nil
}

// downDevices cannot record which browsers a user used.
type downDevices struct{ place.Devices }

func (downDevices) NoteDevice(context.Context, string, string, time.Time) error {
	return place.ErrUnavailable
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
	srv := downServer(t, cfg)
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
