package realtime

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/placing"
)

const clientKey = "client"

// clientOf returns the hub's state of conn: the connection's session
// storage is the client itself (see Hub.newSession).
func clientOf(conn *gws.Conn) *client {
	c, _ := conn.Session().(*client)
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

// OffersDeflate reports whether the upgrade request offers the
// permessage-deflate extension, which the server then accepts (the same
// test as the WebSocket library's).
func OffersDeflate(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate")
}

// ServeWS upgrades the request and serves the connection of id. With resume,
// the first message after welcome is a replay of (since, now] when held.
// Cookies set on w before the call (a new guest session) are sent on the
// upgrade response.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, id Identity, since uint64, resume bool) error {
	binary := OffersBinary(r)
	// The welcome is built here, on the request's goroutine, which ends
	// with the upgrade: the connection's read goroutine then never grows
	// its stack beyond what reading needs, which is most of what an idle
	// connection costs.
	now := h.opts.Now()
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	clock, err := h.opts.Placements.CooldownUntil(ctx, place.Player{UserID: id.UserID, DeviceID: id.Device})
	cancel()
	if err != nil {
		clock = time.Time{} // unknown: the store's answer to a placement will tell
	}
	charges := h.opts.Placements.ChargesAt(clock, now)
	cfg := h.liveConfig()
	hello := Welcome{
		Type: "welcome", UserID: id.UserID, Username: id.Username, IsGuest: id.IsGuest,
		Cooldown: charges.NextPlacement.Sub(now).Milliseconds(), ServerTime: now.UnixMilli(), CanvasInfo: NewCanvasInfo(cfg),
		Charges: charges.Available, NextChargeAt: unixMilliOrZero(charges.NextChargeAt),
	}
	if ch, ok := h.opts.Placements.ChallengeFor(id.UserID, id.IP); ok {
		hello.Challenge = &ch
	}
	welcome := newFrame(gws.OpcodeText, mustJSON(hello))

	up := h.upPlain
	if binary {
		up = h.upBin
	}
	conn, nc, err := upgrade(up, w, r)
	if err != nil {
		return fmt.Errorf("websocket upgrade: %w", err)
	}
	c := clientOf(conn)
	c.conn, c.id, c.binary, c.slot = conn, id, binary, -1
	c.deflate = OffersDeflate(r)
	c.batchedAcks, _ = BatchedAcks(r) // a bad value was refused before the upgrade
	if !id.Expires.IsZero() && h.opts.SessionAlive != nil {
		c.expires.Store(id.Expires.UnixMilli())
	}
	if tc, ok := nc.(interface{ SetWriteBuffer(int) error }); ok {
		_ = tc.SetWriteBuffer(h.opts.SendBuffer)
	}
	c.w.init(nc)
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	// The HTTP server's write deadline outlives the hijack; writes here are
	// bounded by the backlog limit instead.
	_ = nc.SetWriteDeadline(time.Time{})
	if !h.bc.join(c, welcome, cfg.Size(), since, resume) {
		h.conns.closeConn(conn, 1001, "going away")
		return nil
	}
	go h.readLoop(conn)
	return nil
}

// readLoop runs the connection's read loop. The WebSocket library parses
// frames from the network; should any input make it panic (a frame header
// it mishandles, say), only this connection ends: it is closed with 1002,
// removed and counted, and the process goes on.
func (h *Hub) readLoop(conn *gws.Conn) {
	defer func() {
		if r := recover(); r != nil {
			metrics.WSReadPanics.Inc()
			h.log.Warn("malformed websocket input; connection closed", "panic", fmt.Sprint(r), "remote", conn.RemoteAddr().String())
			h.conns.closeConn(conn, 1002, "protocol error")
			h.conns.remove(conn)
		}
	}()
	conn.ReadLoop()
}

// OnOpen does nothing: ServeWS has already joined the connection.
func (h *Hub) OnOpen(*gws.Conn) {}

// OnClose removes the connection.
func (h *Hub) OnClose(conn *gws.Conn, _ error) { h.conns.remove(conn) }

// OnPing answers a WebSocket ping. Pings count against the flood limit
// like messages, but not as activity: a client that never reads can still
// send them (see Options.IdleTimeout).
func (h *Hub) OnPing(conn *gws.Conn, payload []byte) {
	if c := clientOf(conn); c != nil && !c.closed.Load() && h.allowMessage(conn, c, h.opts.Now()) {
		h.conns.send(c, newFrame(gws.OpcodePong, payload))
	}
}

