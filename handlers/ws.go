package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

// websocket handles GET /ws: the Origin check, the `since` and `acks` parameters, the
// session (none: a viewer) and the hand-over to the hub.
func (s *playPages) websocket(c echo.Context) error {
	r := c.Request()
	if origin := r.Header.Get("Origin"); origin != "" && !s.originAllowed(r, origin) {
		return place.Errorf(place.EFORBIDDEN, "Cross-site WebSocket connections are not allowed.")
	}
	var since uint64
	resume := false
	if v, ok := c.QueryParams()["since"]; ok {
		n, err := parseSeq(v[0])
		if err != nil || len(v) > 1 {
			return place.Errorf(place.EVALIDATION, "since must be a non-negative integer sequence number.")
		}
		since, resume = n, true
	}
	if _, err := realtime.BatchedAcks(r); err != nil {
		return err
	}
	// Checked here, before a guest session is made for it, and so that
	// the refusal has the API's shape rather than the WebSocket library's.
	if !isWebSocketUpgrade(r) {
		return place.Errorf(place.EVALIDATION, "Not a valid WebSocket upgrade request.")
	}
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	slot, err := s.streams.acquire(r)
	if err != nil {
		return err
	}
	w := &releaseOnClose{ResponseWriter: c.Response(), release: slot.release}
	defer func() {
		if !w.hijacked {
			slot.release() // not upgraded: the connection ends with this request
		}
	}()

	var token string
	if ck, err := r.Cookie(s.sessions.Cookie.Name); err == nil {
		token = ck.Value
	}
	readAt := time.Now()
	id, err := s.wsIdentity(c.Response(), r, token)
	id.ReadAt = readAt
	if err != nil {
		if place.ErrorCode(err) == place.EINTERNAL || place.ErrorCode(err) == place.EUNAVAILABLE {
			// The session store is down: watch the canvas without an identity
			// (placing waits until it is back) rather than refusing to connect.
			s.log.Warn("session store unavailable; connecting as a viewer", "err", err)
			id = realtime.Identity{IP: s.clientIP(r), ReadAt: readAt, SessionUnavailable: true}
			c.Response().Header().Del("Set-Cookie")
		} else {
			return err
		}
	}
	if resume {
		// A tab that was open (it resumes from a seq): should a ban have
		// ended its session while it was reconnecting, the ban's kick
		// finds it by this token. A fresh page load from a banned browser
		// watches as anyone may.
		id.SessionCookie = token
	}
	slot.bind(id.Token)
	if err := s.hub.ServeWS(w, r, id, since, resume); err != nil {
		slot.release()
		s.log.Debug("websocket upgrade failed", "err", err)
		if !c.Response().Committed {
			c.Response().Header().Del("Set-Cookie")
			return place.Errorf(place.EVALIDATION, "Not a valid WebSocket upgrade request.")
		}
	}
	return nil
}

// wsIdentity resolves the session of a WebSocket upgrade. Watching needs
// no session: a visitor without one connects as a viewer (no user; its
// device, when it has one, still shows its cooldown) and gets a session
// from POST /api/v1/session when it first places. A session's cookie, and
// a device cookie when the browser has none, are set on w, for the upgrade
// response.
func (s *playPages) wsIdentity(w http.ResponseWriter, r *http.Request, token string) (realtime.Identity, error) {
	ip := s.clientIP(r)
	ctx, err := s.sessions.Load(r.Context(), token)
	if err != nil {
		return realtime.Identity{}, err
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return realtime.Identity{}, err
	}
	if !ok {
		device, _ := s.devices.DeviceID(r)
		return realtime.Identity{Device: device, IP: ip}, nil
	}
	// Connecting is activity: save the session so that its idle expiry is
	// pushed forward and known, and the hub can close the socket the moment
	// the session expires.
	token, expiry, err := s.sessions.Commit(ctx)
	if err != nil {
		return realtime.Identity{}, err
	}
	_ = s.userSessions.AddUserSession(ctx, u.ID, token, expiry)
	s.sessions.WriteSessionCookie(ctx, w, token, expiry)
	return realtime.Identity{
		UserID: u.ID, Username: u.Username, IsGuest: u.IsGuest, Token: token, Expires: expiry,
		Device: s.devices.wsDevice(w, r, u.ID), IP: ip,
	}, nil
}

// isWebSocketUpgrade reports whether r is a WebSocket opening handshake
// (RFC 6455 §4.2.1) that the upgrader will accept.
func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		r.Header.Get("Sec-WebSocket-Version") == "13" &&
		r.Header.Get("Sec-WebSocket-Key") != ""
}

// headerHasToken reports whether a comma-separated header lists token.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
