package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
)

// The device cookie names a browser for longer than any session: it stays
// through logging out and in, so that rules that follow a player (the
// cooldown, a ban) can follow the browser too. Its value is a random id and
// an HMAC-SHA256 of it under a key kept in the store (the same on every
// instance and after restarts), so a client cannot choose or forge one;
// clearing cookies gets a new one, which the identity limit per network
// bounds.
const (
	deviceCookieName = "device"
	deviceSecretName = "device-cookie"
	deviceLifetime   = 400 * 24 * time.Hour // the longest browsers keep a cookie
	deviceIDBytes    = 16
)

// deviceKeys loads the signing key once it can be read.
type deviceKeys struct {
	mu  sync.Mutex
	key []byte
}

// deviceKey returns the key that signs device cookies.
func (s *Server) deviceKey(ctx context.Context) ([]byte, error) {
	s.devices.mu.Lock()
	defer s.devices.mu.Unlock()
	if s.devices.key == nil {
		key, err := s.secrets.Secret(ctx, deviceSecretName, 32)
		if err != nil {
			return nil, err
		}
		s.devices.key = key
	}
	return s.devices.key, nil
}

func deviceMAC(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("device:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signDevice returns the cookie value for id.
func signDevice(key []byte, id string) string { return id + "." + deviceMAC(key, id) }

// verifyDevice returns the id of a cookie value whose signature holds.
func verifyDevice(key []byte, value string) (string, bool) {
	id, mac, ok := strings.Cut(value, ".")
	if !ok || len(id) != base64.RawURLEncoding.EncodedLen(deviceIDBytes) {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(deviceMAC(key, id))) {
		return "", false
	}
	return id, true
}

func newDeviceID() string {
	b := make([]byte, deviceIDBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) deviceCookieName() string {
	if s.opts.SecureCookies {
		return "__Host-" + deviceCookieName
	}
	return deviceCookieName
}

// DeviceID returns the id of the request's device cookie when its
// signature holds; ok is false when there is none, it was tampered with,
// or the signing key cannot be read.
func (s *Server) DeviceID(r *http.Request) (id string, ok bool) {
	ck, err := r.Cookie(s.deviceCookieName())
	if err != nil {
		return "", false
	}
	key, err := s.deviceKey(r.Context())
	if err != nil {
		return "", false
	}
	return verifyDevice(key, ck.Value)
}

// pendingDeviceKey holds, in a request's context, the id of a device
// cookie made during the request (see deviceFor), set on its response.
type pendingDeviceKey struct{}

// withPendingDevice readies r's context for deviceFor.
func withPendingDevice(ctx context.Context) context.Context {
	return context.WithValue(ctx, pendingDeviceKey{}, new(string))
}

// deviceFor returns the request's device id; a request without a valid
// device cookie gets a new id, whose cookie its response sets (with the
// session's). It returns "" only when the signing key cannot be read.
func (s *Server) deviceFor(c echo.Context) string {
	r := c.Request()
	if id, ok := s.DeviceID(r); ok {
		return id
	}
	p, _ := r.Context().Value(pendingDeviceKey{}).(*string)
	if p == nil {
		return ""
	}
	if *p == "" {
		if _, err := s.deviceKey(r.Context()); err != nil {
			return ""
		}
		*p = newDeviceID()
	}
	return *p
}

// issueDevice sets the device cookie on a response that saves a session
// (made or renewed) or made a device id (deviceFor): a new id when the
// request had no valid one, else the same id with its lifetime pushed
// forward. The session's user is recorded as seen on the device, so that
// banning the user bans the browser.
func (s *Server) issueDevice(w http.ResponseWriter, r *http.Request, session context.Context, status scs.Status) {
	pending, _ := r.Context().Value(pendingDeviceKey{}).(*string)
	if status != scs.Modified && (pending == nil || *pending == "") {
		return
	}
	key, err := s.deviceKey(r.Context())
	if err != nil {
		s.log.Warn("device cookie key unavailable", "err", err)
		return
	}
	id, ok := s.DeviceID(r)
	switch {
	case ok:
	case pending != nil && *pending != "":
		id = *pending
	default:
		id = newDeviceID()
	}
	s.setDeviceCookie(w, key, id)
	if status == scs.Modified {
		s.noteDevice(r.Context(), s.sessions.GetString(session, keyUserID), id)
	}
}

func (s *Server) setDeviceCookie(w http.ResponseWriter, key []byte, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.deviceCookieName(), Value: signDevice(key, id), Path: "/",
		MaxAge: int(deviceLifetime / time.Second), Expires: s.now().Add(deviceLifetime),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies,
	})
}

// noteDevice records that the user used the device (no user: nothing).
func (s *Server) noteDevice(ctx context.Context, userID, device string) {
	if userID == "" || device == "" {
		return
	}
	if err := s.deviceLog.NoteDevice(ctx, userID, device, s.now()); err != nil {
		s.log.Warn("recording a user's device", "err", err)
	}
}

// wsDevice returns the device of a WebSocket upgrade, making one when the
// request has none and setting its cookie on w (the upgrade response), and
// records the user as seen on it.
func (s *Server) wsDevice(w http.ResponseWriter, r *http.Request, userID string) string {
	id, ok := s.DeviceID(r)
	if !ok {
		key, err := s.deviceKey(r.Context())
		if err != nil {
			return ""
		}
		id = newDeviceID()
		s.setDeviceCookie(w, key, id)
	}
	s.noteDevice(r.Context(), userID, id)
	return id
}
