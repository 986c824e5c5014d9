package smtpd

import (
	"errors"
	"fmt"

	"github.com/archiver/archiver/journal"
)

// errOversize marks a message over Config.MaxSize detected by the session.
var errOversize = errors.New("smtpd: message over size limit")

// reply maps a delivery failure to its SMTP reply. It never returns a 5xx:
// every cause here is transient for the MTA (RFC 5321 §4.2.5).
func reply(err error) *Reply {
	switch {
	case errors.Is(err, errOversize), errors.Is(err, journal.ErrTooLarge):
		return &Reply{Code: 452, Enhanced: "4.3.4",
			Text: "Message too big for the archive; alarm raised, raise the limit and retry"}
	case errors.Is(err, journal.ErrLowSpace):
		return &Reply{Code: 452, Enhanced: "4.3.1",
			Text: "Archive disk below free-space watermark, try again later"}
	default:
		return &Reply{Code: 451, Enhanced: "4.3.0",
			Text: "Archive journal could not store the message, try again later"}
	}
}

// asReply returns err's Reply if it is one, else the delivery failure's.
func asReply(err error) *Reply {
	var r *Reply
	if errors.As(err, &r) {
		return r
	}
	return reply(err)
}

// Replies to commands (RFC 5321 §4.2.2, §4.3.2; enhanced codes RFC 3463).
var (
	replyOK         = &Reply{Code: 250, Enhanced: "2.0.0", Text: "OK"}
	replyStored     = &Reply{Code: 250, Enhanced: "2.0.0", Text: "Stored in the archive journal"}
	replySender     = &Reply{Code: 250, Enhanced: "2.1.0", Text: "Sender OK"}
	replyRecipient  = &Reply{Code: 250, Enhanced: "2.1.5", Text: "Recipient OK"}
	replyStartData  = &Reply{Code: 354, Text: "Start mail input; end with <CRLF>.<CRLF>"}
	replyStartTLS   = &Reply{Code: 220, Enhanced: "2.0.0", Text: "Ready to start TLS"}
	replyVRFY       = &Reply{Code: 252, Enhanced: "2.5.0", Text: "Cannot VRFY user, but will accept message"}
	replyHelp       = &Reply{Code: 214, Enhanced: "2.0.0", Text: "This is an archive journal; see RFC 5321"}
	errNeedTLS      = &Reply{Code: 530, Enhanced: "5.7.0", Text: "Must issue a STARTTLS command first"}
	errNoRecipients = &Reply{Code: 503, Enhanced: "5.5.1", Text: "Need RCPT before DATA"}
	errNoMail       = &Reply{Code: 503, Enhanced: "5.5.1", Text: "Need MAIL before RCPT"}
	errNestedMail   = &Reply{Code: 503, Enhanced: "5.5.1", Text: "Nested MAIL command: send RSET first"}
	errMixedBody    = &Reply{Code: 503, Enhanced: "5.5.1", Text: "DATA and BDAT cannot be mixed in one transaction"}
	errTLSActive    = &Reply{Code: 503, Enhanced: "5.5.1", Text: "TLS already active"}
	errNoTLS        = &Reply{Code: 502, Enhanced: "5.5.1", Text: "STARTTLS not available"}
	errUnknown      = &Reply{Code: 500, Enhanced: "5.5.2", Text: "Command not recognized"}
	errNotImpl      = &Reply{Code: 502, Enhanced: "5.5.1", Text: "Command not implemented"}
	errTooManyRcpts = &Reply{Code: 452, Enhanced: "4.5.3", Text: "Too many recipients; send the rest in another transaction"}
	errBadBDAT      = &Reply{Code: 501, Enhanced: "5.5.4", Text: "Syntax: BDAT <size> [LAST]; closing connection"}
	errTimeout      = &Reply{Code: 421, Enhanced: "4.4.2", Text: "Timeout waiting for the client; closing connection"}
	errShutdown     = &Reply{Code: 421, Enhanced: "4.3.2", Text: "Service shutting down; try again later"}
)

// syntaxError is a 501 5.5.4 naming what is wrong (RFC 5321 §4.2.2).
func syntaxError(format string, args ...any) *Reply {
	return &Reply{Code: 501, Enhanced: "5.5.4", Text: fmt.Sprintf(format, args...)}
}

// oversizeAlarm builds the alarm for a message of size bytes over limit.
func oversizeAlarm(size, limit int64, declared bool, env journal.Envelope) journal.Alarm {
	what := "received"
	if declared {
		what = "declared (MAIL SIZE=)"
	}
	return journal.Alarm{Kind: "oversize", Message: fmt.Sprintf(
		"message of %d bytes %s over the %d-byte limit from %s (MAIL FROM <%s>); answered 452 4.3.4, the MTA keeps it queued",
		size, what, limit, env.ClientAddr, env.MailFrom)}
}
