package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

// websocket handles GET /ws: the Origin check, the `since` parameter, the
// session (a new guest session when there is none, its cookie set on the
// upgrade response) and the hand-over to the hub.
func (s *Server) websocket(c echo.Context) error {
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
	// Checked here, before a guest session is made for it, and so that
	// the refusal has the API's shape rather than the WebSocket library's.
	if !isWebSocketUpgrade(r) {
		return place.Errorf(place.EVALIDATION, "Not a valid WebSocket upgrade request.")
	}
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}

	var token string
	if ck, err := r.Cookie(s.sessions.Cookie.Name); err == nil {
		token = ck.Value
	}
	id, err := s.wsIdentity(c.Response(), r, token)
	if err != nil {
		if place.ErrorCode(err) == place.EINTERNAL || place.ErrorCode(err) == place.EUNAVAILABLE {
			// The session store is down: watch the canvas without an identity
			// (placing waits until it is back) rather than refusing to connect.
			s.log.Warn("session store unavailable; connecting as a viewer", "err", err)
			id = realtime.Identity{}
			c.Response().Header().Del("Set-Cookie")
		} else {
			return err
		}
	}
	if err := s.hub.ServeWS(c.Response(), r, id, since, resume); err != nil {
		s.log.Debug("websocket upgrade failed", "err", err)
		if !c.Response().Committed {
			c.Response().Header().Del("Set-Cookie")
			return place.Errorf(place.EVALIDATION, "Not a valid WebSocket upgrade request.")
		}
	}
	return nil
}

// wsIdentity resolves the session of a WebSocket upgrade, creating a guest
// session when there is none; the session cookie is set on w, for the
// upgrade response.
func (s *Server) wsIdentity(w http.ResponseWriter, r *http.Request, token string) (realtime.Identity, error) {
	ctx, err := s.sessions.Load(r.Context(), token)
	if err != nil {
		return realtime.Identity{}, err
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return realtime.Identity{}, err
	}
	var expiry time.Time
	if !ok {
		if u, err = s.newGuest(ctx, r); err != nil {
			return realtime.Identity{}, err
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			return realtime.Identity{}, err
		}
		if token, expiry, err = s.bindSession(ctx, u.ID); err != nil {
			return realtime.Identity{}, err
		}
	} else {
		// Connecting is activity: save the session so that its idle expiry
		// is pushed forward and known, and the hub can close the socket the
		// moment the session expires.
		if token, expiry, err = s.sessions.Commit(ctx); err != nil {
			return realtime.Identity{}, err
		}
		_ = s.sessionIdx.AddUserSession(ctx, u.ID, token, expiry)
	}
	id := realtime.Identity{UserID: u.ID, Username: u.Username, IsGuest: u.IsGuest, Token: token, Expires: expiry}
	s.sessions.WriteSessionCookie(ctx, w, token, expiry)
	return id, nil
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
