package bench_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
)

// canvasServer sends welcome, a 64x64 canvas (compressed when the client
// negotiated permessage-deflate) and state. With corruptOdd, every second
// connection gets one pixel different.
type canvasServer struct {
	gws.BuiltinEventHandler
	corruptOdd bool
	n          atomic.Int64
}

func (s *canvasServer) OnOpen(c *gws.Conn) {
	pixels := make([]byte, 64*64)
	for i := range pixels {
		pixels[i] = byte(i / 200 % 16)
	}
	if s.corruptOdd && s.n.Add(1)%2 == 0 {
		pixels[100] ^= 1
	}
	_ = c.WriteMessage(gws.OpcodeText, []byte(`{"type":"welcome","userId":"u","canvasInfo":{"width":64,"height":64}}`))
	_ = c.WriteMessage(gws.OpcodeBinary, ceilingsrv.EncodeCanvasBinary(64, 64, 5, pixels))
	_ = c.WriteMessage(gws.OpcodeText, []byte(`{"type":"state","state":"open"}`))
}

func startCanvasServer(t *testing.T, s *canvasServer) string {
	up := gws.NewUpgrader(s, &gws.ServerOption{
		SubProtocols:      []string{bench.BinaryProtocol},
		PermessageDeflate: gws.PermessageDeflate{Enabled: true, Threshold: 1},
	})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r); err == nil {
			go c.ReadLoop()
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestRunJoinsReadsEveryCanvas(t *testing.T) {
	url := startCanvasServer(t, &canvasServer{})
	for _, deflate := range []bool{false, true} {
		rep, err := bench.RunJoins(context.Background(), bench.JoinOptions{
			Target: url, Clients: 40, Binary: true, Deflate: deflate, VerifyEvery: 10, Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatalf("deflate %v: %v", deflate, err)
		}
		if rep.Joined != 40 || rep.Failed != 0 || rep.Verified != 4 || rep.VerifyFailed != 0 {
			t.Fatalf("deflate %v: %+v", deflate, rep)
		}
		if rep.CanvasPlainBytes != 13+64*64/2 || rep.CanvasWidth != 64 || rep.CanvasSeq != 5 {
			t.Fatalf("deflate %v: canvas %d B %dx%d@%d", deflate, rep.CanvasPlainBytes, rep.CanvasWidth, rep.CanvasHeight, rep.CanvasSeq)
		}
		if deflate != (rep.Compressed == 40) || (deflate && rep.BytesPerJoin >= float64(rep.CanvasPlainBytes)) {
			t.Fatalf("deflate %v: %d compressed, %.0f B per join", deflate, rep.Compressed, rep.BytesPerJoin)
		}
		if rep.JoinP99Ms <= 0 || rep.JoinP50Ms > rep.JoinP99Ms || rep.Histogram.Buckets == nil {
			t.Fatalf("deflate %v: times %+v", deflate, rep)
		}
	}
}

func TestRunJoinsCatchesAWrongCanvas(t *testing.T) {
	url := startCanvasServer(t, &canvasServer{corruptOdd: true})
	rep, err := bench.RunJoins(context.Background(), bench.JoinOptions{
		Target: url, Clients: 6, Binary: true, Deflate: true, VerifyEvery: 1, Timeout: 10 * time.Second,
	})
	if err == nil || rep.VerifyFailed == 0 || rep.Verified == 0 {
		t.Fatalf("no verify failure: %v %+v", err, rep)
	}
}

func TestRunJoinsCountsRefusals(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusTooManyRequests)
	}))
	defer ts.Close()
	_, err := bench.RunJoins(context.Background(), bench.JoinOptions{Target: ts.URL, Clients: 3, Binary: true, Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("a refused reference join is not an error")
	}
}

func TestJoinsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--joins", "--clients", "0"},
		{"--joins", "--procs", "0"},
		{"--joins", "--clients", "2", "--procs", "3"},
		{"--joins", "--verify-every", "-1"},
		{"--joins", "--reference", "nonsense"},
		{"--joins", "--source-addrs", "not-an-ip"},
		{"--joins", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := bench.Main(context.Background(), args, &out, &errOut); code != bench.ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, bench.ExitUsage, errOut.String())
		}
	}
}
