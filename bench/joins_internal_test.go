package bench

import (
	"testing"
	"time"
)

func TestMergeJoinReportsMergesHistograms(t *testing.T) {
	var reports []JoinReport
	for p := range 2 {
		h := NewHistogram()
		for i := range 100 {
			// The first process is fast, the second slow: the merged p99
			// is the slow one's, not an average.
			h.Record(time.Duration(1+i+p*1000) * time.Millisecond)
		}
		reports = append(reports, JoinReport{Clients: 100, Joined: 100, TotalBytes: 1000 * int64(p+1), CanvasPlainBytes: 100,
			Histogram: h.Data(), Errors: map[string]int{"x": p}, WallSec: float64(p)})
	}
	var rep JoinReport
	if err := mergeJoinReports(&rep, reports); err != nil {
		t.Fatal(err)
	}
	if rep.Joined != 200 || rep.Procs != 2 || rep.BytesPerJoin != 15 || rep.PercentOfPlain != 15 || rep.Errors["x"] != 1 || rep.WallSec != 1 {
		t.Fatalf("%+v", rep)
	}
	if rep.JoinP50Ms < 99 || rep.JoinP50Ms > 101 || rep.JoinP99Ms < 1090 || rep.JoinMaxMs != 1100 {
		t.Fatalf("p50 %v p99 %v max %v", rep.JoinP50Ms, rep.JoinP99Ms, rep.JoinMaxMs)
	}
	if _, err := HistogramFromData(HistogramData{Buckets: map[int]uint64{histBuckets: 1}}); err == nil {
		t.Fatal("a bucket out of range was accepted")
	}
}

func TestChildAddrsShareNoAddress(t *testing.T) {
	addrs := []string{"a", "b", "c", "d", "e"}
	if got := childAddrs(addrs, 0, 2) + "|" + childAddrs(addrs, 1, 2); got != "a,c,e|b,d" {
		t.Fatal(got)
	}
	if childAddrs(nil, 0, 2) != "none" {
		t.Fatal("no addresses")
	}
}
