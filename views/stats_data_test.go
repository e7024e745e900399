package views

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func TestRateChart(t *testing.T) {
	if !RateChart(nil, time.Time{}, time.Time{}).Empty {
		t.Error("no placements should give an empty chart")
	}
	start := time.Date(2026, 6, 1, 9, 0, 30, 0, time.UTC)
	// Ten minutes: 10 placements in the first, none in between, 40 in the last.
	c := RateChart([]place.MinuteCount{{Minute: start.Truncate(time.Minute), Count: 10}, {Minute: start.Add(9 * time.Minute).Truncate(time.Minute), Count: 40}}, start, start.Add(9*time.Minute))
	if c.BucketMinutes != 1 || len(strings.Fields(c.Line)) != 10 || len(c.Dots) != 10 {
		t.Fatalf("chart %+v", c)
	}
	if c.Peak.Count != 40 || c.YTicks[len(c.YTicks)-1].Label != "50" || c.XTicks[0].Label != "09:00" || c.XTicks[len(c.XTicks)-1].Label != "09:09" {
		t.Errorf("peak %v, y ticks %v, x ticks %v", c.Peak, c.YTicks, c.XTicks)
	}
	// The last point is at 40 of 50: 80 % of the plot's height up.
	if last := c.Dots[9]; math.Abs(last.Y-(chartTop+plotH*0.2)) > 1e-9 || c.Dots[1].Y != chartTop+plotH {
		t.Errorf("dots %v", c.Dots)
	}
	// A day of minutes is drawn with at most chartPoints points, each the
	// mean of its minutes.
	var day []place.MinuteCount
	for m := range 24 * 60 {
		day = append(day, place.MinuteCount{Minute: start.Truncate(time.Minute).Add(time.Duration(m) * time.Minute), Count: 6})
	}
	c = RateChart(day, start, start.Add(24*time.Hour-time.Minute))
	if c.BucketMinutes != 6 || len(strings.Fields(c.Line)) != 240 || c.Dots != nil || c.YTicks[len(c.YTicks)-1].Label != "10" {
		t.Errorf("day: bucket %d, %d points, top %s", c.BucketMinutes, len(strings.Fields(c.Line)), c.YTicks[len(c.YTicks)-1].Label)
	}
}

func TestTimeLeftAndBigNumber(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{-time.Second: "ended", 59 * time.Second: "0:59", 61*time.Minute + 500*time.Millisecond: "1:01:01"} {
		if got := timeLeft(now, now.Add(d)); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
	if got := bigNumber(1234567); got != "1\u2009234\u2009567" {
		t.Errorf("%q", got)
	}
}
