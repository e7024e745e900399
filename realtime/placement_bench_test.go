package realtime_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/store/embedded"
)

// BenchmarkPlacementPath is what the hub does for one `place` message,
// minus the socket: decode the JSON, validate, apply in the embedded store
// and wait for its group commit to SQLite, encode the acknowledgment. Many
// users place at once, each once (the cooldown is the real 5 s).
func BenchmarkPlacementPath(b *testing.B) {
	cfg := place.Config{Width: 500, Height: 500, Cooldown: 5 * time.Second}
	s, err := embedded.Open(context.Background(), embedded.Options{DataDir: b.TempDir(), Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(64) // many users at once, as a busy canvas has
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var msg []byte
		for pb.Next() {
			n := next.Add(1)
			msg = fmt.Appendf(msg[:0], `{"type":"place","x":%d,"y":%d,"color":%d,"requestId":"r%d"}`, n%500, n/500%500, n%16, n)
			m, err := realtime.DecodeClientMessage(msg)
			if err == nil {
				err = cfg.CheckPixel(int(m.X), int(m.Y), int(m.Color))
			}
			if err != nil {
				b.Error(err)
				return
			}
			_, next, err := s.Placer.Place(ctx, place.Player{UserID: "user" + strconv.FormatInt(n, 10)}, int(m.X), int(m.Y), uint8(m.Color), time.Now())
			if err != nil {
				b.Error(err)
				return
			}
			_ = realtime.EncodeSuccess(m.RequestID, place.ChargesAt(next, time.Now(), 1, time.Second), time.Now())
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}
