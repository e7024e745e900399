// Package metrics declares the Prometheus metrics of the server, registered
// with the default registry (which also carries the Go and process
// collectors: memory, goroutines, file descriptors).
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	// Connections counts open WebSocket connections.
	Connections = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "place_ws_connections", Help: "Open WebSocket connections.",
	})
	// SSEClients counts open Server-Sent Events streams.
	SSEClients = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "place_sse_clients", Help: "Open Server-Sent Events streams.",
	})
	// Placements counts placement attempts by outcome (ok or an error code).
	Placements = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "place_placements_total", Help: "Placement attempts by outcome.",
	}, []string{"outcome"})
	// BatchSize observes the number of events per broadcast batch.
	BatchSize = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "place_broadcast_batch_events", Help: "Events per broadcast batch.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9),
	})
	// BroadcastDuration observes the time to encode a batch and queue it to every connection.
	BroadcastDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "place_broadcast_duration_seconds", Help: "Time to encode and fan out one batch.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14),
	})
	// BroadcastGap is the current minimum time between the starts of two
	// broadcasts: the adaptive batch interval (realtime/tickpolicy.go), at
	// most the configured one.
	BroadcastGap = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "place_broadcast_gap_seconds", Help: "Current minimum time between two broadcasts (adaptive, at most the batch interval).",
	})
	// CommitDuration observes the time to make a batch of placements durable.
	CommitDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "place_history_commit_duration_seconds", Help: "Time to commit one batch of placements to history.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	// CommitBatchSize observes the number of placements per history commit.
	CommitBatchSize = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "place_history_commit_events", Help: "Placements per history commit.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9),
	})
	// PlaceScriptPlacements observes the number of placements per call of
	// the Redis placement script (cluster mode; see cluster.MaxPlaceLinger).
	PlaceScriptPlacements = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "place_redis_place_script_placements", Help: "Placements per call of the Redis placement script (cluster mode).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 9),
	})
	// WSReadPanics counts connections closed because reading their input
	// panicked (malformed frames the WebSocket library did not refuse).
	WSReadPanics = promauto.NewCounter(prometheus.CounterOpts{
		Name: "place_ws_read_panics_total", Help: "WebSocket connections closed because their input made the frame reader panic.",
	})
	// CanvasCompressions counts canvas frames compressed for connections
	// that negotiated permessage-deflate (once per frame and encoding).
	CanvasCompressions = promauto.NewCounter(prometheus.CounterOpts{
		Name: "place_canvas_frame_compressions_total", Help: "Canvas frames compressed for permessage-deflate connections.",
	})
	// SlowConsumers counts connections closed for falling behind.
	SlowConsumers = promauto.NewCounter(prometheus.CounterOpts{
		Name: "place_ws_slow_consumer_closes_total", Help: "Connections closed because they fell too far behind.",
	})
	// CanvasEncodes counts canvas frames encoded (once per seq and encoding,
	// shared by every connection that needs one).
	CanvasEncodes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "place_canvas_frame_encodes_total", Help: "Canvas frames encoded, by encoding.",
	}, []string{"encoding"})
	// Seq is the last broadcast sequence number.
	Seq = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "place_seq", Help: "Last sequence number broadcast by this instance.",
	})
	// NetworkBanReadFailures counts reads of the network-ban list that
	// failed (the last list read stays in force).
	NetworkBanReadFailures = promauto.NewCounter(prometheus.CounterOpts{
		Name: "place_network_bans_read_failures_total", Help: "Reads of the network-ban list that failed (the last list read was kept).",
	})
)
