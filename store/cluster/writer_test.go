package cluster_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/cluster"
)

// TestWriterDoesNotAcknowledgeWhenClosing hands the writer a batch after
// the store began closing: the batch must stay pending in the stream (for
// the final flush or another instance), never be acknowledged unwritten.
func TestWriterDoesNotAcknowledgeWhenClosing(t *testing.T) {
	e := newEnv(t)
	s := mustOpen(t, e.options(smallConfig))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// An entry delivered to another, live consumer of the history group and
	// not yet written: pending until acknowledged. Added and read in one
	// transaction, so that the store's own writer does not read it first.
	conn := redisConn(t, e.redisURL)
	const seq = 1_000_000
	id := strconv.Itoa(seq) + "-1"
	stream := e.prefix + "stream"
	if _, err := conn.Do("SET", e.prefix+"instance:test-consumer", "1", "EX", 600); err != nil {
		t.Fatal(err)
	}
	_ = conn.Send("MULTI")
	_ = conn.Send("XADD", stream, id, "x", 1, "y", 1, "color", 1, "user", "someone", "ts", time.Now().UnixMilli())
	_ = conn.Send("XREADGROUP", "GROUP", "history", "test-consumer", "COUNT", 1, "STREAMS", stream, ">")
	if _, err := conn.Do("EXEC"); err != nil {
		t.Fatal(err)
	}
	pending := func() int64 {
		t.Helper()
		summary, err := redis.Values(conn.Do("XPENDING", stream, "history"))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := redis.Int64(summary[0], nil)
		return n
	}
	if n := pending(); n != 1 {
		t.Fatalf("%d entries pending, want 1", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	batch := []place.Placement{{Seq: seq, X: 1, Y: 1, Color: 1, UserID: "someone", At: time.Now()}}
	reread, closing := cluster.StoreBatch(ctx, s, batch, []any{id}, 0)
	if !closing || reread {
		t.Errorf("StoreBatch after closing = reread %v, closing %v; want closing", reread, closing)
	}
	if n := pending(); n != 1 {
		t.Errorf("%d entries pending after StoreBatch on a closing store, want 1: the batch was acknowledged unwritten", n)
	}
}
