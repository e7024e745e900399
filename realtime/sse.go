package realtime

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// SSEHeartbeat is how often an idle Server-Sent Events stream gets a comment
// line, so that proxies and browsers do not take it for dead.
const SSEHeartbeat = 15 * time.Second

// sseWriteTimeout bounds each write to an SSE client; a client that takes
// longer is gone or stuck, and the stream ends.
const sseWriteTimeout = 10 * time.Second

// SSE returns the batch as Server-Sent Events: `event: resize` when the
// canvas grew (see Batch.Grown), then `event: pixels` with `id: <seq>` and
// the WebSocket `pixels` JSON as data, unless the batch has no events. It
// is formatted on first use and the same bytes go to every stream.
func (b *Batch) SSE() []byte {
	b.sseOnce.Do(func() {
		b.sse = b.appendResizeSSE(make([]byte, 0, len(b.JSON)+128))
		if b.Seq > b.PrevSeq {
			b.sse = AppendSSE(b.sse, "pixels", strconv.FormatUint(b.Seq, 10), b.JSON)
		}
	})
	return b.sse
}

// appendResizeSSE appends the batch's `resize` event, when it has one: the
// WebSocket's resize JSON, whose seq is the last one before the growth.
func (b *Batch) appendResizeSSE(dst []byte) []byte {
	if b.Grown == (place.Size{}) {
		return dst
	}
	return AppendSSE(dst, "resize", "", mustJSON(Resize{Type: "resize", Width: b.Grown.Width, Height: b.Grown.Height, Seq: b.PrevSeq}))
}

// AppendSSE appends one event to dst. Each line of data gets its own
// `data:` field, so multi-line payloads (HTML) arrive intact.
func AppendSSE(dst []byte, event, id string, data []byte) []byte {
	if event != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, event...)
		dst = append(dst, '\n')
	}
	if id != "" {
		dst = append(dst, "id: "...)
		dst = append(dst, id...)
		dst = append(dst, '\n')
	}
	for {
		line, rest, more := bytes.Cut(data, []byte{'\n'})
		dst = append(dst, "data: "...)
		dst = append(dst, bytes.TrimSuffix(line, []byte{'\r'})...)
		dst = append(dst, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(dst, '\n')
}

// ResetSSE is the frame that tells a resuming client its events are no
// longer held: it must fetch the canvas again; events go on after seq.
func ResetSSE(seq uint64) []byte {
	s := strconv.FormatUint(seq, 10)
	return AppendSSE(nil, "reset", s, []byte(`{"seq":`+s+`}`))
}

var heartbeatFrame = []byte(": heartbeat\n\n")

// sseStream writes Server-Sent Events to one client. It lives outside the
// server's global WriteTimeout and ReadTimeout: it clears both deadlines
// and bounds every write on its own instead.
type sseStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startSSE sends the headers of an event stream and returns the stream.
// Counting the stream in metrics is up to the caller (see Stream).
func startSSE(w http.ResponseWriter) (*sseStream, error) {
	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut every stream after 30 s. Each
	// write gets its own deadline instead (Write); the read deadline left
	// from the request goes too, so that no request timeout applies.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil, err
	}
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on at once
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	s := &sseStream{w: w, rc: rc}
	// A reconnection delay for EventSource, and a first byte so that
	// proxies and clients see the stream open.
	return s, s.Write([]byte("retry: 2000\n\n"))
}

// Write sends frame and flushes it, within sseWriteTimeout.
func (s *sseStream) Write(frame []byte) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if _, err := s.w.Write(frame); err != nil {
		return err
	}
	return s.rc.Flush()
}

// Heartbeat sends a comment line.
func (s *sseStream) Heartbeat() error { return s.Write(heartbeatFrame) }

// SSEOptions configure one /api/v1/events stream.
type SSEOptions struct {
	// Since and Resume: with Resume, the stream starts with the events in
	// (Since, now] (Last-Event-ID or ?since=), or a reset when they are no
	// longer held.
	Since  uint64
	Resume bool
	// Heartbeat is the interval of comment lines (default SSEHeartbeat).
	Heartbeat time.Duration
}

// ServeSSE streams every broadcast batch to one client as `pixels` events
// until the client leaves, its subscription is dropped (it fell behind; it
// resumes with Last-Event-ID) or the hub shuts down. The events form the
// same gap-free chain as the WebSocket's: after a resume from Since, the
// first event has prevSeq = Since.
func (h *Hub) ServeSSE(w http.ResponseWriter, r *http.Request, o SSEOptions) error {
	if o.Heartbeat <= 0 {
		o.Heartbeat = SSEHeartbeat
	}
	sub, replay, seq, ok := h.bc.subscribe(o.Since, o.Resume)
	defer h.bc.subs.Unsubscribe(sub)
	var first []byte
	switch {
	case !ok:
		first = ResetSSE(seq)
	case replay != nil:
		first = replay.SSE()
	}
	Stream(w, r, first, sub, trimSSE(seq), o.Heartbeat)
	return nil
}

// trimSSE returns the frame function of a stream that starts at seq: the
// first batches may begin before seq (the live canvas moves between flushes),
// so what the subscriber has is cut off them.
func trimSSE(seq uint64) func(*Batch) []byte {
	return func(b *Batch) []byte {
		if seq == 0 || b.PrevSeq >= seq {
			seq = 0
			return b.SSE()
		}
		out := b.appendResizeSSE(nil)
		if b.Seq > seq {
			json := AppendPixelsJSON(nil, seq, b.Seq, b.Events[seq-b.PrevSeq:])
			out = AppendSSE(out, "pixels", strconv.FormatUint(b.Seq, 10), json)
			seq = 0
		}
		return out
	}
}

// Stream serves one Server-Sent Events client: it sends the headers, first
// (unless nil), then frame(v) for every v received from ch (unless nil), and a heartbeat
// when idle, until the client leaves, ch is closed or a write fails. Every
// SSE endpoint writes through it.
func Stream[T any](w http.ResponseWriter, r *http.Request, first []byte, ch <-chan T, frame func(T) []byte, heartbeat time.Duration) {
	metrics.SSEClients.Inc()
	defer metrics.SSEClients.Dec()
	st, err := startSSE(w)
	if err != nil {
		return // the client is gone; nothing to report
	}
	if first != nil && st.Write(first) != nil {
		return
	}
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case v, open := <-ch:
			if !open {
				return
			}
			if f := frame(v); f != nil && st.Write(f) != nil {
				return
			}
			t.Reset(heartbeat)
		case <-t.C:
			if st.Heartbeat() != nil {
				return
			}
		}
	}
}
