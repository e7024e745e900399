package handlers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
)

// New refuses to build a server without what every route needs, above all
// the placement service: a server that made its own would place without
// the event, join, size and team rules.
func TestNewRequiresItsDependencies(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Second}
	bans := netbans.New(noNetworkBans{}, nil, nil)
	full := func() handlers.Options {
		return handlers.Options{
			Config: cfg, Hub: realtime.New(realtime.Options{Config: cfg}),
			Placements:  placing.New(placing.Options{Config: cfg, Placer: downPlacer{}, Users: guestAccounts{}, NetworkBans: bans}),
			NetworkBans: bans, Sessions: &guestSessions{},
		}
	}
	if _, err := handlers.New(full()); err != nil {
		t.Fatalf("complete options refused: %v", err)
	}
	for name, drop := range map[string]func(*handlers.Options){
		"Placements":  func(o *handlers.Options) { o.Placements = nil },
		"Hub":         func(o *handlers.Options) { o.Hub = nil },
		"NetworkBans": func(o *handlers.Options) { o.NetworkBans = nil },
		"Sessions":    func(o *handlers.Options) { o.Sessions = nil },
	} {
		o := full()
		drop(&o)
		srv, err := handlers.New(o)
		if err == nil || srv != nil || !strings.Contains(err.Error(), "Options."+name) {
			t.Errorf("without %s: %v, %v; want an error naming it", name, srv, err)
		}
	}
}
