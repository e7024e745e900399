package realtime

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// registry holds the open WebSocket connections of this instance: it adds
// and removes them, closes them on a kick, a dead session or shutdown, and
// pings them. It knows nothing of the canvas.
type registry struct {
	maxBacklog   int64
	pingInterval time.Duration
	// sessionAlive and sessionSweep: see Options.SessionAlive.
	sessionAlive func(ctx context.Context, token string) bool
	sessionSweep time.Duration

	mu      sync.Mutex
	conns   map[*gws.Conn]*client
	closing bool
	// recheck spreads connections over the sweeps of one SessionRecheck
	// period, so that each sweep looks at a slice of them, not all.
	recheck     []map[*gws.Conn]struct{}
	recheckNext int
	// kicks are those of the last kickMemory: a connection whose identity
	// was read before one of them but that joins after it is closed by it
	// as it joins (see add).
	kicks []heldKick
}

// kickMemory is how long a kick is held for connections still joining;
// an identity is read well within it of the join (one session load and
// save, each bounded by a request timeout).
const kickMemory = 30 * time.Second

type heldKick struct {
	at time.Time
	k  place.Kick
}

// hits reports whether k is for c's user or session, or ended the session
// c's browser still sends.
func hits(k place.Kick, c *client) bool {
	return (k.UserID != "" && c.id.UserID == k.UserID) || (k.Token != "" && c.id.Token == k.Token) ||
		endedSession(k, c)
}

// endedSession reports whether k ended the session whose token c's browser
// sent: a kick that holds whatever the time of the session read, since the
// session is gone either way.
func endedSession(k place.Kick, c *client) bool {
	return c.id.SessionCookie != "" && slices.Contains(k.Tokens, c.id.SessionCookie)
}

func newRegistry(o Options) *registry {
	r := &registry{
		maxBacklog: o.MaxBacklog, pingInterval: o.PingInterval,
		sessionAlive: o.SessionAlive, sessionSweep: o.SessionSweep,
		conns: make(map[*gws.Conn]*client),
	}
	r.recheck = make([]map[*gws.Conn]struct{}, max(1, int(o.SessionRecheck/o.SessionSweep)))
	for i := range r.recheck {
		r.recheck[i] = make(map[*gws.Conn]struct{})
	}
	return r
}

// add registers a connection; false once shutdown has begun. A kick for
// its user or session that came after its identity was read (between the
// session load and now, when the connection was not yet here to be found)
// closes it at once.
func (r *registry) add(c *client) bool {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return false
	}
	r.conns[c.conn] = c
	if r.sessionAlive != nil && c.id.Token != "" {
		c.slot = rand.IntN(len(r.recheck))
		r.recheck[c.slot][c.conn] = struct{}{}
	}
	var missed place.Kick
	kicked := false
	if !c.id.ReadAt.IsZero() {
		// Newest first, down to the session read: a few milliseconds'
		// worth of kicks, whatever the 30 s hold.
		for i := len(r.kicks) - 1; i >= 0 && !r.kicks[i].at.Before(c.id.ReadAt); i-- {
			if hits(r.kicks[i].k, c) {
				missed, kicked = r.kicks[i].k, true
				break
			}
		}
	}
	if !kicked && c.id.SessionCookie != "" {
		// A browser whose session a recent kick ended: it reconnected
		// after the session was deleted, as a viewer.
		now := time.Now()
		for i := len(r.kicks) - 1; i >= 0 && now.Sub(r.kicks[i].at) < kickMemory; i-- {
			if endedSession(r.kicks[i].k, c) {
				missed, kicked = r.kicks[i].k, true
				break
			}
		}
	}
	r.mu.Unlock()
	metrics.Connections.Inc()
	if kicked {
		r.closeKicked(c.conn, missed)
	}
	return true
}

// remove forgets a connection that has closed.
func (r *registry) remove(conn *gws.Conn) {
	r.mu.Lock()
	_, ok := r.conns[conn]
	delete(r.conns, conn)
	c := clientOf(conn)
	if c != nil && c.slot >= 0 {
		delete(r.recheck[c.slot], conn)
	}
	r.mu.Unlock()
	if c != nil {
		c.closed.Store(true)
		c.w.shutdown()
	}
	if ok {
		metrics.Connections.Dec()
	}
}

// snapshot appends every connection to dst.
func (r *registry) snapshot(dst []*client) []*client {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		dst = append(dst, c)
	}
	return dst
}

func (r *registry) online() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

func (r *registry) isClosing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

// kick closes the connections of a user or of a session token with 1008,
// and holds the kick for connections still joining (see add).
func (r *registry) kick(k place.Kick) {
	r.mu.Lock()
	now := time.Now() // under the lock: r.kicks stays in time order (see add)
	var victims []*gws.Conn
	for conn, c := range r.conns {
		if hits(k, c) {
			victims = append(victims, conn)
		}
	}
	keep := 0
	for _, h := range r.kicks {
		if now.Sub(h.at) < kickMemory {
			r.kicks[keep] = h
			keep++
		}
	}
	clear(r.kicks[keep:])
	r.kicks = append(r.kicks[:keep], heldKick{at: now, k: k})
	r.mu.Unlock()
	for _, conn := range victims {
		r.closeKicked(conn, k)
	}
}

// closeKicked closes conn for k: with its ban message first, when it has one.
func (r *registry) closeKicked(conn *gws.Conn, k place.Kick) {
	reason := k.Reason
	if reason == "" {
		reason = "session ended"
	}
	var before []byte
	if k.BanMessage != "" {
		before = mustJSON(NewErrorMessage(&place.Error{Code: place.EBANNED, Message: k.BanMessage}, ""))
		before = newFrame(gws.OpcodeText, before)
	}
	r.closeConnAfter(conn, 1008, reason, before)
}

// shutdown refuses new connections, closes every open one with 1001 "going
// away" and waits (up to ctx) for them to end.
func (r *registry) shutdown(ctx context.Context) {
	r.mu.Lock()
	r.closing = true
	conns := make([]*gws.Conn, 0, len(r.conns))
	for conn := range r.conns {
		conns = append(conns, conn)
	}
	r.mu.Unlock()
	for _, conn := range conns {
		r.closeConn(conn, 1001, "going away")
	}
	for ctx.Err() == nil && r.online() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// closeConn sends a close frame without waiting behind a stuck write (see
// connWriter.close) and closes the socket.
func (r *registry) closeConn(conn *gws.Conn, code uint16, reason string) {
	r.closeConnAfter(conn, code, reason, nil)
}

// closeConnAfter is closeConn with a last frame sent just before the close
// frame, in the same write (what is queued before is dropped).
func (r *registry) closeConnAfter(conn *gws.Conn, code uint16, reason string, last []byte) {
	c := clientOf(conn)
	if c == nil || c.w.nc == nil {
		_ = conn.NetConn().Close()
		return
	}
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	c.w.close(append(last[:len(last):len(last)], closeFrame(code, reason)...))
}

// send writes one message of its own to c, closing c as a slow consumer
// when its backlog is full.
func (r *registry) send(c *client, frame []byte) {
	if c.w.send(frame, r.maxBacklog) == overflow {
		metrics.SlowConsumers.Inc()
		r.closeConn(c.conn, 1008, "slow consumer")
	}
}

// pinger pings every connection once per interval until ctx ends.
func (r *registry) pinger(ctx context.Context) {
	t := time.NewTicker(r.pingInterval)
	defer t.Stop()
	var targets []*client
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			targets = r.snapshot(targets[:0])
			for _, c := range targets {
				c.w.send(pingFrame, 0)
			}
			clear(targets)
		}
	}
}
