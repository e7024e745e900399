package realtime

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

const clientKey = "client"

func clientOf(conn *gws.Conn) *client {
	v, ok := conn.Session().Load(clientKey)
	if !ok {
		return nil
	}
	c, _ := v.(*client)
	return c
}

// OffersBinary reports whether the upgrade request offers the binary subprotocol.
func OffersBinary(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == Subprotocol {
				return true
			}
		}
	}
	return false
}

// ServeWS upgrades the request and serves the connection of id. With resume,
// the first message after welcome is a replay of (since, now] when held.
// setCookie, if not empty, is sent as a Set-Cookie header on the upgrade
// response (a new guest session).
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, id Identity, since uint64, resume bool, setCookie string) error {
	binary := OffersBinary(r)
	up := h.upPlain
	if binary {
		up = h.upBin
	}
	if setCookie != "" {
		up = gws.NewUpgrader(h, h.serverOption(binary, setCookie))
	}
	conn, err := up.Upgrade(w, r)
	if err != nil {
		return fmt.Errorf("websocket upgrade: %w", err)
	}
	c := &client{id: id, binary: binary, since: since, resume: resume, slot: -1}
	if !id.Expires.IsZero() && h.opts.SessionAlive != nil {
		c.expires.Store(id.Expires.UnixMilli())
	}
	conn.Session().Store(clientKey, c)
	go conn.ReadLoop()
	return nil
}

// OnOpen sends welcome and the first state message, and joins the broadcast
// under the hub lock so that the chain of seqs has no gap.
func (h *Hub) OnOpen(conn *gws.Conn) {
	c := clientOf(conn)
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	// The HTTP server's write deadline outlives the hijack; writes here are
	// bounded by the backlog limit instead.
	_ = conn.SetWriteDeadline(time.Time{})
	now := h.opts.Now()
	var cooldown int64
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	until, err := h.opts.Placer.CooldownUntil(ctx, c.id.UserID)
	cancel()
	if err == nil && until.After(now) {
		cooldown = until.Sub(now).Milliseconds()
	}
	welcome := mustJSON(Welcome{
		Type: "welcome", UserID: c.id.UserID, Username: c.id.Username, IsGuest: c.id.IsGuest,
		Cooldown: cooldown, ServerTime: now.UnixMilli(), CanvasInfo: NewCanvasInfo(h.cfg),
	})

	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		h.closeConn(conn, 1001, "going away")
		return
	}
	conn.WriteAsync(gws.OpcodeText, welcome, nil)
	var first []byte
	opcode := gws.OpcodeText
	if c.resume {
		if events, ok := h.replayLocked(c.since); ok {
			if c.binary {
				first, opcode = AppendPixelsBinary(nil, c.since, h.seq, events), gws.OpcodeBinary
			} else {
				first = AppendPixelsJSON(nil, c.since, h.seq, events)
			}
		}
	}
	if first == nil {
		f := h.canvasLocked()
		if c.binary {
			first, opcode = f.binaryFrame(h.cfg.Width, h.cfg.Height), gws.OpcodeBinary
		} else {
			first = f.jsonFrame(h.cfg.Width, h.cfg.Height)
		}
	}
	n := int64(len(first))
	c.backlog.Add(n)
	conn.WriteAsync(opcode, first, func(error) { c.backlog.Add(-n) })
	h.conns[conn] = c
	if h.opts.SessionAlive != nil && c.id.Token != "" {
		c.slot = rand.IntN(len(h.recheck))
		h.recheck[c.slot][conn] = struct{}{}
	}
	h.mu.Unlock()
	metrics.Connections.Inc()
}

// OnClose removes the connection.
func (h *Hub) OnClose(conn *gws.Conn, _ error) {
	h.mu.Lock()
	_, ok := h.conns[conn]
	delete(h.conns, conn)
	c := clientOf(conn)
	if c != nil && c.slot >= 0 {
		delete(h.recheck[c.slot], conn)
	}
	h.mu.Unlock()
	if c != nil {
		c.closed.Store(true)
	}
	if ok {
		metrics.Connections.Dec()
	}
}

// OnPing answers a WebSocket ping and counts as activity.
func (h *Hub) OnPing(conn *gws.Conn, payload []byte) {
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	_ = conn.WritePong(payload)
}

