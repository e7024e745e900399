package handlers

import (
	"testing"
	"time"
)

func TestScreenRateOverTheLastMinute(t *testing.T) {
	st := &screenState{}
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	if r := st.rate(t0, 100); r != 0 {
		t.Errorf("first sample: %d", r)
	}
	// 2 s later: too short a span to say.
	if r := st.rate(t0.Add(2*time.Second), 110); r != 0 {
		t.Errorf("after 2 s: %d", r)
	}
	// 30 s later, 60 more: 120 per minute.
	if r := st.rate(t0.Add(30*time.Second), 160); r != 120 {
		t.Errorf("after 30 s: %d", r)
	}
	// 90 s later: only the last minute counts (samples from 30 s on).
	if r := st.rate(t0.Add(90*time.Second), 190); r != 30 {
		t.Errorf("after 90 s: %d", r)
	}
	if n := len(st.samples); n != 2 {
		t.Errorf("%d samples kept", n)
	}
}
