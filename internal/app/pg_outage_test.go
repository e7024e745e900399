package app_test

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/faultproxy"
	"github.com/placecanvas/place/internal/wstest"
)

// TestClusterPostgreSQLDownUnderLoad stops PostgreSQL (a fault proxy between
// the instance and it: first hanging, then refusing) for 30 s while guests
// place at their cooldown: every placement is still acknowledged (the rules
// that read PostgreSQL, such as the network-ban list, keep their last good
// data), and once PostgreSQL is back its history holds every acknowledged
// placement exactly once.
func TestClusterPostgreSQLDownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a 35 s outage")
	}
	const (
		placers  = 4
		cooldown = 300 * time.Millisecond
		outage   = 30 * time.Second
	)
	env := newClusterEnv(t)
	pgURL, _ := url.Parse(env.databaseURL)
	proxy, err := faultproxy.New(pgURL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	pgURL.Host = proxy.Addr()
	ts := startWith(t, env.config(t, func(c *app.Config) { c.DatabaseURL = pgURL.String(); c.Cooldown = cooldown }))
	// A ban on another network is in the list every placement consults.
	if _, err := ts.App.Store.NetworkBans.AddNetworkBan(context.Background(), place.NetworkBan{
		Network: netip.MustParsePrefix("192.0.2.0/24"), Reason: "elsewhere", CreatedAt: time.Now(), EndsAt: time.Now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		a  ack
		at time.Time
	}
	var (
		mu      sync.Mutex
		acked   []result
		refused []string
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for p := range placers {
		c := ts.dial(t, wstest.Options{})
		c.Expect(t, "welcome", 5*time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; {
				a := ack{x: i % 500, y: p + placers*(i/500), color: 1 + i%15}
				if err := c.Place(a.x, a.y, a.color, strconv.Itoa(i)); err != nil {
					mu.Lock()
					refused = append(refused, "send: "+err.Error())
					mu.Unlock()
					return
				}
				m, ok := outcome(c, 2*placeTimeout)
				switch {
				case !ok:
					mu.Lock()
					refused = append(refused, "no answer (connection closed or timed out)")
					mu.Unlock()
					return
				case m.Type == "success":
					mu.Lock()
					acked = append(acked, result{a, time.Now()})
					mu.Unlock()
					i++
					time.Sleep(cooldown)
				case m.Code == "COOLDOWN":
					time.Sleep(cooldown / 4)
				default:
					mu.Lock()
					refused = append(refused, m.String())
					mu.Unlock()
					time.Sleep(cooldown)
				}
			}
		}()
	}

	time.Sleep(2 * time.Second)
	downAt := time.Now()
	proxy.Cut() // PostgreSQL hangs, then ...
	time.Sleep(outage / 3)
	proxy.Refuse() // ... is stopped
	time.Sleep(outage - outage/3)
	upAt := time.Now()
	proxy.Restore()
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for i, r := range refused {
		if i == 5 {
			t.Errorf("… %d refusals in all", len(refused))
			break
		}
		t.Errorf("refused: %s", r)
	}
	// Placements went on through the whole outage: no second of it
	// without an acknowledgement.
	var during []ack
	last := downAt
	for _, r := range acked {
		if r.at.Before(downAt) || r.at.After(upAt) {
			continue
		}
		during = append(during, r.a)
		if gap := r.at.Sub(last); gap > time.Second+placeTimeout {
			t.Errorf("no placement acknowledged for %v during the outage (until %v into it)", gap.Round(time.Millisecond), r.at.Sub(downAt).Round(time.Millisecond))
		}
		last = r.at
	}
	if gap := upAt.Sub(last); gap > time.Second+placeTimeout {
		t.Errorf("no placement acknowledged in the last %v of the outage", gap.Round(time.Millisecond))
	}
	want := int(outage / (cooldown + 50*time.Millisecond) * placers / 2)
	if len(during) < want {
		t.Errorf("%d placements acknowledged during the %v outage, want at least %d", len(during), outage, want)
	}
	all := make([]ack, len(acked))
	for i, r := range acked {
		all[i] = r.a
	}
	h := checkHistory(t, env.databaseURL, all, ts.App.Hub.Seq(), upAt)
	t.Logf("%d acknowledged (%d during the %v outage), %d refused; history: %d rows, complete %v after PostgreSQL returned",
		len(acked), len(during), outage, len(refused), h.rows, h.complete.Round(time.Millisecond))
}

// placeTimeout bounds the wait for one placement's answer.
const placeTimeout = 5 * time.Second
