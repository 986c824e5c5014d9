package main

import (
	"fmt"
	"net"
	"os/user"
	"strconv"
)

// forwardedActor is the audit actor of a command forwarded to serve:
// "USER via service", USER being the client's OS user name. The socket is
// mode 0600, so only serve's own account (or root) can connect; the name
// the client sends is checked against the kernel's peer uid where known,
// and a mismatch is recorded rather than trusted.
func forwardedActor(c net.Conn, claimed string) string {
	if claimed == "" {
		claimed = "unknown"
	}
	uid, ok := peerUID(c)
	if !ok {
		return claimed + " via service"
	}
	name := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	if name == claimed {
		return claimed + " via service"
	}
	return fmt.Sprintf("%s (uid %d, claims %q) via service", name, uid, claimed)
}
