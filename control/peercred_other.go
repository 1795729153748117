//go:build !linux

package control

import (
	"errors"
	"net"
)

// peer is not available off Linux: without the caller's uid no request is
// taken, since none could be audited.
func peer(*net.UnixConn) (Caller, error) {
	return Caller{}, errors.New("control: peer credentials (SO_PEERCRED) need Linux")
}
