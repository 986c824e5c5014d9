//go:build linux

package main

import (
	"net"
	"syscall"
)

// peerUID is the uid of the process at the other end of a unix socket,
// from the kernel (SO_PEERCRED, unix(7)); ok is false if unknown.
func peerUID(c net.Conn) (uid uint32, ok bool) {
	uc, isUnix := c.(*net.UnixConn)
	if !isUnix {
		return 0, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var cred *syscall.Ucred
	if err := raw.Control(func(fd uintptr) {
		cred, err = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cred == nil {
		return 0, false
	}
	return cred.Uid, true
}
