//go:build !linux

package realtime

import "syscall"

// kernelUnsent cannot look into the socket here: only the connection's
// own queue and write deadlines judge a slow consumer.
func kernelUnsent(syscall.RawConn) (int, bool) { return 0, false }