// OnPong counts as activity.
func (h *Hub) OnPong(conn *gws.Conn, _ []byte) {
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
}

// OnMessage handles one client message. A panic closes this connection
// only (1011), never the process.
func (h *Hub) OnMessage(conn *gws.Conn, message *gws.Message) {
	defer message.Close()
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("panic while handling a message", "panic", r, "stack", string(debug.Stack()))
			h.closeConn(conn, 1011, "internal error")
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	c := clientOf(conn)
	if c == nil || c.closed.Load() {
		return
	}
	now := h.opts.Now()
	if !h.allowMessage(conn, c, now) {
		return
	}
	if message.Opcode != gws.OpcodeText {
		h.sendError(conn, place.Errorf(place.EINVALIDMESSAGE, "Binary messages are not accepted; send JSON text."), "")
		return
	}
	m, err := DecodeClientMessage(message.Bytes())
	if err != nil {
		h.sendError(conn, err, m.RequestID)
		return
	}
	switch m.Type {
	case "ping":
		conn.WriteAsync(gws.OpcodeText, pongMessage, nil)
	case "place":
		if c.id.UserID == "" {
			// A viewer connected while the session store was down: it must
			// reconnect (and resume by seq) to get an identity.
			h.sendError(conn, &place.Error{Code: place.EUNAVAILABLE, Message: "Placing is temporarily unavailable; reconnecting."}, m.RequestID)
			h.closeConn(conn, 1013, "try again later")
			return
		}
		h.place(conn, c, m, now)
	}
}

// allowMessage applies the flood limit: over MessagesPerSecond in one
// second gets one TOO_MANY_MESSAGES; five such seconds in a row close.
func (h *Hub) allowMessage(conn *gws.Conn, c *client, now time.Time) bool {
	if now.Sub(c.windowStart) >= time.Second {
		if c.windowCount > h.opts.MessagesPerSecond {
			c.strikes++
		} else {
			c.strikes = 0
		}
		c.windowStart, c.windowCount = now, 0
	}
	c.windowCount++
	if c.windowCount <= h.opts.MessagesPerSecond {
		return true
	}
	if c.strikes >= 4 || c.windowCount > 10*h.opts.MessagesPerSecond {
		h.closeConn(conn, 1008, "too many messages")
		return false
	}
	if c.windowCount == h.opts.MessagesPerSecond+1 {
		h.sendError(conn, place.Errorf(place.ETOOMANYMESSAGES, "Too many messages; slow down."), "")
	}
	return false
}

func (h *Hub) place(conn *gws.Conn, c *client, m ClientMessage, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if m.CoordsOverflow || m.ColorOverflow || h.cfg.CheckPixel(int(m.X), int(m.Y), int(m.Color)) != nil {
		// Report BANNED before the field errors (SPEC §3 order).
		if u, uerr := h.opts.Users.UserByID(ctx, c.id.UserID); uerr == nil && u.Banned {
			err = place.Errorf(place.EBANNED, "You are banned from placing pixels.")
		} else if m.CoordsOverflow {
			err = h.cfg.CheckPixel(-1, -1, 0)
		} else if m.ColorOverflow {
			err = h.cfg.CheckPixel(0, 0, -1)
		} else {
			err = h.cfg.CheckPixel(int(m.X), int(m.Y), int(m.Color))
		}
	}
	var next time.Time
	if err == nil {
		_, next, err = h.opts.Placer.Place(ctx, c.id.UserID, int(m.X), int(m.Y), uint8(m.Color), now)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = place.ErrUnavailable // the store did not answer in time
		}
		code := place.ErrorCode(err)
		metrics.Placements.WithLabelValues(string(code)).Inc()
		if code == place.EINTERNAL {
			h.log.Error("placement failed", "err", err)
		}
		h.sendError(conn, err, m.RequestID)
		return
	}
	metrics.Placements.WithLabelValues("ok").Inc()
	conn.WriteAsync(gws.OpcodeText, mustJSON(Success{
		Type: "success", RequestID: m.RequestID, NextPlacement: next.UnixMilli(), ServerTime: h.opts.Now().UnixMilli(),
	}), nil)
}

func (h *Hub) sendError(conn *gws.Conn, err error, requestID string) {
	conn.WriteAsync(gws.OpcodeText, mustJSON(NewErrorMessage(err, requestID)), nil)
}
