// Package faultproxy is a TCP proxy for tests that simulates a backing
// service going away: it can cut every open connection and then refuse new
// ones or accept them and never answer (a hang), until it is restored.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
)

// Mode is what the proxy does with a new connection.
type Mode int

// The modes of a Proxy.
const (
	Forward   Mode = iota // pass traffic to the target
	Refuse                // close new connections at once (with a reset)
	Blackhole             // accept new connections and never answer
)

// Proxy forwards TCP connections from a local address to a target.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	mode   Mode
	conns  map[net.Conn]struct{} // both ends of every forwarded pair, and held blackholed conns
	closed bool
	wg     sync.WaitGroup
}

// New starts a proxy on 127.0.0.1 with a free port that forwards to target.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the host:port clients should connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every current connection and blackholes new ones: a client
// sees its open connections fail and new ones hang.
func (p *Proxy) Cut() { p.set(Blackhole) }

// Refuse closes every current connection and resets new ones.
func (p *Proxy) Refuse() { p.set(Refuse) }

// Restore closes the connections held while cut and forwards again.
func (p *Proxy) Restore() { p.set(Forward) }

func (p *Proxy) set(m Mode) {
	p.mu.Lock()
	p.mode = m
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		reset(c)
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.set(Refuse)
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.mu.Lock()
		mode, closed := p.mode, p.closed
		if mode == Blackhole && !closed {
			p.conns[c] = struct{}{}
		}
		p.mu.Unlock()
		switch {
		case closed || mode == Refuse:
			reset(c)
		case mode == Forward:
			p.wg.Add(1)
			go p.forward(c)
		}
	}
}

func (p *Proxy) forward(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(client)
		return
	}
	if !p.track(client, server) {
		reset(client)
		reset(server)
		return
	}
	var once sync.Once
	done := func() {
		once.Do(func() {
			p.untrack(client, server)
			client.Close()
			server.Close()
		})
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(server, client)
		done()
	}()
	_, _ = io.Copy(client, server)
	done()
}

// track registers a forwarded pair unless the proxy stopped forwarding
// while it was being dialed.
func (p *Proxy) track(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != Forward || p.closed {
		return false
	}
	p.conns[a] = struct{}{}
	p.conns[b] = struct{}{}
	return true
}

func (p *Proxy) untrack(a, b net.Conn) {
	p.mu.Lock()
	delete(p.conns, a)
	delete(p.conns, b)
	p.mu.Unlock()
}

// reset closes c with an RST, as a crashed peer or a dropped link would.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
