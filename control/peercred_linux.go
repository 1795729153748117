package control

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peer asks the kernel who is at the other end of c (SO_PEERCRED): the
// credentials of the process that connected, which it cannot forge.
func peer(c *net.UnixConn) (Caller, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Caller{}, fmt.Errorf("control: peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Caller{}, fmt.Errorf("control: peer credentials: %w", err)
	}
	if cerr != nil {
		return Caller{}, fmt.Errorf("control: peer credentials: %w", cerr)
	}
	return Caller{UID: int(cred.Uid), GID: int(cred.Gid), PID: int(cred.Pid)}, nil
}
