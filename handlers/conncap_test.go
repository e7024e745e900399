package handlers

import (
	"io"
	"net"
	"syscall"
	"testing"
)

// The hub ends a WebSocket with CloseWrite and writes through the raw
// socket; a wrapped connection must keep both, and release on Close (the
// slot's release is itself once only: TestConnCap).
func TestReleasingConnKeepsTheSocketsMethods(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	released := 0
	var nc net.Conn = &releasingConn{Conn: server, release: func() { released++ }}
	if _, ok := nc.(syscall.Conn); !ok {
		t.Fatal("the wrapped socket lost syscall.Conn")
	}
	cw, ok := nc.(interface{ CloseWrite() error })
	if !ok {
		t.Fatal("the wrapped socket lost CloseWrite")
	}
	if _, err := nc.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(client); err != nil || string(got) != "bye" {
		t.Fatalf("after CloseWrite the client read %q, %v; want the data, then EOF", got, err)
	}
	if released != 0 {
		t.Fatal("released before Close")
	}
	_ = nc.Close()
	if released != 1 {
		t.Fatalf("released %d times on Close; want once", released)
	}
}

func TestConnCap(t *testing.T) {
	cc := newConnCap(3, 2)
	a1, _ := cc.acquire("a", "s1")
	if _, err := cc.acquire("a", "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.acquire("a", "s1"); err == nil {
		t.Fatal("a third connection of one session was let in")
	}
	fresh, err := cc.acquire("a", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.acquire("a", "s2"); err == nil {
		t.Fatal("a fourth connection from one address was let in")
	}
	if _, err := cc.acquire("b", "s3"); err != nil {
		t.Fatal("another address was refused: ", err)
	}
	a1.release()
	a1.release()
	fresh.bind("s4")
	if _, err := cc.acquire("a", "s4"); err != nil {
		t.Fatal("a released place was not given back: ", err)
	}
	if _, err := cc.acquire("a", "s1"); err == nil {
		t.Fatal("releasing twice gave back two places")
	}
	if n := cc.sessions["s4"]; n != 2 {
		t.Fatalf("a bound session counts %d connections; want 2", n)
	}
}
