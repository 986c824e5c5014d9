package journal

import (
	"bufio"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
)

// originalSummary returns the header summary of the original embedded in
// an Exchange envelope journal report (its first message/rfc822 part, RFC
// 2046 §5.2.1), so that a report is found by the original's From, Subject,
// Date and Message-ID rather than by the journaling mailbox's. ok is false
// when no such part can be read; the report's own summary is kept then.
func originalSummary(r io.Reader, summarize func(io.Reader) Summary) (s Summary, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	m, err := mail.ReadMessage(bufio.NewReaderSize(r, 16<<10))
	if err != nil {
		return s, false
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return s, false
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return s, false
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "message/rfc822" {
			return summarize(p), true
		}
	}
}
