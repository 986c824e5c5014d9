package smtpd

import (
	"crypto/tls"
	"log/slog"
	"net/netip"
	"time"
)

// Defaults for Config fields left zero.
const (
	DefaultAddr    = "127.0.0.1:2525"
	DefaultMaxSize = 256 << 20 // bytes (256 MiB); must be at least the MTA's own message_size_limit
	// MinLineLength is the smallest line length (bytes) go-smtp is allowed
	// to enforce, so 1 MiB header lines are archived, not refused.
	MinLineLength = 4 << 20
	// ReadTimeout is how long a client may stay silent (RFC 5321 §4.5.3.2
	// suggests 5 to 10 minutes).
	ReadTimeout = 10 * time.Minute
	// WriteTimeout bounds each reply write.
	WriteTimeout = time.Minute
)

// Config configures a Server. The zero value listens on DefaultAddr for
// SMTP, accepts loopback clients only and exports no metrics.
type Config struct {
	Addr       string         // ListenAndServe address, "host:port"; "" means DefaultAddr
	LMTP       bool           // speak LMTP (RFC 2033, LHLO and per-recipient replies) instead of SMTP
	MaxSize    int64          // message size limit, bytes; 0 means DefaultMaxSize. Over it: 452 4.3.4 + "oversize" alarm
	Allow      []netip.Prefix // client networks allowed; nil means loopback only (127.0.0.0/8, ::1/128)
	TLS        *tls.Config    // enables STARTTLS; required on listeners not bound to loopback
	RequireTLS bool           // refuse MAIL with 530 until STARTTLS even on loopback
	Hostname   string         // greeting/EHLO domain; "" means os.Hostname()
	Logger     *slog.Logger   // nil: discard. One line per stored message and per refusal
	Metrics    Metrics        // nil: none (see Metrics for the Prometheus names)
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxSize <= 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.Allow == nil {
		c.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// lineLimit is the go-smtp MaxLineLength: no legitimate message line is
// longer than the message itself, and command lines stay bounded.
func (c Config) lineLimit() int {
	return int(max(c.MaxSize+1024, MinLineLength))
}
