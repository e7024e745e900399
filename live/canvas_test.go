package live

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func placements(from, to uint64) []place.Placement {
	var out []place.Placement
	for s := from; s <= to; s++ {
		out = append(out, place.Placement{Seq: s, X: int(s % 4), Y: int(s / 4 % 3), Color: uint8(s % 16)})
	}
	return out
}

// replay returns the events after since, as the broadcaster reads them.
func (c *Canvas) replay(since uint64) ([]place.Pixel, bool) {
	events, _, ok := c.Events(since, nil)
	return events, ok
}

func TestCanvasAppliesAndReplays(t *testing.T) {
	m := New(4, 3)
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 10)
	if !m.Apply(placements(11, 13)) || m.Seq() != 13 {
		t.Fatalf("seq %d", m.Seq())
	}
	if got, _, _ := m.Snapshot(); got[2*4+3] != 11 {
		t.Errorf("pixel of seq 11 = %d, want 11", got[2*4+3])
	}
	replay, ok := m.replay(11)
	want := []place.Pixel{{X: 0, Y: 0, Color: 12}, {X: 1, Y: 0, Color: 13}}
	if !ok || len(replay) != 2 || replay[0] != want[0] || replay[1] != want[1] {
		t.Errorf("replay from 11 = %v, %v", replay, ok)
	}
	if m.Apply(placements(13, 14)) != true || m.Seq() != 14 {
		t.Error("placements already applied were not skipped")
	}
	if r, ok := m.replay(14); !ok || len(r) != 0 {
		t.Errorf("replay from the current seq = %v, %v; want empty and held", r, ok)
	}
	// Before the ring (it was reset at 10) and beyond the seq: not held.
	for _, since := range []uint64{9, 15} {
		if _, ok := m.replay(since); ok {
			t.Errorf("replay from %d is held", since)
		}
	}
}

func TestRingKeepsTheLatestEvents(t *testing.T) {
	m := New(4, 3)
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 0)
	m.Apply(placements(1, RingSize+5))
	if _, ok := m.replay(4); ok {
		t.Error("seq 5 was overwritten but is replayed")
	}
	r, ok := m.replay(5)
	if !ok || len(r) != RingSize {
		t.Fatalf("replay from 5: %d events, %v", len(r), ok)
	}
}

func TestRememberNeedsAGapFreeChain(t *testing.T) {
	m := New(4, 3)
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 3)
	for s := uint64(1); s <= 3; s++ {
		if !m.Remember(place.Placement{Seq: s}, s-1) {
			t.Fatalf("seq %d of a chain from 1 was refused", s)
		}
	}
	if _, ok := m.replay(0); !ok {
		t.Fatal("the remembered chain is not replayed")
	}
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 3)
	if !m.Remember(place.Placement{Seq: 1}, 0) || m.Remember(place.Placement{Seq: 3}, 1) {
		t.Fatal("a gap was accepted")
	}
	if _, ok := m.replay(0); ok {
		t.Error("the ring still answers after a gap")
	}
}

func TestSnapshotIsSharedUntilTheSeqChanges(t *testing.T) {
	m := New(4, 3)
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 0)
	f, _, _ := m.Snapshot()
	if g, _, _ := m.Snapshot(); &g[0] != &f[0] {
		t.Error("a second copy at the same seq")
	}
	m.Apply(placements(1, 1))
	if g, _, seq := m.Snapshot(); &g[0] == &f[0] || seq != 1 || f[1] != 0 || g[1] != 1 {
		t.Error("the snapshot did not follow the seq, or the old one changed")
	}
}

func TestApplyAfterAGapRestartsTheRing(t *testing.T) {
	m := New(4, 3)
	m.Apply(placements(1, 3))
	if m.Apply(placements(5, 6)) || m.Seq() != 6 {
		t.Fatal("a gap was not reported")
	}
	if _, ok := m.replay(3); ok {
		t.Error("the ring replays across a gap")
	}
	if r, ok := m.replay(4); !ok || len(r) != 2 {
		t.Errorf("replay after the gap = %v, %v", r, ok)
	}
}

func TestCurrentWaitsForAcknowledgedPlacements(t *testing.T) {
	m := New(4, 3)
	m.Acknowledged(2)
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.Apply(placements(1, 2))
	}()
	if _, _, seq := m.Current(context.Background()); seq != 2 {
		t.Errorf("Current returned seq %d before the acknowledged seq 2", seq)
	}
	m.Acknowledged(5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, _, seq := m.Current(ctx); seq != 2 {
		t.Errorf("Current at its deadline = seq %d, want what it has (2)", seq)
	}
}

