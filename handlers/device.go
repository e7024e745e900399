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

// issueDevice sets the device cookie on a response that saves a session
// (made or renewed): a new id when the request had no valid one, else the
// same id with its lifetime pushed forward.
func (s *Server) issueDevice(w http.ResponseWriter, r *http.Request, status scs.Status) {
	if status != scs.Modified {
		return
	}
	key, err := s.deviceKey(r.Context())
	if err != nil {
		s.log.Warn("device cookie key unavailable", "err", err)
		return
	}
	id, ok := s.DeviceID(r)
	if !ok {
		id = newDeviceID()
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.deviceCookieName(), Value: signDevice(key, id), Path: "/",
		MaxAge: int(deviceLifetime / time.Second), Expires: s.now().Add(deviceLifetime),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies,
	})
}
