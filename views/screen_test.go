package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/views"
)

func TestScreenCountersShowTimeLeftOnlyWithAnEnd(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	c := views.ScreenCounters{Online: 1, Placed: 12345, PerMinute: 60, Now: now}
	var buf bytes.Buffer
	if err := views.ScreenCountersPanel(c).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "time left") || !strings.Contains(out, "player online") {
		t.Errorf("without an end: %s", out)
	}
	if !strings.Contains(out, "12\u2009345") {
		t.Errorf("pixels placed not grouped: %s", out)
	}
	c.EndsAt = now.Add(90 * time.Minute)
	buf.Reset()
	if err := views.ScreenCountersPanel(c).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "time left") || !strings.Contains(out, ">1:30:00</time>") {
		t.Errorf("with an end: %s", out)
	}
}
