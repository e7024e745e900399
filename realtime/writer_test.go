package realtime

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// tcpPair returns the two ends of a loopback TCP connection whose buffers
// are small, so that a reader that does not read soon fills them.
func tcpPair(t testing.TB) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	server, client = sc.(*net.TCPConn), cc.(*net.TCPConn)
	_ = server.SetWriteBuffer(64 << 10)
	_ = client.SetReadBuffer(64 << 10)
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// readFrame reads one unmasked frame.
func readFrame(r *bufio.Reader) (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	if err != nil {
		return 0, nil, err
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return h[0] & 0x0f, payload, err
}

func TestWriterKeepsOrderThroughAFullSocket(t *testing.T) {
	server, client := tcpPair(t)
	w := nonBlockingWriter(t, server)
	// Frames of every header size, far more than the socket buffers hold.
	var want [][]byte
	for i := range 300 {
		p := bytes.Repeat([]byte{byte(i)}, []int{10, 300, 70000}[i%3])
		want = append(want, p)
		if r := w.send(newFrame(gws.OpcodeBinary, p), 0); r != sent {
			t.Fatalf("send %d: %v", i, r)
		}
	}
	if w.backlog() == 0 {
		t.Fatal("nothing queued: the test did not fill the socket")
	}
	r := bufio.NewReader(client)
	for i, p := range want {
		op, got, err := readFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if op != byte(gws.OpcodeBinary) || !bytes.Equal(got, p) {
			t.Fatalf("frame %d: opcode %d, %d bytes; want %d bytes of %d", i, op, len(got), len(p), byte(i))
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for w.backlog() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// Back on the non-blocking path, with no deadline left over.
	if r := w.send(newFrame(gws.OpcodeText, []byte("after")), 0); r != sent {
		t.Fatalf("send after draining: %v", r)
	}
	if _, got, err := readFrame(r); err != nil || string(got) != "after" {
		t.Fatalf("after draining: %q, %v", got, err)
	}
}

func TestWriterRefusesBeyondTheBacklogAndClosesPromptly(t *testing.T) {
	server, client := tcpPair(t)
	var w connWriter
	w.init(server)
	const limit = 1 << 20
	frame := newFrame(gws.OpcodeBinary, make([]byte, 60000))
	var res sendResult
	for i := 0; i < 1000 && res != overflow; i++ {
		res = w.send(frame, limit)
	}
	if res != overflow {
		t.Fatal("a reader that never reads was never refused")
	}
	if b := w.backlog(); b > limit {
		t.Errorf("backlog %d bytes, over the limit of %d", b, limit)
	}
	start := time.Now()
	w.close(closeFrame(1008, "slow consumer"))
	if r := w.send(frame, 0); r != gone {
		t.Errorf("send after close: %v, want gone", r)
	}
	// The reader that never read sees the socket end within the close
	// timeout, and no more than the frame in flight and the close frame
	// after what was written before.
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.Copy(io.Discard, client)
	if err != nil {
		t.Logf("read: %v", err)
	}
	if d := time.Since(start); d > closeTimeout+time.Second {
		t.Errorf("closing took %v", d)
	}
	if n > limit+2*int64(len(frame))+1<<20 {
		t.Errorf("read %d bytes after the close: queued frames were not dropped", n)
	}
}

func TestWriterSendsTheCloseFrameAfterTheFrameInFlight(t *testing.T) {
	server, client := tcpPair(t)
	var w connWriter
	w.init(server)
	big := bytes.Repeat([]byte{7}, 2<<20)
	w.send(newFrame(gws.OpcodeBinary, big), 0)
	w.send(newFrame(gws.OpcodeBinary, []byte("dropped")), 0)
	w.close(closeFrame(1008, "slow consumer"))
	r := bufio.NewReader(client)
	// The first frame had begun, so it is completed; the one queued behind
	// it may be dropped; the close frame comes last.
	var ops []byte
	for {
		op, p, err := readFrame(r)
		if err != nil {
			break
		}
		ops = append(ops, op)
		if op == byte(gws.OpcodeCloseConnection) {
			if code := binary.BigEndian.Uint16(p); code != 1008 || string(p[2:]) != "slow consumer" {
				t.Errorf("close frame %d %q", code, p[2:])
			}
			break
		}
	}
	if len(ops) < 2 || ops[0] != byte(gws.OpcodeBinary) || ops[len(ops)-1] != byte(gws.OpcodeCloseConnection) {
		t.Errorf("opcodes %v: want the big frame first and the close frame last", ops)
	}
}

// A write that the socket takes whole allocates nothing: at 2,500
// connections the writes are 50,000 a second.
func TestWriteAllocatesNothing(t *testing.T) {
	server, client := tcpPair(t)
	w := nonBlockingWriter(t, server)
	go io.Copy(io.Discard, client)
	frame := newFrame(gws.OpcodeBinary, make([]byte, 40))
	if allocs := testing.AllocsPerRun(200, func() {
		if w.send(frame, 1<<20) != sent {
			t.Fatal("the write was not taken")
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per write, want 0", allocs)
	}
}

// nonBlockingWriter returns a writer of conn, skipping the test where
// sockets cannot be written without blocking.
func nonBlockingWriter(t *testing.T, conn net.Conn) *connWriter {
	t.Helper()
	w := &connWriter{}
	w.init(conn)
	if w.raw == nil {
		t.Skip("no non-blocking writes on this platform")
	}
	return w
}

// The lag check of a connection that was written to asks the kernel for
// its send queue without allocating: every such connection is checked once
// a second.
func TestLagCheckAllocatesNothing(t *testing.T) {
	server, client := tcpPair(t)
	w := nonBlockingWriter(t, server)
	go io.Copy(io.Discard, client)
	frame := newFrame(gws.OpcodeBinary, make([]byte, 40))
	check := uint64(0)
	if allocs := testing.AllocsPerRun(200, func() {
		w.send(frame, 1<<20) // written since the last check: the kernel is asked
		check++
		w.lagging(check)
	}); allocs != 0 {
		t.Fatalf("%v allocations per write and lag check, want 0", allocs)
	}
}
