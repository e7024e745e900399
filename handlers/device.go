package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
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

// deviceCookies makes, signs and reads the device cookies and records
// which browsers each user used.
type deviceCookies struct {
	secrets place.Secrets
	seen    place.Devices
	secure  bool // the __Host- name and the Secure attribute
	now     func() time.Time
	log     *slog.Logger

	mu  sync.Mutex
	key []byte // loaded once it can be read
}

// deviceKey returns the key that signs device cookies.
func (d *deviceCookies) deviceKey(ctx context.Context) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.key == nil {
		key, err := d.secrets.Secret(ctx, deviceSecretName, 32)
		if err != nil {
			return nil, err
		}
		d.key = key
	}
	return d.key, nil
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

func (d *deviceCookies) cookieName() string {
	if d.secure {
		return "__Host-" + deviceCookieName
	}
	return deviceCookieName
}

// DeviceID returns the id of the request's device cookie when its
// signature holds; ok is false when there is none, it was tampered with,
// or the signing key cannot be read.
func (d *deviceCookies) DeviceID(r *http.Request) (id string, ok bool) {
	ck, err := r.Cookie(d.cookieName())
	if err != nil {
		return "", false
	}
	key, err := d.deviceKey(r.Context())
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
func (d *deviceCookies) deviceFor(c echo.Context) string {
	r := c.Request()
	if id, ok := d.DeviceID(r); ok {
		return id
	}
	p, _ := r.Context().Value(pendingDeviceKey{}).(*string)
	if p == nil {
		return ""
	}
	if *p == "" {
		if _, err := d.deviceKey(r.Context()); err != nil {
			return ""
		}
		*p = newDeviceID()
	}
	return *p
}

// issue sets the device cookie on a response that saves a session (made
// or renewed) or made a device id (deviceFor): a new id when the request
// had no valid one, else the same id with its lifetime pushed forward. The
// session's user (userID) is recorded as seen on the device, so that
// banning the user bans the browser.
func (d *deviceCookies) issue(w http.ResponseWriter, r *http.Request, userID string, status scs.Status) {
	pending, _ := r.Context().Value(pendingDeviceKey{}).(*string)
	if status != scs.Modified && (pending == nil || *pending == "") {
		return
	}
	key, err := d.deviceKey(r.Context())
	if err != nil {
		d.log.Warn("device cookie key unavailable", "err", err)
		return
	}
	id, ok := d.DeviceID(r)
	switch {
	case ok:
	case pending != nil && *pending != "":
		id = *pending
	default:
		id = newDeviceID()
	}
	d.setDeviceCookie(w, key, id)
	if status == scs.Modified {
		d.noteDevice(r.Context(), userID, id)
	}
}

func (d *deviceCookies) setDeviceCookie(w http.ResponseWriter, key []byte, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: d.cookieName(), Value: signDevice(key, id), Path: "/",
		MaxAge: int(deviceLifetime / time.Second), Expires: d.now().Add(deviceLifetime),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: d.secure,
	})
}

// noteDevice records that the user used the device (no user: nothing).
func (d *deviceCookies) noteDevice(ctx context.Context, userID, device string) {
	if userID == "" || device == "" {
		return
	}
	if err := d.seen.NoteDevice(ctx, userID, device, d.now()); err != nil {
		d.log.Warn("recording a user's device", "err", err)
	}
}

// wsDevice returns the device of a WebSocket upgrade, making one when the
// request has none and setting its cookie on w (the upgrade response), and
// records the user as seen on it.
func (d *deviceCookies) wsDevice(w http.ResponseWriter, r *http.Request, userID string) string {
	id, ok := d.DeviceID(r)
	if !ok {
		key, err := d.deviceKey(r.Context())
		if err != nil {
			return ""
		}
		id = newDeviceID()
		d.setDeviceCookie(w, key, id)
	}
	d.noteDevice(r.Context(), userID, id)
	return id
}
