//go:build !linux

package localcluster

import (
	"errors"
	"syscall"
)

func sysProcAttr(syscall.Signal, *syscall.Credential) *syscall.SysProcAttr { return nil }

func lockDir(string) (func(), error) {
	return nil, errors.New("place cluster runs on Linux only")
}
