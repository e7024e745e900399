package realtime

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place/metrics"
)

// Writes to one connection go through its connWriter, never through gws's
// per-connection job queue: a broadcast is one non-blocking write(2) of
// bytes framed once per flush, with no closure, no goroutine and no copy per
// connection. Only a connection whose socket buffer is full gets a goroutine
// of its own, which writes its queue with blocking writes until it has
// caught up; its queue is bounded in bytes (MaxBacklog) and in time
// (drainTimeout), beyond which the connection is a slow consumer (docs/protocol.md).

// drainTimeout is how long one queued frame may take to be written before
// the connection is closed as a slow consumer ("5 s of batches behind").
const drainTimeout = 5 * time.Second

// closeTimeout bounds the wait for a close frame behind a stuck write.
const closeTimeout = time.Second

type sendResult int

const (
	sent     sendResult = iota // written, or queued behind earlier frames
	overflow                   // the backlog limit would be exceeded; nothing queued
	gone                       // the connection is closed or broken
)

type connWriter struct {
	nc  net.Conn
	raw syscall.RawConn // nil when the socket cannot be written without blocking
	rw  rawWrite        // raw's write, made once (writer_unix.go)
	oq  outqProbe       // raw's send queue, asked by the lag watcher only (outq_linux.go)

	mu       sync.Mutex
	queue    [][]byte // frames not fully written; the next byte is queue[0][off]
	off      int
	queued   int64    // bytes in queue not yet written
	draining bool     // a goroutine is writing the queue
	closed   bool     // nothing more is accepted; the socket closes once the queue is written
	broken   bool     // the socket failed or was closed
	written  uint64   // bytes handed to the kernel so far
	marks    lagMarks // written at each of the last lag checks (lag.go)
	emptyAt  uint64   // written when a lag check last found the socket empty
	// joinEnd is the value of written once every frame queued when the
	// connection joined (welcome, canvas, state) has been written. Those
	// bytes do not count against the backlog limit: a first canvas frame
	// may be far larger than the limit, and only what is queued after it
	// measures whether the client keeps up.
	joinEnd uint64
	// acks are success frames held for the connection's next write, on a
	// connection that asked for batched acknowledgements (acks.go); empty
	// but kept as a buffer between writes.
	acks     []byte
	ackEpoch uint64 // the ackQueue's epoch when the first of acks was held
}

// joinMinRate is the slowest a joiner's first frames may be taken, in
// bytes per second, before the connection is a slow consumer: a 22 MB
// canvas gets about 3 minutes, a small one drainTimeout.
const joinMinRate = 128 << 10

// markJoined exempts everything queued so far from the backlog limit.
func (w *connWriter) markJoined() {
	w.mu.Lock()
	w.joinEnd = w.written + uint64(w.queued)
	w.mu.Unlock()
}

// backlogLocked is the bytes queued that count against the backlog limit:
// those queued after the connection's first frames.
func (w *connWriter) backlogLocked() int64 {
	if w.joinEnd > w.written {
		return max(0, w.queued-int64(w.joinEnd-w.written))
	}
	return w.queued
}

func (w *connWriter) init(nc net.Conn) {
	w.nc = nc
	if sc, ok := nc.(syscall.Conn); ok && canWriteNonBlocking {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
			w.rw.init()
			w.oq.init()
		}
	}
}

// send writes frame, or queues it behind the frames still being written.
// With limit > 0, a frame that would take the queue beyond limit bytes is
// refused with overflow. The frame's bytes are shared and never modified.
func (w *connWriter) send(frame []byte, limit int64) sendResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.broken {
		return gone
	}
	if len(w.acks) > 0 {
		// Held answers go first, in the same write: a connection's answers
		// keep the order of its messages.
		return w.sendAcksLocked(frame, limit)
	}
	return w.sendLocked(frame, limit)
}

func (w *connWriter) sendLocked(frame []byte, limit int64) sendResult {
	if len(w.queue) == 0 && w.raw != nil {
		n, err := w.rw.write(w.raw, frame)
		if err != nil {
			w.breakLocked()
			return gone
		}
		w.written += uint64(n)
		if n == len(frame) {
			return sent
		}
		// The socket buffer is full: the rest goes to the drainer, whatever
		// the limit, since a frame cannot be taken back once begun.
		w.queue = append(w.queue, frame)
		w.off = n
		w.queued = int64(len(frame) - n)
		w.startDrainLocked()
		return sent
	}
	if limit > 0 && w.backlogLocked()+int64(len(frame)) > limit {
		return overflow
	}
	w.queue = append(w.queue, frame)
	w.queued += int64(len(frame))
	w.startDrainLocked()
	return sent
}

