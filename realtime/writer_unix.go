//go:build unix

package realtime

import "syscall"

const canWriteNonBlocking = true

// rawWrite makes one write(2) attempt at a time on a connection's
// non-blocking socket. The function handed to RawConn.Write is made once
// per connection and takes its bytes and leaves its results here, so that
// a write allocates nothing: a closure made for every write, capturing its
// results, was two thirds of the bytes the server allocated at 2,500
// connections, and the collector's cycles that paid for it slowed the
// flushes they overlapped (BENCHMARKS.md, "The history writer keeps the
// broadcaster's time"). Only the connWriter's lock holder uses it.
type rawWrite struct {
	b   []byte
	n   int
	err error
	do  func(fd uintptr) bool
}

func (r *rawWrite) init() {
	r.do = func(fd uintptr) bool {
		for {
			r.n, r.err = syscall.Write(int(fd), r.b)
			if r.err != syscall.EINTR {
				return true // never wait for the socket to become writable
			}
		}
	}
}

// write makes one attempt: it returns how much was written, 0 when the
// socket buffer is full.
func (r *rawWrite) write(raw syscall.RawConn, b []byte) (int, error) {
	r.b, r.n, r.err = b, 0, nil
	err := raw.Write(r.do)
	n, werr := r.n, r.err
	r.b = nil
	if err != nil {
		return 0, err
	}
	if n < 0 {
		n = 0
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	return n, werr
}
