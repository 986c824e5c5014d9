package smtpd

import (
	"bufio"
	"strconv"
	"strings"
)

// Reply is one SMTP reply (RFC 5321 §4.2): a three-digit code, an enhanced
// status code (RFC 3463, announced as ENHANCEDSTATUSCODES, RFC 2034) and
// text. It is also the error the session returns to refuse a command.
type Reply struct {
	Code     int    // 2xx, 3xx, 4xx (transient) or 5xx (permanent)
	Enhanced string // "class.subject.detail", e.g. "4.3.0"; "" for none (greeting, EHLO)
	Text     string // one line per "\n"
}

func (r *Reply) Error() string {
	return strconv.Itoa(r.Code) + " " + r.Enhanced + " " + r.Text
}

// writeTo formats r on w: "code-" on every line but the last, "code " on
// the last, the enhanced code after each (RFC 2034 §3), CRLF line ends.
func (r *Reply) writeTo(w *bufio.Writer) {
	lines := strings.Split(r.Text, "\n")
	for i, l := range lines {
		w.WriteString(strconv.Itoa(r.Code))
		if i < len(lines)-1 {
			w.WriteByte('-')
		} else {
			w.WriteByte(' ')
		}
		if r.Enhanced != "" {
			w.WriteString(r.Enhanced)
			w.WriteByte(' ')
		}
		w.WriteString(l)
		w.WriteString("\r\n")
	}
}

// transient reports whether the reply leaves the message with the client
// to retry later (4xx).
func (r *Reply) transient() bool { return r.Code >= 400 && r.Code < 500 }
