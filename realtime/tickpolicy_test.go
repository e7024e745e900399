package realtime

import (
	"testing"
	"time"
)

// flushes is a history of identical flushes fed to a fresh policy.
type flushes struct {
	n     int
	cost  time.Duration
	conns int
}

func TestTickPolicyWait(t *testing.T) {
	const ms, us = time.Millisecond, time.Microsecond
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name     string
		history  []flushes
		interval time.Duration
		after    time.Duration // since the last flush started
		conns    int
		want     time.Duration
	}{
		{"first placement goes out at once", nil, 50 * ms, 0, 300, 0},
		{"idle small room: at once", []flushes{{20, 60 * us, 30}}, 50 * ms, 5 * ms, 30, 0},
		{"right after a cheap flush: the rest of the 1 ms floor", []flushes{{20, 60 * us, 30}}, 50 * ms, 300 * us, 30, 700 * us},
		{"300 connections at 6 µs: gap 7.2 ms", []flushes{{40, 1800 * us, 300}}, 50 * ms, 2 * ms, 300, 5200 * us},
		{"300 connections, gap passed: at once", []flushes{{40, 1800 * us, 300}}, 50 * ms, 8 * ms, 300, 0},
		{"2,500 connections at 10 µs: the 50 ms interval", []flushes{{40, 25 * ms, 2500}}, 50 * ms, 10 * ms, 2500, 40 * ms},
		{"the interval bounds the gap", []flushes{{40, 25 * ms, 2500}}, 20 * ms, 5 * ms, 2500, 15 * ms},
		{"a live interval under the floor wins", []flushes{{40, 10 * ms, 10}}, 500 * us, 100 * us, 10, 400 * us},
		{"the crowd leaves: the next wait is for 20 connections", []flushes{{40, 25 * ms, 2500}}, 50 * ms, 2 * ms, 20, 0},
		{"the crowd arrives: the wait widens before any dear flush", []flushes{{40, 60 * us, 30}}, 50 * ms, 2 * ms, 2500, 18 * ms},
		{"no connections count as one", []flushes{{40, 0, 0}}, 50 * ms, 0, 0, tickMinGap},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTickPolicy(0)
			last := t0
			for _, h := range c.history {
				for range h.n {
					p.flushed(last, h.cost, h.conns)
					last = last.Add(c.interval)
				}
			}
			last = p.last
			if last.IsZero() {
				last = t0
			}
			got := p.wait(last.Add(c.after), c.conns, c.interval)
			if d := got - c.want; d < -50*us || d > 50*us {
				t.Errorf("wait = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTickPolicyGapFollowsCost(t *testing.T) {
	const conns = 1000
	p := newTickPolicy(0)
	now := time.Unix(1000, 0)
	var prev time.Duration
	for _, cost := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond} {
		for range 20 { // let the moving average settle
			p.flushed(now, cost, conns)
			now = now.Add(p.gap(conns, 50*time.Millisecond))
		}
		g := p.gap(conns, 50*time.Millisecond)
		if want := time.Duration(tickFactor * float64(cost)); g <= prev || g < want*9/10 || g > want*11/10 {
			t.Errorf("cost %v: gap %v (previous %v), want about %v", cost, g, prev, want)
		}
		prev = g
	}
}
