package mailparse

import (
	"io"
	"strings"
	"time"
)

// Summary is the best-effort header summary of one message. Its fields,
// order and types match journal.Summary exactly, so journal converts with
// journal.Summary(s).
type Summary struct {
	Date        time.Time // Date header (RFC 5322 §3.6.1) in UTC; zero when missing or unparseable
	DateRaw     string    // the Date header as written (decoded, trimmed)
	From        string    // decoded header text (see DecodeHeader)
	To          string    // decoded header text
	Cc          string    // decoded header text
	Subject     string    // decoded header text
	MessageID   string    // Message-ID (RFC 5322 §3.6.4) without angle brackets
	Attachments []string  // decoded file names, in MIME order
}

// Summarize reads one raw message from r to EOF and returns its summary.
// It streams: at most MaxHeaderBytes of each header block is examined and
// bodies are discarded as they are read, so memory stays bounded for a
// message of any size. It never fails and never panics; what cannot be
// read is left empty. Read errors from r end the summary early.
func Summarize(r io.Reader) Summary { return summarize(r, nil) }

// summarize is Summarize calling onPanic (when not nil) with every panic
// it recovers from: the fuzz and corpus tests see them, production
// ignores them.
func summarize(r io.Reader, onPanic func(any)) (s Summary) {
	defer func() {
		if p := recover(); p != nil {
			if onPanic != nil {
				onPanic(p)
			}
			s.Attachments = nil // keep the header fields found so far
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	br := getReader(r)
	defer putReader(br) // runs before the drain above; s holds only copies
	h := readHeader(br, MaxHeaderBytes)
	s = summaryOf(h)
	s.Attachments = attachments(h, br)
	return s
}

// summaryOf decodes the header fields a Summary holds.
func summaryOf(h header) Summary {
	var s Summary
	text := func(name string) string {
		v, _ := h.get(name)
		return DecodeHeader(v)
	}
	s.DateRaw = text("date")
	s.Date = parseDate(s.DateRaw)
	s.From = text("from")
	s.To = text("to")
	s.Cc = text("cc")
	s.Subject = text("subject")
	s.MessageID = messageID(text("message-id"))
	return s
}

// messageID returns the first <...> token without its brackets, or the
// trimmed value when it has none.
func messageID(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
		return strings.TrimSpace(v[i+1:])
	}
	return strings.TrimSpace(v)
}
