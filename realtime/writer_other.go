//go:build !unix

package realtime

import (
	"errors"
	"syscall"
)

// Elsewhere every write goes through the drainer goroutine.
const canWriteNonBlocking = false

func writeNonBlocking(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("non-blocking writes are not supported on this platform")
}
