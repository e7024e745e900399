package place_test

import (
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func TestChargesAt(t *testing.T) {
	now := time.Unix(1000, 0)
	cd := 10 * time.Second
	at := func(d time.Duration) time.Time { return now.Add(d) }
	for _, c := range []struct {
		name       string
		clock      time.Time
		limit      int
		want       int
		next, more time.Time
	}{
		{"no clock: one charge", time.Time{}, 5, 1, now, time.Time{}},
		{"full", at(-time.Hour), 5, 5, now, time.Time{}},
		{"one spent", at(cd), 5, 4, now, at(cd)},
		{"all spent", at(5 * cd), 5, 0, at(cd), at(cd)},
		{"part of a cooldown", at(5*cd - 3*time.Second), 5, 0, at(cd - 3*time.Second), at(cd - 3*time.Second)},
		{"limit one is the cooldown", at(7 * time.Second), 1, 0, at(7 * time.Second), at(7 * time.Second)},
		{"limit one, over", at(-time.Second), 1, 1, now, time.Time{}},
	} {
		got := place.ChargesAt(c.clock, now, c.limit, cd)
		if got.Available != c.want || !got.NextPlacement.Equal(c.next) || !got.NextChargeAt.Equal(c.more) {
			t.Errorf("%s: %+v, want %d %v %v", c.name, got, c.want, c.next, c.more)
		}
	}
	if got := place.ChargesAt(at(time.Hour), now, 3, 0); got.Available != 3 {
		t.Errorf("no cooldown: %+v", got)
	}
}
