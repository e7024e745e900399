package faultproxy_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/faultproxy"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	return echo(c, timeout)
}

func echo(c net.Conn, timeout time.Duration) error {
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("hello\n")); err != nil {
		return err
	}
	_, err := bufio.NewReader(c).ReadString('\n')
	return err
}

func TestProxy(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	if err := roundTrip(p.Addr(), time.Second); err != nil {
		t.Fatalf("forwarding: %v", err)
	}
	open, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if err := echo(open, time.Second); err != nil {
		t.Fatalf("open connection: %v", err)
	}

	p.Cut()
	if err := echo(open, time.Second); err == nil {
		t.Error("a connection open before Cut still works")
	}
	start := time.Now()
	if err := roundTrip(p.Addr(), 200*time.Millisecond); err == nil {
		t.Error("a new connection works while cut")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("a new connection while cut should hang, got %v after %v", err, time.Since(start))
	}

	p.Refuse()
	if err := roundTrip(p.Addr(), time.Second); err == nil {
		t.Error("a new connection works while refused")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("a refused connection should fail at once, got %v", err)
	}

	p.Restore()
	if err := roundTrip(p.Addr(), time.Second); err != nil {
		t.Errorf("after Restore: %v", err)
	}
}