func (w *connWriter) startDrainLocked() {
	if !w.draining {
		w.draining = true
		go w.drain()
	}
}

// drain writes the queue with blocking writes, each bounded by a deadline,
// and hands the connection back to the non-blocking path once it is empty.
func (w *connWriter) drain() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.queue) > 0 && !w.broken {
		b := w.queue[0][w.off:]
		timeout := drainTimeout
		if w.closed {
			timeout = closeTimeout
		} else if w.written < w.joinEnd {
			timeout = max(drainTimeout, time.Duration(len(b))*time.Second/joinMinRate)
		}
		_ = w.nc.SetWriteDeadline(time.Now().Add(timeout))
		w.mu.Unlock()
		n, err := w.nc.Write(b)
		w.mu.Lock()
		w.queued -= int64(n)
		w.written += uint64(n)
		if err != nil {
			if !w.closed && errors.Is(err, os.ErrDeadlineExceeded) {
				metrics.SlowConsumers.Inc()
			}
			w.breakLocked()
			break
		}
		w.queue[0] = nil
		w.queue = w.queue[1:]
		w.off = 0
	}
	w.queue, w.queued = nil, 0
	w.draining = false
	if w.closed {
		w.finishLocked()
		return
	}
	// The non-blocking path must not meet a stale deadline.
	_ = w.nc.SetWriteDeadline(time.Time{})
}

// close sends frame (a close frame) after the frame being written, dropping
// the frames not yet begun, and then closes the socket; a close frame stuck
// behind a full socket buffer is abandoned after closeTimeout. Held answers
// (acks.go) go just before it when nothing else is being written.
func (w *connWriter) close(frame []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.broken {
		return
	}
	w.closed = true
	if !w.draining && len(w.acks) > 0 {
		// Held answers were due before anything sent after them.
		frame = append(w.acks, frame...)
	}
	w.acks = nil
	if !w.draining {
		if w.raw != nil {
			n, err := w.rw.write(w.raw, frame)
			if err != nil {
				w.breakLocked()
				return
			}
			if n == len(frame) {
				w.finishLocked()
				return
			}
			frame = frame[n:]
		}
		w.queue = append(w.queue[:0], frame)
		w.off, w.queued = 0, int64(len(frame))
		w.startDrainLocked()
		return
	}
	// The drainer is writing queue[0]: a frame cannot be cut short.
	w.queue = append(w.queue[:min(1, len(w.queue))], frame)
	w.queued = int64(len(frame))
	if len(w.queue) == 2 {
		w.queued += int64(len(w.queue[0]) - w.off)
	}
	_ = w.nc.SetWriteDeadline(time.Now().Add(closeTimeout))
}

// backlog is the number of bytes queued and not yet written.
func (w *connWriter) backlog() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.queued
}

// shutdown closes the socket and drops the queue at once.
func (w *connWriter) shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed, w.broken = true, true
	w.acks = nil
	_ = w.nc.Close()
	if !w.draining {
		w.queue, w.queued = nil, 0
	}
}

func (w *connWriter) breakLocked() {
	if !w.broken {
		w.broken = true
		_ = w.nc.Close()
	}
}

// finishLocked ends the connection once its close frame is written: the
// write side is shut and the read side is given closeTimeout to take the
// client's close frame, rather than closing a socket with unread input,
// which would reset the connection and could destroy the close frame
// before the client reads it.
func (w *connWriter) finishLocked() {
	if w.broken {
		return
	}
	w.broken = true
	hc, ok := w.nc.(interface{ CloseWrite() error })
	if !ok || hc.CloseWrite() != nil || w.nc.SetReadDeadline(time.Now().Add(closeTimeout)) != nil {
		_ = w.nc.Close()
	}
}

// appendFrame appends payload as one unmasked, final server frame (RFC 6455
// §5.2): server-to-client frames need no per-connection masking, so the same
// bytes can go to every connection.
func appendFrame(dst []byte, opcode gws.Opcode, payload []byte) []byte {
	dst = append(dst, 0x80|byte(opcode))
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, byte(n))
	case n < 1<<16:
		dst = append(dst, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

// newFrame frames payload in a buffer of its own.
func newFrame(opcode gws.Opcode, payload []byte) []byte {
	return appendFrame(make([]byte, 0, len(payload)+10), opcode, payload)
}

// closeFrame is a close frame with code and reason (at most 123 bytes).
func closeFrame(code uint16, reason string) []byte {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), code)
	p = append(p, reason[:min(len(reason), 123)]...)
	return newFrame(gws.OpcodeCloseConnection, p)
}

var (
	pingFrame        = newFrame(gws.OpcodePing, nil)
	pongMessageFrame = newFrame(gws.OpcodeText, pongMessage)
)
