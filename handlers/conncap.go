package handlers

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"

	"github.com/placecanvas/place"
)

// connCap bounds the live connections (WebSockets and SSE streams) of this
// instance per client address (IPv6: /64) and per session, so that one
// browser or one host cannot hold an unbounded share of its sockets and
// memory. A connection over a cap is refused before it is upgraded; the
// others stay connected.
type connCap struct {
	perAddr, perSession int // 0: no cap

	mu       sync.Mutex
	addrs    map[string]int
	sessions map[string]int
}

func newConnCap(perAddr, perSession int) *connCap {
	return &connCap{perAddr: perAddr, perSession: perSession, addrs: make(map[string]int), sessions: make(map[string]int)}
}

// acquire counts one connection of addr and session (may be empty: no
// session yet), or refuses it with TOO_MANY_ATTEMPTS when either is at its
// cap. The slot's release must be called once the connection ends.
func (cc *connCap) acquire(addr, session string) (*connSlot, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.perSession > 0 && session != "" && cc.sessions[session] >= cc.perSession {
		return nil, place.Errorf(place.ETOOMANYATTEMPTS, "Too many open connections for this session (at most %d); close some tabs of this canvas.", cc.perSession)
	}
	if cc.perAddr > 0 && cc.addrs[addr] >= cc.perAddr {
		return nil, place.Errorf(place.ETOOMANYATTEMPTS, "Too many open connections from your network (at most %d); try again later.", cc.perAddr)
	}
	cc.addrs[addr]++
	if session != "" {
		cc.sessions[session]++
	}
	return &connSlot{cc: cc, addr: addr, session: session}, nil
}

// connSlot is one counted connection.
type connSlot struct {
	cc            *connCap
	addr, session string
	once          sync.Once
}

// bind counts a connection that came without a session under the session
// made for it (a new guest's), so that its later sockets meet the cap.
func (sl *connSlot) bind(session string) {
	cc := sl.cc
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if sl.session != "" || session == "" {
		return
	}
	sl.session = session
	cc.sessions[session]++
}

// release gives the slot back; calling it again does nothing.
func (sl *connSlot) release() {
	sl.once.Do(func() {
		cc := sl.cc
		cc.mu.Lock()
		defer cc.mu.Unlock()
		if cc.addrs[sl.addr]--; cc.addrs[sl.addr] <= 0 {
			delete(cc.addrs, sl.addr)
		}
		if sl.session != "" {
			if cc.sessions[sl.session]--; cc.sessions[sl.session] <= 0 {
				delete(cc.sessions, sl.session)
			}
		}
	})
}

// streams are the long requests (WebSockets, SSE streams) under the
// connection caps of this instance.
type streams struct {
	conns  *connCap
	client clientNet
	cookie string // the session cookie's name
}

// acquire applies the connection caps to a WebSocket or SSE request.
func (s *streams) acquire(r *http.Request) (*connSlot, error) {
	var session string
	if ck, err := r.Cookie(s.cookie); err == nil {
		session = ck.Value
	}
	return s.conns.acquire(ipKey(s.client.clientIP(r)), session)
}

// releaseOnClose is a ResponseWriter whose hijacked connection calls
// release when it is closed: a WebSocket outlives its handler.
type releaseOnClose struct {
	http.ResponseWriter
	release  func()
	hijacked bool
}

func (w *releaseOnClose) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	nc, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.hijacked = true
	return &releasingConn{Conn: nc, release: w.release}, rw, nil
}

func (w *releaseOnClose) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// releasingConn calls release once, when it is first closed. It keeps the
// socket's syscall.Conn, which the hub writes through without blocking, and
// its CloseWrite, with which the hub ends a connection without resetting
// it (a reset can destroy the close frame before the client reads it).
type releasingConn struct {
	net.Conn
	release func()
}

func (c *releasingConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

func (c *releasingConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (c *releasingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
