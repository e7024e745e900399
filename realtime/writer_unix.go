//go:build unix

package realtime

import "syscall"

const canWriteNonBlocking = true

// writeNonBlocking makes one write(2) attempt on the non-blocking socket:
// it returns how much was written, 0 when the socket buffer is full.
func writeNonBlocking(raw syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return true // never wait for the socket to become writable
			}
		}
	})
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
