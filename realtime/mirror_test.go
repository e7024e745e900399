package realtime

import (
	"testing"

	"github.com/placecanvas/place"
)

func placements(from, to uint64) []place.Placement {
	var out []place.Placement
	for s := from; s <= to; s++ {
		out = append(out, place.Placement{Seq: s, X: int(s % 4), Y: int(s / 4 % 3), Color: uint8(s % 16)})
	}
	return out
}

func TestMirrorAppliesAndReplays(t *testing.T) {
	m := NewMirror(4, 3)
	m.Reset(make([]byte, 12), 10)
	events := m.Apply(placements(11, 13))
	if len(events) != 3 || m.Seq() != 13 {
		t.Fatalf("%d events, seq %d", len(events), m.Seq())
	}
	if got := m.Frame().raw[2*4+3]; got != 11 {
		t.Errorf("pixel of seq 11 = %d, want 11", got)
	}
	replay, ok := m.Replay(11)
	if !ok || len(replay) != 2 || replay[0] != events[1] || replay[1] != events[2] {
		t.Errorf("replay from 11 = %v, %v", replay, ok)
	}
	if r, ok := m.Replay(13); !ok || len(r) != 0 {
		t.Errorf("replay from the current seq = %v, %v; want empty and held", r, ok)
	}
	// Before the ring (it was reset at 10) and beyond the seq: not held.
	for _, since := range []uint64{9, 14} {
		if _, ok := m.Replay(since); ok {
			t.Errorf("replay from %d is held", since)
		}
	}
}

func TestMirrorRingKeepsTheLatestEvents(t *testing.T) {
	m := NewMirror(4, 3)
	m.Reset(make([]byte, 12), 0)
	m.Apply(placements(1, ringSize+5))
	if _, ok := m.Replay(4); ok {
		t.Error("seq 5 was overwritten but is replayed")
	}
	r, ok := m.Replay(5)
	if !ok || len(r) != ringSize {
		t.Fatalf("replay from 5: %d events, %v", len(r), ok)
	}
}

func TestMirrorRememberNeedsAGapFreeChain(t *testing.T) {
	m := NewMirror(4, 3)
	m.Reset(make([]byte, 12), 3)
	for s := uint64(1); s <= 3; s++ {
		if !m.Remember(place.Placement{Seq: s}, s-1) {
			t.Fatalf("seq %d of a chain from 1 was refused", s)
		}
	}
	if _, ok := m.Replay(0); !ok {
		t.Fatal("the remembered chain is not replayed")
	}
	m.Reset(make([]byte, 12), 3)
	if !m.Remember(place.Placement{Seq: 1}, 0) || m.Remember(place.Placement{Seq: 3}, 1) {
		t.Fatal("a gap was accepted")
	}
	if _, ok := m.Replay(0); ok {
		t.Error("the ring still answers after a gap")
	}
}

func TestMirrorFrameIsSharedUntilTheSeqChanges(t *testing.T) {
	m := NewMirror(4, 3)
	m.Reset(make([]byte, 12), 0)
	f := m.Frame()
	if m.Frame() != f {
		t.Error("a second frame at the same seq")
	}
	m.Apply(placements(1, 1))
	if g := m.Frame(); g == f || g.seq != 1 || f.raw[1] != 0 {
		t.Error("the frame did not follow the seq, or the old one changed")
	}
}
