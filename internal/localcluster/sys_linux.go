package localcluster

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// sysProcAttr puts a child in its own process group and has the kernel
// send it stopSig if this program dies without stopping it (even by
// SIGKILL), so that nothing it started is left behind.
func sysProcAttr(stopSig syscall.Signal, cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: stopSig, Credential: cred}
}

// lockDir takes an exclusive lock on path, so that two clusters never run
// on one directory; the lock ends with the process.
func lockDir(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another place cluster runs on this directory (%s is locked)", path)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
