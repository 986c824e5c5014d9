package postfixtest

import (
	"regexp"
	"strconv"
	"strings"
)

// Log is an instance's parsed maillog: what Postfix says happened to each
// queued message.
type Log struct {
	Raw      string              // the whole file
	Messages map[string]*Message // by queue ID
}

// Message is what the log says about one queue ID.
type Message struct {
	QueueID   string
	MessageID string // cleanup's message-id=, without angle brackets
	From      string // qmgr's from=, the envelope sender
	// Size is qmgr's size=: the queued message's length in bytes as it is
	// relayed, Postfix's own headers included and every line end counted
	// as CRLF (RFC 1870's count). -1 until qmgr logged it.
	Size     int64
	Attempts []Attempt // delivery attempts in log order
	Removed  bool      // qmgr removed it: every recipient is done
}

// Attempt is one delivery attempt to one recipient (a "to=" line).
type Attempt struct {
	Program string // the delivery agent: smtp, lmtp, discard, error, bounce…
	To      string // recipient, without angle brackets
	Relay   string // e.g. "127.0.0.1[127.0.0.1]:2525", or "none"
	DSN     string // e.g. "2.0.0", "4.4.1", "5.3.4"
	Status  string // sent, deferred, bounced, expired, undeliverable
	Reason  string // the text in parentheses after status
	Line    string // the whole log line
}

// Reply returns the remote server's reply quoted in Reason ("host X said:
// REPLY (in reply to …)"), or Reason itself for a "250 …" success, or ""
// when the reason is Postfix's own (connection refused, a size check).
func (a Attempt) Reply() string {
	if _, r, ok := strings.Cut(a.Reason, " said: "); ok {
		if i := strings.LastIndex(r, " (in reply to "); i >= 0 {
			r = r[:i]
		}
		return r
	}
	if len(a.Reason) >= 4 && a.Reason[3] == ' ' {
		if _, err := strconv.Atoi(a.Reason[:3]); err == nil {
			return a.Reason
		}
	}
	return ""
}

// logLine matches "Mon DD HH:MM:SS host postfix/PROG[PID]: QUEUEID: TEXT".
var logLine = regexp.MustCompile(`^\S+ +\S+ \S+ \S+ [^/\s]+/([\w/-]+)\[\d+\]: ([0-9A-F]{6,}): (.*)$`)

// ParseLog reads Postfix log lines (syslog format, as maillog_file writes
// them). Lines without a queue ID are kept only in Raw.
func ParseLog(b []byte) *Log {
	l := &Log{Raw: string(b), Messages: map[string]*Message{}}
	for _, line := range strings.Split(l.Raw, "\n") {
		m := logLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		prog, qid, text := m[1], m[2], m[3]
		if i := strings.LastIndexByte(prog, '/'); i >= 0 {
			prog = prog[i+1:]
		}
		msg := l.Messages[qid]
		if msg == nil {
			msg = &Message{QueueID: qid, Size: -1}
			l.Messages[qid] = msg
		}
		switch {
		case strings.HasPrefix(text, "message-id="):
			msg.MessageID = strings.Trim(strings.TrimPrefix(text, "message-id="), "<>")
		case strings.HasPrefix(text, "from=<") && strings.Contains(text, ", size="):
			msg.From = between(text, "from=<", ">, ")
			if n, err := strconv.ParseInt(between(text, ", size=", ","), 10, 64); err == nil {
				msg.Size = n
			}
		case strings.HasPrefix(text, "to=<") && strings.Contains(text, ", status="):
			a := Attempt{Program: prog, Line: line, To: between(text, "to=<", ">, "),
				Relay: between(text, ", relay=", ", "), DSN: between(text, ", dsn=", ", ")}
			_, st, _ := strings.Cut(text, ", status=")
			a.Status, a.Reason, _ = strings.Cut(st, " ")
			a.Reason = strings.TrimSuffix(strings.TrimPrefix(a.Reason, "("), ")")
			msg.Attempts = append(msg.Attempts, a)
		case text == "removed":
			msg.Removed = true
		}
	}
	return l
}

// ByMessageID returns the queued messages whose Message-ID is id, in no
// particular order.
func (l *Log) ByMessageID(id string) []*Message {
	var out []*Message
	for _, m := range l.Messages {
		if m.MessageID == id {
			out = append(out, m)
		}
	}
	return out
}

// between returns the text after the first start and before the next end
// (or the end of s).
func between(s, start, end string) string {
	_, s, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	if i := strings.Index(s, end); i >= 0 {
		return s[:i]
	}
	return s
}
