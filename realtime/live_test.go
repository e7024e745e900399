package realtime_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/realtime"
)

func seqs(from, to uint64) []place.Placement {
	var out []place.Placement
	for s := from; s <= to; s++ {
		out = append(out, place.Placement{Seq: s, X: int(s % 10), Y: int(s / 10 % 10), Color: uint8(s % 16)})
	}
	return out
}

// With the live canvas fed at commit, it runs ahead of the last batch sent
// until the next flush (which, for a large audience, waits up to the batch
// interval: MinGap holds it so here). A reader that joins in between
// starts from the live canvas, and the next batch it gets goes on from
// there, without the placements it already has.
func TestJoinBetweenTicksContinuesFromTheLiveCanvas(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	lc := live.New(10, 10)
	h, url := startHub(t, f, func(o *realtime.Options) {
		o.Live, o.FedAtCommit, o.BatchInterval = lc, true, 300*time.Millisecond
		o.MinGap = o.BatchInterval
	})
	for round := range 5 {
		// Commit right after a flush, then join before the next one.
		base := h.Seq()
		lc.Apply(seqs(base+1, base+3))
		if data, seq := h.Canvas(); seq != base+3 || data[(base+3)/10%10*10+(base+3)%10] != uint8((base+3)%16) {
			t.Fatalf("round %d: the canvas read is at seq %d, want %d with its pixel", round, seq, base+3)
		}
		c := wstest.MustDial(t, url, wstest.Options{Binary: round%2 == 0})
		c.Expect(t, "welcome", 2*time.Second)
		first, err := c.Next(2 * time.Second)
		if err != nil || first.Type != "canvas" || first.Seq > base+3 {
			t.Fatalf("round %d: first state %v %v, want the canvas at %d or before", round, first, err, base+3)
		}
		// A canvas frame made less than a second ago is shared, followed
		// by the pixels placed since it.
		if first.Seq < base+3 {
			if m, err := c.Next(2 * time.Second); err != nil || m.Type != "pixels" || m.PrevSeq != first.Seq || m.Seq != base+3 {
				t.Fatalf("round %d: after a canvas at %d, %v %v, want the pixels up to %d", round, first.Seq, m, err, base+3)
			}
		}
		lc.Apply(seqs(base+4, base+5))
		m := c.Expect(t, "pixels", 2*time.Second)
		if m.PrevSeq != base+3 || m.Seq != base+5 || len(m.Events) != 2 {
			t.Fatalf("round %d: first batch %v, want (%d, %d] with 2 events", round, m, base+3, base+5)
		}
		c.Conn.WriteClose(1000, nil)
	}
}

// The same for an SSE subscriber: the first event goes on from the seq the
// stream started at.
func TestSSEJoinBetweenTicksContinuesFromTheLiveCanvas(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	lc := live.New(10, 10)
	h := realtime.New(realtime.Options{Config: f.cfg, Feed: f, Live: lc, FedAtCommit: true, BatchInterval: 300 * time.Millisecond, MinGap: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	if err := h.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = h.ServeSSE(w, r, realtime.SSEOptions{Since: 2, Resume: true})
	}))
	defer srv.Close()
	defer h.Shutdown(context.Background())
	lc.Apply(seqs(1, 4))
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lc.Apply(seqs(5, 6))
	sc := bufio.NewScanner(resp.Body)
	var data []string
	for len(data) < 2 && sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = append(data, d)
		}
	}
	if len(data) < 2 || !strings.Contains(data[0], `"prevSeq":2,"seq":4`) || !strings.Contains(data[1], `"prevSeq":4,"seq":6`) {
		t.Fatalf("events %q, want the replay (2, 4] then (4, 6]", data)
	}
}

// A placement reaching an idle hub is broadcast at once, not at the next
// batch interval (here 10 s): the broadcaster wakes when the live canvas
// changes.
func TestIdleHubBroadcastsWithoutWaitingForTheInterval(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	lc := live.New(10, 10)
	_, url := startHub(t, f, func(o *realtime.Options) {
		o.Live, o.FedAtCommit, o.BatchInterval = lc, true, 10*time.Second
	})
	c := wstest.MustDial(t, url, wstest.Options{})
	c.Expect(t, "welcome", 2*time.Second)
	c.Expect(t, "canvas", 2*time.Second)
	for round := range 3 {
		base := lc.Seq()
		time.Sleep(20 * time.Millisecond) // idle: past the gap of one connection
		lc.Apply(seqs(base+1, base+1))
		m := c.Expect(t, "pixels", 2*time.Second)
		if m.PrevSeq != base || m.Seq != base+1 {
			t.Fatalf("round %d: batch %v, want (%d, %d]", round, m, base, base+1)
		}
	}
}
