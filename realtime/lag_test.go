package realtime_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/realtime"
)

// tcpMemPages is the kernel's TCP memory in pages (/proc/net/sockstat,
// "TCP: … mem N"), or -1 where there is no such file.
func tcpMemPages() int {
	b, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "TCP:"); ok {
			f := strings.Fields(rest)
			for i := 0; i+1 < len(f); i++ {
				if f[i] == "mem" {
					var n int
					fmt.Sscan(f[i+1], &n)
					return n
				}
			}
		}
	}
	return -1
}

// Sockets that never read, under a steady load far below the backlog
// limit: the kernel would hold megabytes for each, and their own queues
// would take a minute to fill; each is closed about 5 s after it stops
// taking data, while a reading client gets every batch in time.
// PLACE_SOAK=1 runs 300 such sockets for 60 s at 1,000 placements/s.
func TestNeverReadingSocketsAreClosedWhenFiveSecondsBehind(t *testing.T) {
	n, length, perTick := 20, 12*time.Second, 5 // 500 placements/s
	if os.Getenv("PLACE_SOAK") == "1" {
		n, length, perTick = 300, 60*time.Second, 10
	}
	f := &fakeStore{cfg: place.Config{Width: 256, Height: 256}, events: make(chan []place.Placement, 16)}
	h, url := startHub(t, f, nil)
	good := wstest.MustDial(t, url, wstest.Options{})
	good.Expect(t, "welcome", 5*time.Second)
	good.Expect(t, "canvas", 5*time.Second)
	closesBefore := testutil.ToFloat64(metrics.SlowConsumers)
	memBefore := tcpMemPages()
	opened := time.Now()
	for range n {
		rawNeverReading(t, url)
	}
	waitOnline(t, h, n+1, 20*time.Second)
	t.Logf("%d never-reading sockets open in %v", n, time.Since(opened).Round(time.Millisecond))

	var seq uint64
	var worstDelay time.Duration
	var sentAt []time.Time // when each batch went to the hub
	memPeak, allClosedAt := memBefore, time.Duration(0)
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < length {
		<-tick.C
		batch := make([]place.Placement, perTick)
		for j := range batch {
			seq++
			batch[j] = place.Placement{Seq: seq, X: int(seq % 256), Y: int(seq / 256 % 256), Color: uint8(seq % 16)}
		}
		sentAt = append(sentAt, time.Now())
		f.events <- batch
		worstDelay = max(worstDelay, drainGood(good, sentAt, perTick))
		memPeak = max(memPeak, tcpMemPages())
		if allClosedAt == 0 && h.Online() == 1 {
			allClosedAt = time.Since(opened)
		}
	}
	closes := testutil.ToFloat64(metrics.SlowConsumers) - closesBefore
	t.Logf("%d never-reading sockets, %d placements/s for %v: all closed %v after they opened; slow-consumer closes %v; TCP memory %d → peak %d pages (+%.1f MB); the reading client's slowest batch %v",
		n, perTick*100, length, allClosedAt.Round(time.Millisecond), closes, memBefore, memPeak, float64(memPeak-memBefore)*4096/1e6, worstDelay.Round(time.Millisecond))
	if allClosedAt == 0 || allClosedAt > 8*time.Second+time.Duration(n)*10*time.Millisecond {
		t.Errorf("never-reading sockets closed %v after they opened (0: not all); want about 5 s", allClosedAt)
	}
	if int(closes) < n {
		t.Errorf("place_ws_slow_consumer_closes_total grew by %v, want %d", closes, n)
	}
	if worstDelay > time.Second {
		t.Errorf("the reading client got a batch %v late", worstDelay)
	}
	// Each socket may pin its send buffer (128 KiB, doubled by the kernel)
	// and the client's receive buffer until it is closed.
	if limit := n * 3 * 256 << 10 / 4096; memBefore >= 0 && memPeak-memBefore > limit {
		t.Errorf("TCP memory grew by %d pages, want ≤ %d", memPeak-memBefore, limit)
	}
}

// drainGood takes what the reading client has received and returns the
// longest delay of a batch: from when its last placement went to the hub
// (batch i of sentAt ends at seq (i+1)*perTick) to its arrival.
func drainGood(good *wstest.Client, sentAt []time.Time, perTick int) time.Duration {
	var d time.Duration
	for {
		select {
		case m := <-good.Msgs:
			if i := int(m.Seq-1) / perTick; m.Type == "pixels" && i < len(sentAt) {
				d = max(d, m.Received.Sub(sentAt[i]))
			}
		default:
			return d
		}
	}
}

func waitOnline(t *testing.T, h *realtime.Hub, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for h.Online() != n {
		if time.Now().After(deadline) {
			t.Fatalf("online = %d, want %d", h.Online(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A client that sends pings but never reads is closed at the idle timeout:
// only a pong or a message shows that a client is there.
func TestPingingNeverReadingSocketIsClosedAtIdleTimeout(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	h, url := startHub(t, f, func(o *realtime.Options) { o.IdleTimeout = time.Second; o.PingInterval = 200 * time.Millisecond })
	conn := rawNeverReading(t, url)
	waitOnline(t, h, 1, 5*time.Second)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := conn.Write(maskedPing); err != nil {
					return
				}
			}
		}
	}()
	waitOnline(t, h, 0, 5*time.Second)
	if d := time.Since(start); d < 800*time.Millisecond || d > 2*time.Second {
		t.Errorf("closed %v after it stopped reading, want about the 1 s idle timeout", d)
	}
}

// maskedPing is an empty client ping frame (clients must mask).
var maskedPing = []byte{0x89, 0x80, 1, 2, 3, 4}
