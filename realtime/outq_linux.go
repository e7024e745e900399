//go:build linux

package realtime

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// outqProbe asks the kernel how many bytes of a socket's send queue the
// peer has not acknowledged (TIOCOUTQ). Its function is made once per
// connection, so that a check allocates nothing: every connection that
// was written to is checked once a second (as rawWrite does for writes).
// Only the lag watcher uses it.
type outqProbe struct {
	n   int
	err error
	do  func(fd uintptr)
}

func (p *outqProbe) init() {
	p.do = func(fd uintptr) { p.n, p.err = unix.IoctlGetInt(int(fd), unix.TIOCOUTQ) }
}

// unsent returns the bytes the peer has not acknowledged; ok is false
// when it cannot tell.
func (p *outqProbe) unsent(raw syscall.RawConn) (n int, ok bool) {
	if raw == nil || p.do == nil {
		return 0, false
	}
	p.n, p.err = 0, nil
	cerr := raw.Control(p.do)
	return p.n, cerr == nil && p.err == nil
}
