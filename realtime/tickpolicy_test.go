package realtime

import (
	"testing"
	"time"
)

func TestTickPolicyFlushesAtOnceWhenIdle(t *testing.T) {
	p := newTickPolicy(50 * time.Millisecond)
	t0 := time.Unix(1000, 0)
	if d := p.wait(t0, 300); d != 0 {
		t.Fatalf("first wait = %v, want 0", d)
	}
	p.flushed(t0, 60*time.Microsecond, 30) // 2 µs per connection
	// Cheap flushes: the gap is the floor, and a placement arriving after
	// it goes out at once.
	if g := p.gap(30); g != tickMinGap {
		t.Fatalf("gap after a cheap flush = %v, want %v", g, tickMinGap)
	}
	if d := p.wait(t0.Add(5*time.Millisecond), 30); d != 0 {
		t.Errorf("wait 5 ms after a cheap flush = %v, want 0", d)
	}
	if d := p.wait(t0.Add(300*time.Microsecond), 30); d != 700*time.Microsecond {
		t.Errorf("wait 0.3 ms after a flush = %v, want the rest of the 1 ms gap", d)
	}
}

func TestTickPolicyWidensWithCostUpToTheInterval(t *testing.T) {
	p := newTickPolicy(50 * time.Millisecond)
	now := time.Unix(1000, 0)
	const conns = 1000
	var prev time.Duration
	for _, cost := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond} {
		for range 20 { // let the moving average settle
			p.flushed(now, cost, conns)
			now = now.Add(p.gap(conns))
		}
		g := p.gap(conns)
		if g <= prev {
			t.Errorf("cost %v: gap %v did not widen from %v", cost, g, prev)
		}
		if want := time.Duration(tickFactor * float64(cost)); g < want*9/10 || g > want*11/10 {
			t.Errorf("cost %v: gap %v, want about %v", cost, g, want)
		}
		prev = g
	}
	for range 20 {
		p.flushed(now, 40*time.Millisecond, conns)
	}
	if g := p.gap(conns); g != 50*time.Millisecond {
		t.Errorf("gap at 40 ms per flush = %v, want the 50 ms interval", g)
	}
	if d := p.wait(now.Add(10*time.Millisecond), conns); d != 40*time.Millisecond {
		t.Errorf("wait 10 ms after an expensive flush = %v, want 40 ms", d)
	}
}

func TestTickPolicyFollowsTheAudience(t *testing.T) {
	p := newTickPolicy(50 * time.Millisecond)
	now := time.Unix(1000, 0)
	for range 20 {
		p.flushed(now, 25*time.Millisecond, 2500) // 10 µs per connection
	}
	if g := p.gap(2500); g != 50*time.Millisecond {
		t.Errorf("gap for 2,500 connections = %v, want the interval", g)
	}
	// The crowd leaves: the very next placement to 20 connections needs
	// no wait beyond the floor, without cheap flushes first.
	if g := p.gap(20); g != tickMinGap {
		t.Errorf("gap for 20 connections = %v, want %v", g, tickMinGap)
	}
	want := time.Duration(tickFactor * 500 * float64(10*time.Microsecond))
	if g := p.gap(500); g < want*95/100 || g > want {
		t.Errorf("gap for 500 connections = %v, want about %v", g, want)
	}
}

func TestTickPolicyNeverExceedsAShortInterval(t *testing.T) {
	p := newTickPolicy(500 * time.Microsecond)
	if g := p.gap(10); g != 500*time.Microsecond {
		t.Errorf("gap before any flush = %v, want the 0.5 ms interval as the floor", g)
	}
	p.flushed(time.Unix(1000, 0), 10*time.Millisecond, 10)
	if g := p.gap(10); g != 500*time.Microsecond {
		t.Errorf("gap = %v, want the 0.5 ms interval", g)
	}
}
