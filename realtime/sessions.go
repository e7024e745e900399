package realtime

import (
	"context"
	"time"

	"github.com/lxzan/gws"
)

// sweepSessions closes connections whose session no longer exists (expired,
// or destroyed without a kick reaching this instance). Every SessionSweep
// it checks one slot of connections, so each is re-checked about every
// SessionRecheck and the store sees a steady trickle of lookups, one per
// distinct token, rather than a burst for every connection at once.
func (r *registry) sweepSessions(ctx context.Context) {
	t := time.NewTicker(r.sessionSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.sweepSlot(ctx)
			r.sweepExpired(ctx)
		}
	}
}

func (r *registry) sweepSlot(ctx context.Context) {
	r.mu.Lock()
	slot := r.recheck[r.recheckNext]
	r.recheckNext = (r.recheckNext + 1) % len(r.recheck)
	byToken := make(map[string][]*gws.Conn, len(slot))
	for conn := range slot {
		if c := clientOf(conn); c != nil && !c.closed.Load() {
			byToken[c.id.Token] = append(byToken[c.id.Token], conn)
		}
	}
	r.mu.Unlock()
	r.closeDeadSessions(ctx, byToken, nil)
}

// sweepExpired checks the connections whose session reached its known
// expiry: gone sessions are closed at once; one renewed by another request
// (another tab) is checked again a minute later.
func (r *registry) sweepExpired(ctx context.Context) {
	now := time.Now()
	r.mu.Lock()
	byToken := map[string][]*gws.Conn{}
	for conn, c := range r.conns {
		if exp := c.expires.Load(); exp != 0 && now.UnixMilli() >= exp && !c.closed.Load() {
			byToken[c.id.Token] = append(byToken[c.id.Token], conn)
		}
	}
	r.mu.Unlock()
	r.closeDeadSessions(ctx, byToken, func(c *client) { c.expires.Store(now.Add(time.Minute).UnixMilli()) })
}

// closeDeadSessions looks each token up once and closes (1008) the
// connections of sessions that no longer exist; alive, if not nil, is
// called for the connections whose session still does.
func (r *registry) closeDeadSessions(ctx context.Context, byToken map[string][]*gws.Conn, alive func(*client)) {
	for token, conns := range byToken {
		if ctx.Err() != nil {
			return
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok := r.sessionAlive(cctx, token)
		cancel()
		for _, conn := range conns {
			if !ok {
				r.closeConn(conn, 1008, "session expired")
			} else if c := clientOf(conn); c != nil && alive != nil {
				alive(c)
			}
		}
	}
}
