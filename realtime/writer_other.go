//go:build !unix

package realtime

import (
	"errors"
	"syscall"
)

// Elsewhere every write goes through the drainer goroutine.
const canWriteNonBlocking = false

type rawWrite struct{}

func (r *rawWrite) init() {}

func (r *rawWrite) write(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("non-blocking writes are not supported on this platform")
}
