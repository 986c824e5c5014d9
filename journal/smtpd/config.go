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

	// DefaultMaxLineLength bounds a command line, in octets including the
	// CRLF. RFC 5321 §4.5.3.1.4 sets 512; extensions lengthen it (RFC 1870
	// §3 SIZE= adds 26, RFC 3461 §4 adds 100 to MAIL for RET=/ENVID= and
	// 500 to RCPT for NOTIFY=/ORCPT=) and SMTPUTF8 addresses (RFC 6531)
	// take several octets per character, so 2048 leaves room for all of
	// them. Message lines are not bounded by it: DATA and BDAT lines have
	// no length limit here (a 1 MiB header line is archived).
	DefaultMaxLineLength = 2048
	// DefaultMaxRecipients is the recipients accepted in one transaction
	// (RFC 5321 §4.5.3.1.8: at least 100). Past it RCPT gets 452 4.5.3 and
	// the client sends the rest in another transaction (§4.5.3.1.10), so
	// nothing is lost. 1000 is Postfix's smtpd_recipient_limit.
	DefaultMaxRecipients = 1000
	// DefaultCommandTimeout is how long the server waits for the next
	// command line (RFC 5321 §4.5.3.2.7: at least 5 minutes).
	DefaultCommandTimeout = 5 * time.Minute
	// DefaultDataBlockTimeout is how long the server waits for each block of
	// DATA or BDAT bytes (RFC 5321 §4.5.3.2.5: 3 minutes).
	DefaultDataBlockTimeout = 3 * time.Minute
	// DefaultDataTermination bounds the work after the end of the data
	// (journal commit, fsync included) before the reply: the client waits
	// 10 minutes for it (RFC 5321 §4.5.3.2.6). A commit not done by then
	// is answered 451 4.3.0.
	DefaultDataTermination = 10 * time.Minute
	// WriteTimeout bounds each write of replies to the client.
	WriteTimeout = time.Minute
)

// Config configures a Server. The zero value listens on DefaultAddr for
// SMTP, accepts loopback clients only and exports no metrics. Every
// duration or count left zero takes its Default.
type Config struct {
	Addr    string // ListenAndServe address, "host:port"; "" means DefaultAddr
	LMTP    bool   // speak LMTP (RFC 2033, LHLO and per-recipient replies) instead of SMTP
	MaxSize int64  // message size limit, bytes; 0 means DefaultMaxSize. Over it: 452 4.3.4 + "oversize" alarm
	// AnnounceSize makes EHLO announce "SIZE MaxSize" instead of a bare
	// "SIZE" (RFC 1870 §4: no fixed limit announced). Off by default: with
	// a number, an MTA bounces larger mail itself with a permanent 5.3.4
	// and the archive copy is lost without this server seeing it; without
	// one, it sends the mail, gets 452 4.3.4 and keeps it queued while the
	// "oversize" alarm asks for a larger MaxSize.
	AnnounceSize bool
	Allow        []netip.Prefix // client networks allowed; nil means loopback only (127.0.0.0/8, ::1/128)
	TLS          *tls.Config    // enables STARTTLS; required on listeners not bound to loopback
	RequireTLS   bool           // refuse MAIL with 530 until STARTTLS even on loopback
	Hostname     string         // greeting/EHLO domain; "" means os.Hostname()
	Logger       *slog.Logger   // nil: discard. One line per stored message and per refusal
	Metrics      Metrics        // nil: none (see Metrics for the Prometheus names)

	MaxLineLength    int           // command line limit, octets including CRLF; 0 means DefaultMaxLineLength. Over it: 500 5.5.2
	MaxRecipients    int           // RCPTs per transaction; 0 means DefaultMaxRecipients. Past it: 452 4.5.3
	CommandTimeout   time.Duration // wait for a command line; 0 means DefaultCommandTimeout. Then: 421 4.4.2 and close
	DataBlockTimeout time.Duration // wait for each read of DATA/BDAT bytes; 0 means DefaultDataBlockTimeout. Then: 421 4.4.2 and close
	DataTermination  time.Duration // end of data to reply (commit); 0 means DefaultDataTermination. Then: 451 4.3.0
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
	c.MaxLineLength = orDefault(c.MaxLineLength, DefaultMaxLineLength)
	c.MaxRecipients = orDefault(c.MaxRecipients, DefaultMaxRecipients)
	c.CommandTimeout = orDefault(c.CommandTimeout, DefaultCommandTimeout)
	c.DataBlockTimeout = orDefault(c.DataBlockTimeout, DefaultDataBlockTimeout)
	c.DataTermination = orDefault(c.DataTermination, DefaultDataTermination)
	return c
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