// OnPong counts as activity (the client read the server's ping) and
// against the flood limit.
func (h *Hub) OnPong(conn *gws.Conn, _ []byte) {
	if c := clientOf(conn); c != nil && !c.closed.Load() && h.allowMessage(conn, c, h.opts.Now()) {
		_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	}
}

// OnMessage handles one client message. A panic closes this connection
// only (1011), never the process.
func (h *Hub) OnMessage(conn *gws.Conn, message *gws.Message) {
	defer message.Close()
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("panic while handling a message", "panic", r, "stack", string(debug.Stack()))
			h.conns.closeConn(conn, 1011, "internal error")
		}
	}()
	c := clientOf(conn)
	if c == nil || c.closed.Load() {
		return // its read deadline is the close timeout now
	}
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.IdleTimeout))
	now := h.opts.Now()
	if !h.allowMessage(conn, c, now) {
		return
	}
	if message.Opcode != gws.OpcodeText {
		h.sendError(c, place.Errorf(place.EINVALIDMESSAGE, "Binary messages are not accepted; send JSON text."), "")
		return
	}
	m, err := DecodeClientMessage(message.Bytes())
	if err != nil {
		h.sendError(c, err, m.RequestID)
		return
	}
	switch m.Type {
	case "ping":
		h.conns.send(c, pongMessageFrame)
	case "place":
		if c.id.UserID == "" && c.id.SessionUnavailable {
			// Its session could not be read: not a viewer's fault. The
			// client reconnects (resuming by seq) and is read again.
			frame := newFrame(gws.OpcodeText, mustJSON(NewErrorMessage(errSessionUnavailable, m.RequestID)))
			h.conns.closeConnAfter(c.conn, 1013, "try again later", frame)
			return
		}
		if c.id.UserID == "" {
			// A viewer: it gets a session from POST /api/v1/session and
			// reconnects (resuming by seq) to place.
			h.sendError(c, errViewer, m.RequestID)
			return
		}
		h.place(c, m, now)
	}
}

// allowMessage applies the flood limit to messages, pings and pongs alike:
// over MessagesPerSecond in one second gets one TOO_MANY_MESSAGES; five
// such seconds in a row, or ten times the limit in one, close.
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
		h.conns.closeConn(conn, 1008, "too many messages")
		return false
	}
	if c.windowCount == h.opts.MessagesPerSecond+1 {
		h.sendError(c, place.Errorf(place.ETOOMANYMESSAGES, "Too many messages; slow down."), "")
	}
	return false
}

var errSessionUnavailable = place.Errorf(place.EUNAVAILABLE, "Your session could not be read; reconnecting to try again.")

var errViewer = place.Errorf(place.EUNAUTHORIZED, "Watching only: start playing (POST /api/v1/session) and reconnect to place.")

func (h *Hub) place(c *client, m ClientMessage, now time.Time) {
	a := placing.Attempt{UserID: c.id.UserID, Device: c.id.Device, IP: c.id.IP, X: int(m.X), Y: int(m.Y), Color: int(m.Color), At: now, Proof: m.Proof}
	if m.CoordsOverflow {
		a.X = -1
	}
	if m.ColorOverflow {
		a.Color = -1
	}
	_, clock, err := h.opts.Placements.Place(context.Background(), a)
	// Every answer carries the challenge of the next placement, when the
	// address now needs one, so that the client solves it while it waits.
	ch, challenged := h.opts.Placements.ChallengeFor(c.id.UserID, c.id.IP)
	if err != nil {
		msg := NewErrorMessage(err, m.RequestID)
		if challenged {
			msg.Challenge = &ch
		}
		h.conns.send(c, newFrame(gws.OpcodeText, mustJSON(msg)))
		return
	}
	at := h.opts.Now()
	charges := h.opts.Placements.ChargesAt(clock, at)
	var payload []byte
	if challenged {
		payload = EncodeSuccessWithChallenge(m.RequestID, charges, at, ch)
	} else {
		payload = EncodeSuccess(m.RequestID, charges, at)
	}
	if c.batchedAcks {
		h.holdAck(c, payload)
		return
	}
	h.conns.send(c, newFrame(gws.OpcodeText, payload))
}

func (h *Hub) sendError(c *client, err error, requestID string) {
	h.conns.send(c, newFrame(gws.OpcodeText, mustJSON(NewErrorMessage(err, requestID))))
}
