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
		if got := eventually(h.CommitGap, 95*time.Millisecond); got != 95*time.Millisecond {
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
	first := time.Now() // the first flush starts after this
	lc.Apply(seqs(1, 1))
	c.Expect(t, "pixels", 2*time.Second)
	// Set once the flush is done, after the client has its pixels.
	time.Sleep(50 * time.Millisecond)
	if got := h.CommitGap(); got != 0 {
		t.Fatalf("CommitGap with a %v gap = %v, want 0", realtime.MaxCommitHold+50*time.Millisecond, got)
	}
	// FlushGap gives the gap whatever its length (the cluster store's
	// placements wait a quarter of it, at most cluster.MaxPlaceLinger).
	if got, want := eventually(h.FlushGap, realtime.MaxCommitHold+50*time.Millisecond), realtime.MaxCommitHold+50*time.Millisecond; got != want {
		t.Fatalf("FlushGap = %v, want %v", got, want)
	}
	// The broadcaster's clock holds the next commit until the gap after
	// the first flush's start.
	lc.Apply(seqs(2, 2))
	c.Expect(t, "pixels", 2*time.Second)
	if took, gap := time.Since(first), realtime.MaxCommitHold+50*time.Millisecond; took < gap {
		t.Fatalf("the second flush came %v after the first commit, within the broadcaster's %v gap", took, gap)
	}
}

// eventually returns f() once it equals want, or its last value after a
// second: the hub records the gap once the flush is done, which may be
// after the client has its pixels.
func eventually(f func() time.Duration, want time.Duration) time.Duration {
	deadline := time.Now().Add(time.Second)
	for {
		got := f()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}
