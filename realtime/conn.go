package realtime

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"sync"

	"github.com/lxzan/gws"
)

// readBufferSize is each connection's read buffer: client messages are at
// most 1 KiB and rare, and an idle connection should cost little.
const readBufferSize = 512

// The client doubles as the connection's gws session storage, so that a
// connection carries no session map of its own (an idle connection's
// memory is the budget of SPEC §12). Keys other than clientKey, which no
// code of ours uses, live in a map made on first use.

// Len implements gws.SessionStorage.
func (c *client) Len() int {
	c.extraMu.Lock()
	defer c.extraMu.Unlock()
	return 1 + len(c.extra)
}

// Load implements gws.SessionStorage.
func (c *client) Load(key string) (any, bool) {
	if key == clientKey {
		return c, true
	}
	c.extraMu.Lock()
	defer c.extraMu.Unlock()
	v, ok := c.extra[key]
	return v, ok
}

// Delete implements gws.SessionStorage.
func (c *client) Delete(key string) {
	c.extraMu.Lock()
	defer c.extraMu.Unlock()
	delete(c.extra, key)
}

// Store implements gws.SessionStorage.
func (c *client) Store(key string, value any) {
	if key == clientKey {
		return
	}
	c.extraMu.Lock()
	defer c.extraMu.Unlock()
	if c.extra == nil {
		c.extra = map[string]any{}
	}
	c.extra[key] = value
}

// Range implements gws.SessionStorage.
func (c *client) Range(f func(key string, value any) bool) {
	if !f(clientKey, c) {
		return
	}
	c.extraMu.Lock()
	defer c.extraMu.Unlock()
	for k, v := range c.extra {
		if !f(k, v) {
			return
		}
	}
}

var _ gws.SessionStorage = (*client)(nil)

// upgradeWithCookie upgrades like up.Upgrade, adding a Set-Cookie header to
// the 101 response. gws takes response headers from its options only, and
// an Upgrader per new guest would leave every such connection holding an
// options struct, a buffer pool and a header map of its own; instead the
// header is added to the handshake as it is written. It returns the
// connection and the socket under it.
func upgradeWithCookie(up *gws.Upgrader, w http.ResponseWriter, r *http.Request, setCookie string) (*gws.Conn, net.Conn, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	nc, _, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, readBufferSize)
	conn, err := up.UpgradeFromConn(&cookieConn{Conn: nc, header: "Set-Cookie: " + setCookie + "\r\n"}, br, r)
	if err != nil {
		return nil, nil, err
	}
	return conn, nc, nil
}

// cookieConn adds header to the first write, the handshake response, just
// before the blank line that ends its headers.
type cookieConn struct {
	net.Conn
	once   sync.Once
	header string
}

func (c *cookieConn) Write(b []byte) (int, error) {
	var out []byte
	c.once.Do(func() {
		if bytes.HasSuffix(b, []byte("\r\n\r\n")) && bytes.HasPrefix(b, []byte("HTTP/1.1 101")) {
			out = make([]byte, 0, len(b)+len(c.header))
			out = append(append(append(out, b[:len(b)-2]...), c.header...), "\r\n"...)
		}
		c.header = ""
	})
	if out != nil {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}