func TestGrowKeepsPixelsAtTheirCoordinates(t *testing.T) {
	m := New(4, 3)
	m.Apply([]place.Placement{{Seq: 1, X: 3, Y: 0, Color: 5}, {Seq: 2, X: 1, Y: 2, Color: 7}})
	before, _, _ := m.Snapshot()
	if !m.Grow(place.Size{Width: 6, Height: 5}) {
		t.Fatal("Grow to 6x5 reported no change")
	}
	if m.Grow(place.Size{Width: 5, Height: 2}) {
		t.Error("Grow to a smaller size reported a change")
	}
	data, sz, seq := m.Snapshot()
	if sz != (place.Size{Width: 6, Height: 5}) || len(data) != 30 || seq != 2 {
		t.Fatalf("after Grow: size %v, %d bytes, seq %d; want 6x5, 30, 2", sz, len(data), seq)
	}
	if data[0*6+3] != 5 || data[2*6+1] != 7 {
		t.Errorf("pixels moved: (3,0)=%d (1,2)=%d, want 5 and 7", data[3], data[13])
	}
	var painted int
	for _, b := range data {
		if b != 0 {
			painted++
		}
	}
	if painted != 2 {
		t.Errorf("%d painted pixels after Grow, want 2 (the new area is white)", painted)
	}
	if len(before) != 12 || before[3] != 5 {
		t.Error("Grow changed a snapshot a reader already held")
	}
	m.Apply([]place.Placement{{Seq: 3, X: 5, Y: 4, Color: 9}})
	if events, seq, ok := m.Events(2, nil); !ok || seq != 3 || events[0] != (place.Pixel{X: 5, Y: 4, Color: 9}) {
		t.Errorf("events after the growth = %v seq %d ok %v", events, seq, ok)
	}
	if !m.Fits([]place.Placement{{X: 5, Y: 4}}) || m.Fits([]place.Placement{{X: 6, Y: 0}}) {
		t.Error("Fits disagrees with the 6x5 size")
	}
}

func TestApplyOutsideGrowsInsteadOfMisplacing(t *testing.T) {
	m := New(4, 3)
	m.Apply([]place.Placement{{Seq: 1, X: 1, Y: 1, Color: 2}, {Seq: 2, X: 4, Y: 3, Color: 3}})
	data, sz, _ := m.Snapshot()
	if sz != (place.Size{Width: 5, Height: 4}) || data[1*5+1] != 2 || data[3*5+4] != 3 {
		t.Errorf("size %v, (1,1)=%d, (4,3)=%d; want 5x4, 2, 3", sz, data[6], data[19])
	}
}

func TestChangedClosesAtTheNextChangeOnly(t *testing.T) {
	m := New(4, 3)
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 10)
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	if !closed(m.Changed(9, place.Size{Width: 4, Height: 3})) {
		t.Error("Changed(9) at seq 10 is not closed: the canvas has moved on")
	}
	ch := m.Changed(10, place.Size{Width: 4, Height: 3})
	if closed(ch) {
		t.Fatal("Changed(10) at seq 10 is closed before any change")
	}
	m.Apply(placements(11, 11))
	if !closed(ch) {
		t.Error("Changed(10) was not closed by Apply")
	}
	ch = m.Changed(11, place.Size{Width: 4, Height: 3})
	m.Reset(make([]byte, 12), place.Size{Width: 4, Height: 3}, 11)
	if !closed(ch) {
		t.Error("Changed(11) was not closed by Reset")
	}
	if closed(m.Changed(11, place.Size{Width: 4, Height: 3})) {
		t.Error("Changed(11) after the Reset is closed before any change")
	}
	// A growth with nothing placed wakes a waiter, and a waiter that
	// comes after it (still at the old size) does not sleep through it.
	ch = m.Changed(11, place.Size{Width: 4, Height: 3})
	m.Grow(place.Size{Width: 6, Height: 3})
	if !closed(ch) {
		t.Error("Changed(11, 4x3) was not closed by Grow")
	}
	if !closed(m.Changed(11, place.Size{Width: 4, Height: 3})) {
		t.Error("Changed(11, 4x3) after a growth to 6x3 is not closed")
	}
	if closed(m.Changed(11, place.Size{Width: 6, Height: 3})) {
		t.Error("Changed(11, 6x3) at 6x3 is closed before any change")
	}
}
