package feedloop_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/feedloop"
)

type counter struct {
	loads  int
	ready  bool
	loadTo uint64
	seq    uint64
	got    []uint64
}

func (c *counter) Ready() bool { return c.ready }
func (c *counter) Load(context.Context) error {
	c.loads++
	c.ready, c.seq = true, c.loadTo
	return nil
}
func (c *counter) Seq() uint64 { return c.seq }
func (c *counter) Forget()     { c.ready = false }
func (c *counter) Apply(ps []place.Placement) {
	for _, p := range ps {
		if p.Seq > c.seq {
			c.seq = p.Seq
			c.got = append(c.got, p.Seq)
		}
	}
}

// oneFollow is a feed that counts its followers and serves seqs 1..5.
type oneFollow struct {
	place.Feed
	follows []uint64
	cancel  context.CancelFunc
}

func (f *oneFollow) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	f.follows = append(f.follows, after)
	var ps []place.Placement
	for s := after + 1; s <= 5; s++ {
		ps = append(ps, place.Placement{Seq: s})
	}
	fn(ps)
	f.cancel()
	return ctx.Err()
}

// Joined consumers share one follow, from the lowest seq, and each takes
// only what it had not.
func TestAllSharesOneFollow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	feed := &oneFollow{cancel: cancel}
	ahead := &counter{ready: true, seq: 3}
	behind := &counter{loadTo: 1}
	feedloop.Run(ctx, feed, feedloop.All(ahead, behind), slog.New(slog.DiscardHandler), "test")
	if len(feed.follows) != 1 || feed.follows[0] != 1 {
		t.Fatalf("follows from %v, want one from seq 1", feed.follows)
	}
	if ahead.loads != 0 || behind.loads != 1 {
		t.Errorf("loads: ready consumer %d, unready %d; want 0 and 1", ahead.loads, behind.loads)
	}
	if want := []uint64{4, 5}; len(ahead.got) != 2 || ahead.got[0] != want[0] || ahead.got[1] != want[1] {
		t.Errorf("the consumer at seq 3 got %v, want %v", ahead.got, want)
	}
	if len(behind.got) != 4 || behind.got[0] != 2 {
		t.Errorf("the consumer at seq 1 got %v, want 2..5", behind.got)
	}
}
