package embedded_test

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
)

// With a commit gap, what arrives within the gap after a commit started
// waits for the next one (one commit, one fsync, for a broadcast's worth of
// placements), and is acknowledged only once that commit is durable.
func TestCommitGapSpacesCommits(t *testing.T) {
	const gap = 150 * time.Millisecond
	s := open(t, t.TempDir(), place.Config{Width: 10, Height: 10}, func(o *embedded.Options) {
		o.CommitGap = func() time.Duration { return gap }
	})
	defer s.Close()
	ctx := context.Background()
	start := time.Now()
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "a"}, 1, 1, 2, start); err != nil {
		t.Fatal(err)
	}
	// The first commit started after start; the second may not start
	// within the gap after it.
	p, _, err := s.Placer.Place(ctx, place.Player{UserID: "b"}, 2, 2, 3, time.Now())
	if err != nil || p.Seq != 2 {
		t.Fatalf("second placement %v %v", p, err)
	}
	if took := time.Since(start); took < gap {
		t.Fatalf("the second placement was acknowledged %v after the first was sent, within the %v commit gap", took, gap)
	}
	if got, _ := s.Feed.Since(ctx, 0, 10); len(got) != 2 {
		t.Fatalf("history after both acknowledgements: %d placements, want 2", len(got))
	}
}

// Closing the store does not wait out the gap, and loses nothing held for
// it: the held placement is committed, then acknowledged.
func TestCloseCommitsWhatTheGapHolds(t *testing.T) {
	dir := t.TempDir()
	cfg := place.Config{Width: 10, Height: 10}
	s := open(t, dir, cfg, func(o *embedded.Options) {
		o.CommitGap = func() time.Duration { return time.Hour }
	})
	ctx := context.Background()
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "a"}, 1, 1, 2, time.Now()); err != nil {
		t.Fatal(err)
	}
	held := make(chan error, 1)
	go func() {
		_, _, err := s.Placer.Place(ctx, place.Player{UserID: "b"}, 2, 2, 3, time.Now())
		held <- err
	}()
	select {
	case err := <-held:
		t.Fatalf("the placement within the gap was answered at once (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Close took %v", took)
	}
	if err := <-held; err != nil {
		t.Fatalf("the held placement: %v, want it acknowledged by its commit", err)
	}
	s = open(t, dir, cfg)
	defer s.Close()
	if _, _, seq, _ := s.Feed.Canvas(ctx); seq != 2 {
		t.Fatalf("after a restart seq %d, want 2 (the held placement committed at close)", seq)
	}
}
