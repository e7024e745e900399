//go:build !linux

package realtime

import "syscall"

// outqProbe cannot look into the socket here: only the connection's own
// queue and write deadlines judge a slow consumer.
type outqProbe struct{}

func (p *outqProbe) init() {}

func (p *outqProbe) unsent(syscall.RawConn) (int, bool) { return 0, false }
