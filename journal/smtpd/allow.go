package smtpd

import (
	"net"
	"net/netip"
	"time"
)

// allowListener refuses clients outside Config.Allow: they get
// "554 5.7.1" instead of a greeting (RFC 5321 §3.1) and are disconnected.
// Unix-socket clients are local and always allowed.
type allowListener struct {
	net.Listener
	s *Server
}

func (l *allowListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := remoteIP(c.RemoteAddr())
		if !ok || allowed(l.s.cfg.Allow, ip) {
			return c, nil
		}
		l.s.metrics.Refused(554)
		l.s.log.Warn("refused client not in allow list", "code", 554, "client", c.RemoteAddr().String())
		go reject(c)
	}
}

func reject(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.Write([]byte("554 5.7.1 Client host not allowed to deliver to this archive\r\n"))
	_ = c.Close()
}

func allowed(allow []netip.Prefix, ip netip.Addr) bool {
	for _, p := range allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// remoteIP returns the IP of a TCP address (IPv4-mapped IPv6 unmapped).
func remoteIP(a net.Addr) (netip.Addr, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	return ta.AddrPort().Addr().Unmap(), true
}

// isLoopback reports whether a listener address is a loopback TCP
// address or a Unix socket.
func isLoopback(a net.Addr) bool {
	ip, ok := remoteIP(a)
	if !ok {
		_, unix := a.(*net.UnixAddr)
		return unix
	}
	return ip.IsLoopback()
}
