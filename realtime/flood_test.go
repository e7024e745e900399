package realtime_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/realtime"
)

// fakeClock is a hub clock (Options.Now) that moves only when told.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// floodHub starts a hub whose flood limit (the default, 20 messages a
// second) counts on clock.
func floodHub(t *testing.T, clock *fakeClock) string {
	t.Helper()
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	_, url := startHub(t, f, func(o *realtime.Options) { o.Now = clock.Now })
	return url
}

// burst sends n pings (at most the 21 that all get an answer within one
// second) and reads the answers: the pongs and, for the 21st message of a
// second, its TOO_MANY_MESSAGES. Messages are handled in order, so once
// the answers are in the hub has counted all n.
func burst(t *testing.T, c *wstest.Client, n int) (pongs, floods int) {
	t.Helper()
	for range n {
		c.Send(`{"type":"ping"}`)
	}
	for pongs+floods < n {
		m, err := c.Next(5 * time.Second)
		if err != nil {
			t.Fatalf("after %d pongs and %d flood errors: %v", pongs, floods, err)
		}
		switch {
		case m.Type == "pong":
			pongs++
		case m.Type == "error" && m.Code == "TOO_MANY_MESSAGES":
			floods++
		default:
			t.Fatalf("unexpected %v", m)
		}
	}
	return pongs, floods
}

// A second's first 20 messages are answered and the 21st gets the one
// error of that second; the next second starts again from zero.
func TestFloodLimitCountsPerSecond(t *testing.T) {
	clock := newFakeClock()
	c := wstest.MustDial(t, floodHub(t, clock), wstest.Options{})
	c.Expect(t, "welcome", 2*time.Second)
	c.Expect(t, "canvas", 2*time.Second)
	if p, f := burst(t, c, 21); p != 20 || f != 1 {
		t.Errorf("21 messages in a second: %d pongs, %d flood errors; want 20 and 1", p, f)
	}
	clock.Advance(time.Second)
	if p, f := burst(t, c, 20); p != 20 || f != 0 {
		t.Errorf("20 messages in the next second: %d pongs, %d flood errors; want 20 and 0", p, f)
	}
	if p, f := burst(t, c, 1); p != 0 || f != 1 {
		t.Errorf("its 21st message: %d pongs, %d flood errors; want the flood error", p, f)
	}
}

// Five seconds in a row over the limit close the connection (1008), as do
// ten times the limit in one second; four, with a calm second after them,
// do not.
func TestFloodLimitCloses(t *testing.T) {
	clock := newFakeClock()
	url := floodHub(t, clock)
	dial := func() *wstest.Client {
		c := wstest.MustDial(t, url, wstest.Options{})
		c.Expect(t, "welcome", 2*time.Second)
		c.Expect(t, "canvas", 2*time.Second)
		return c
	}

	calm := dial()
	for range 4 {
		if p, f := burst(t, calm, 21); p != 20 || f != 1 {
			t.Fatalf("21 messages in a second: %d pongs, %d flood errors", p, f)
		}
		clock.Advance(time.Second)
	}
	burst(t, calm, 1) // a calm second forgives the four before it
	clock.Advance(time.Second)
	for range 4 {
		if p, f := burst(t, calm, 21); p != 20 || f != 1 {
			t.Fatalf("21 messages in a second after a calm one: %d pongs, %d flood errors", p, f)
		}
		clock.Advance(time.Second)
	}

	sustained := dial()
	for range 4 {
		if p, f := burst(t, sustained, 21); p != 20 || f != 1 {
			t.Fatalf("21 messages in a second: %d pongs, %d flood errors", p, f)
		}
		clock.Advance(time.Second)
	}
	for range 21 {
		sustained.Send(`{"type":"ping"}`)
	}
	if code := sustained.WaitClosed(t, 5*time.Second); code != 1008 {
		t.Errorf("the fifth second over the limit: close code %d, want 1008", code)
	}

	flood := dial()
	for range 201 {
		flood.Send(`{"type":"ping"}`)
	}
	if code := flood.WaitClosed(t, 5*time.Second); code != 1008 {
		t.Errorf("201 messages in one second: close code %d, want 1008", code)
	}
}
