package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of one run. Latencies are in milliseconds; rates are
// over the placing window (DurationSec).
type Report struct {
	Target        string   `json:"target"`
	Protocol      string   `json:"protocol"` // "binary" (docs/protocol.md, "Binary encoding") or "json"
	Acks          string   `json:"acks"`     // "batched" (?acks=batched) or "each"
	SourceAddrs   []string `json:"sourceAddrs,omitempty"`
	CanvasWidth   int      `json:"canvasWidth"`
	CanvasHeight  int      `json:"canvasHeight"`
	DurationSec   float64  `json:"durationSec"`
	RateRequested float64  `json:"rateRequested"`
	Rate          float64  `json:"rate"` // after the cooldown cap

	Clients       int            `json:"clients"`
	TimedClients  int            `json:"timedClients,omitempty"` // 0: all clients timed every event
	Connected     int            `json:"connected"`
	ConnectFailed int            `json:"connectFailed"`
	ConnectErrors map[string]int `json:"connectErrors,omitempty"`
	ConnectSec    float64        `json:"connectSec"`
	// Joins: from the dial to the first canvas, per connected client, and
	// the bytes read from its socket by then (handshake, welcome, canvas;
	// compressed when Deflate).
	JoinP50Ms        float64        `json:"joinP50Ms"`
	JoinP99Ms        float64        `json:"joinP99Ms"`
	JoinMaxMs        float64        `json:"joinMaxMs"`
	JoinBytesPerJoin float64        `json:"joinBytesPerJoin"`
	Deflate          bool           `json:"deflate,omitempty"`
	Disconnected     int            `json:"disconnected"` // closed by the server during the run
	CloseReasons     map[string]int `json:"closeReasons,omitempty"`

	Placers         int              `json:"placers"`
	CooldownSeconds float64          `json:"cooldownSeconds"`
	Placed          int64            `json:"placed"`
	PlacedPerSec    float64          `json:"placedPerSec"`
	Acked           int64            `json:"acked"`
	Errors          map[string]int64 `json:"errors"`
	AckP50Ms        float64          `json:"ackP50Ms"`
	AckP99Ms        float64          `json:"ackP99Ms"`
	AckMaxMs        float64          `json:"ackMaxMs"`

	LastSeq       uint64  `json:"lastSeq"`
	Missed        int64   `json:"missed"`     // seqs some client never received, summed over clients
	Deliveries    int64   `json:"deliveries"` // own placements seen by a client, one per client per placement
	DeliveryP50Ms float64 `json:"deliveryP50Ms"`
	DeliveryP99Ms float64 `json:"deliveryP99Ms"`
	DeliveryMaxMs float64 `json:"deliveryMaxMs"`

	MessagesPerSec       float64 `json:"messagesPerSec"` // pixels messages received per second, all clients
	BytesPerClientPerSec float64 `json:"bytesPerClientPerSec"`
	BytesPerPlacement    float64 `json:"bytesPerPlacement"` // per client, frame headers included

	ServerRssBeforeBytes    int64   `json:"serverRssBeforeBytes"`
	ServerRssConnectedBytes int64   `json:"serverRssConnectedBytes"`
	ServerRssBytes          int64   `json:"serverRssBytes"` // at the end of the run, all clients connected
	ServerHeapBytes         int64   `json:"serverHeapBytes"`
	ServerRssPerConnBytes   float64 `json:"serverRssPerConnBytes"` // (connected − before) / connected
	ServerConnections       int64   `json:"serverConnections"`     // place_ws_connections; -1 when not exported

	Warnings []string `json:"warnings,omitempty"`
}

// WriteText writes the report as a table for people.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	row("target", "%s (%s, acks %s, canvas %dx%d)", r.Target, r.Protocol, r.Acks, r.CanvasWidth, r.CanvasHeight)
	row("clients", "%d connected of %d in %.1fs, %d failed, %d disconnected", r.Connected, r.Clients, r.ConnectSec, r.ConnectFailed, r.Disconnected)
	row("joins", "p50 %.0f ms  p99 %.0f ms  max %.0f ms to the canvas, %.0f B read per join (compression offered: %v)", r.JoinP50Ms, r.JoinP99Ms, r.JoinMaxMs, r.JoinBytesPerJoin, r.Deflate)
	if len(r.ConnectErrors) > 0 {
		row("connect errors", "%s", joinCounts(r.ConnectErrors))
	}
	if len(r.CloseReasons) > 0 {
		row("close reasons", "%s", joinCounts(r.CloseReasons))
	}
	row("placers", "%d, cooldown %gs, rate %.1f/s asked, %.1f/s planned, %.1f/s sent", r.Placers, r.CooldownSeconds, r.RateRequested, r.Rate, r.PlacedPerSec)
	row("placed", "%d in %.1fs, %d acknowledged", r.Placed, r.DurationSec, r.Acked)
	if len(r.Errors) > 0 {
		row("errors", "%s", joinCounts(r.Errors))
	}
	row("ack latency", "p50 %.1f ms  p99 %.1f ms  max %.1f ms", r.AckP50Ms, r.AckP99Ms, r.AckMaxMs)
	row("delivery latency", "p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d deliveries)", r.DeliveryP50Ms, r.DeliveryP99Ms, r.DeliveryMaxMs, r.Deliveries)
	row("missed", "%d (last seq %d)", r.Missed, r.LastSeq)
	row("messages", "%.0f/s delivered over all clients", r.MessagesPerSec)
	row("bytes", "%.0f B/s per client, %.1f B per placement", r.BytesPerClientPerSec, r.BytesPerPlacement)
	if r.ServerRssBytes > 0 || r.ServerHeapBytes > 0 {
		row("server memory", "RSS %s before, %s connected, %s after; heap in use %s; %.0f B RSS per connection",
			mib(r.ServerRssBeforeBytes), mib(r.ServerRssConnectedBytes), mib(r.ServerRssBytes), mib(r.ServerHeapBytes), r.ServerRssPerConnBytes)
	}
	if r.ServerConnections >= 0 {
		row("server connections", "%d", r.ServerConnections)
	}
	for _, w := range r.Warnings {
		row("warning", "%s", w)
	}
	return tw.Flush()
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func joinCounts[V int | int64](m map[string]V) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
