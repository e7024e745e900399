//go:build linux

package realtime

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// kernelUnsent returns the bytes in the socket's send queue that the peer
// has not acknowledged (TIOCOUTQ); ok is false when it cannot tell.
func kernelUnsent(raw syscall.RawConn) (n int, ok bool) {
	if raw == nil {
		return 0, false
	}
	var err error
	cerr := raw.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.TIOCOUTQ) })
	return n, cerr == nil && err == nil
}
