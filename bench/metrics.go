package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serverMetrics is what the report takes from the server's /metrics.
type serverMetrics struct {
	ok    bool
	rss   int64
	heap  int64
	conns int64   // -1 when the server does not export place_ws_connections
	cpu   float64 // process_cpu_seconds_total; -1 when not exported
}

// scrapeMetrics reads the Prometheus text exposition at url. Series with
// labels are summed per metric name.
func scrapeMetrics(ctx context.Context, url string) (serverMetrics, error) {
	m := serverMetrics{conns: -1, cpu: -1}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	values := parseMetrics(bufio.NewScanner(resp.Body))
	m.rss = int64(values["process_resident_memory_bytes"])
	m.heap = int64(values["go_memstats_heap_inuse_bytes"])
	if v, ok := values["place_ws_connections"]; ok {
		m.conns = int64(v)
	}
	if v, ok := values["process_cpu_seconds_total"]; ok {
		m.cpu = v
	}
	m.ok = true
	return m, nil
}

func parseMetrics(sc *bufio.Scanner) map[string]float64 {
	values := map[string]float64{}
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = line[:i]
			j := strings.LastIndexByte(line, '}')
			if j < 0 {
				continue
			}
			rest = line[j+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		values[name] += v
	}
	return values
}
