package realtime_test

import (
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/realtime"
)

// A store that spaces its commits by the hub's gap (CommitPaced) has each
// commit sent as it lands: two commits 60 ms apart leave as two batches,
// where the broadcaster's own clock (a 95 ms gap) would hold the first and
// send both together.
func TestPacedCommitsLeaveAsTheyLand(t *testing.T) {
	for _, paced := range []bool{true, false} {
		f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
		lc := live.New(10, 10)
		h, url := startHub(t, f, func(o *realtime.Options) {
			o.Live, o.FedAtCommit, o.CommitPaced = lc, true, paced
			o.BatchInterval, o.MinGap = 300*time.Millisecond, 95*time.Millisecond
		})
		c := wstest.MustDial(t, url, wstest.Options{})
		c.Expect(t, "welcome", 2*time.Second)
		c.Expect(t, "canvas", 2*time.Second)
		lc.Apply(seqs(1, 1))
		c.Expect(t, "pixels", 2*time.Second)
		if got := h.CommitGap(); got != 95*time.Millisecond {
			t.Fatalf("paced %v: CommitGap after a flush = %v, want the 95ms gap", paced, got)
		}
		lc.Apply(seqs(2, 2))
		time.Sleep(60 * time.Millisecond)
		lc.Apply(seqs(3, 3))
		m := c.Expect(t, "pixels", 2*time.Second)
		if alone := m.PrevSeq == 1 && m.Seq == 2; alone != paced {
			t.Fatalf("paced %v: the batch after the first is (%d, %d]", paced, m.PrevSeq, m.Seq)
		}
	}
}

// A gap longer than MaxCommitHold is not one a store should hold
// placements for: CommitGap is then 0 and the broadcaster keeps its clock.
func TestNoCommitGapBeyondTheHold(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	lc := live.New(10, 10)
	h, url := startHub(t, f, func(o *realtime.Options) {
		o.Live, o.FedAtCommit, o.CommitPaced = lc, true, true
		o.BatchInterval, o.MinGap = time.Second, realtime.MaxCommitHold+50*time.Millisecond
	})
	c := wstest.MustDial(t, url, wstest.Options{})
	c.Expect(t, "welcome", 2*time.Second)
	c.Expect(t, "canvas", 2*time.Second)
	if got := h.CommitGap(); got != 0 {
		t.Fatalf("CommitGap before any flush = %v, want 0", got)
	}
	lc.Apply(seqs(1, 1))
	c.Expect(t, "pixels", 2*time.Second)
	if got := h.CommitGap(); got != 0 {
		t.Fatalf("CommitGap with a %v gap = %v, want 0", realtime.MaxCommitHold+50*time.Millisecond, got)
	}
	// The broadcaster's clock holds the next commit for the gap.
	start := time.Now()
	lc.Apply(seqs(2, 2))
	c.Expect(t, "pixels", 2*time.Second)
	if took := time.Since(start); took < realtime.MaxCommitHold {
		t.Fatalf("the next commit left after %v, within the broadcaster's gap", took)
	}
}
