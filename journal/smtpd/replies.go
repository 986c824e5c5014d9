package smtpd

import (
	"errors"
	"fmt"

	smtp "github.com/archiver/archiver/journal/smtpd/internal/gosmtp"

	"github.com/archiver/archiver/journal"
)

// errOversize marks a message over Config.MaxSize detected by the session.
var errOversize = errors.New("smtpd: message over size limit")

// reply maps a delivery failure to its SMTP reply. It never returns a 5xx:
// every cause here is transient for the MTA (RFC 5321 §4.2.5).
func reply(err error) *smtp.SMTPError {
	switch {
	case errors.Is(err, errOversize), errors.Is(err, journal.ErrTooLarge):
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 4},
			Message: "Message too big for the archive; alarm raised, raise the limit and retry"}
	case errors.Is(err, journal.ErrLowSpace):
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
			Message: "Archive disk below free-space watermark, try again later"}
	default:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Archive journal could not store the message, try again later"}
	}
}

var (
	errNeedTLS = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0},
		Message: "Must issue a STARTTLS command first"}
	errNoRecipients = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1},
		Message: "Need RCPT before DATA"}
)

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
