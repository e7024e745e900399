package realtime

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/lxzan/gws"
)

// readBufferSize is each connection's read buffer: client messages are at
// most 1 KiB and rare, and an idle connection should cost little.
const readBufferSize = 512

// The client doubles as the connection's gws session storage, so that a
// connection carries no session map of its own (an idle connection's
// memory is what BENCHMARKS.md measures, "Idle connections"). Keys other than clientKey, which no
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

// upgrade upgrades the request and returns the connection and the socket
// under it. The cookies set on w before it (a new guest session) go on the
// 101 response: gws writes the handshake itself and takes extra headers
// only from its options, shared by every connection, so they are added to
// the handshake as it is written.
func upgrade(up *gws.Upgrader, w http.ResponseWriter, r *http.Request) (*gws.Conn, net.Conn, error) {
	cookies := w.Header().Values("Set-Cookie")
	if len(cookies) == 0 {
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return nil, nil, err
		}
		return conn, conn.NetConn(), nil
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	nc, _, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	var extra []byte
	for _, v := range cookies {
		extra = append(append(append(extra, "Set-Cookie: "...), v...), "\r\n"...)
	}
	br := bufio.NewReaderSize(nc, readBufferSize)
	conn, err := up.UpgradeFromConn(&handshakeConn{Conn: nc, extra: extra}, br, r)
	if err != nil {
		return nil, nil, err
	}
	return conn, nc, nil
}

// handshakeConn adds extra header lines to its first write, the handshake
// response, just before the blank line that ends its headers.
type handshakeConn struct {
	net.Conn
	written atomic.Bool
	extra   []byte
}

func (c *handshakeConn) Write(b []byte) (int, error) {
	if !c.written.CompareAndSwap(false, true) {
		return c.Conn.Write(b)
	}
	if !bytes.HasSuffix(b, []byte("\r\n\r\n")) || !bytes.HasPrefix(b, []byte("HTTP/1.1 101")) {
		return c.Conn.Write(b)
	}
	out := make([]byte, 0, len(b)+len(c.extra))
	out = append(append(append(out, b[:len(b)-2]...), c.extra...), "\r\n"...)
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}
