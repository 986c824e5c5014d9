package catalog

import (
	"bufio"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charsets via golang.org/x/text
)

// DefaultTextLimit caps the text BodyText extracts per message: 1 MiB.
const DefaultTextLimit = 1 << 20 // bytes

// maxDepth bounds nesting of multipart and message/rfc822 parts.
const maxDepth = 16

// BodyText extracts the searchable text of a raw RFC 5322 message, reading
// r once, in a stream: text/plain parts and text/html parts reduced to text
// (RFC 2045 transfer encodings and RFC 2046 charsets decoded), recursing
// into multipart/* and message/rfc822 parts (the original inside a journal
// report; its Subject, From, To and Cc headers are included). Parts with
// Content-Disposition attachment are skipped except when they are text.
// The result holds at most limit bytes of UTF-8 (limit <= 0 means
// DefaultTextLimit). It never fails: whatever cannot be parsed is skipped,
// and a message with no parsable header block is read as plain text.
func BodyText(r io.Reader, limit int) string {
	text, _ := extract(r, limit)
	return text
}

// maxNames bounds the attachment names kept per message.
const maxNames = 1000

// extract is BodyText that also returns the attachment file names it saw
// (Content-Disposition filename, else Content-Type name; RFC 2231 and
// RFC 2047 decoded), at most maxNames.
func extract(r io.Reader, limit int) (string, []string) {
	if limit <= 0 {
		limit = DefaultTextLimit
	}
	w := &capWriter{limit: limit}
	br := bufio.NewReaderSize(r, 64<<10)
	if !startsWithHeader(br) {
		io.Copy(w, io.LimitReader(br, int64(limit)*4))
		return w.String(), nil
	}
	ent, err := message.Read(br)
	if ent == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
		io.Copy(w, io.LimitReader(br, int64(limit)*4))
		return w.String(), nil
	}
	walk(ent, w, 0)
	return w.String(), w.names
}

// partName returns a part's file name, "" when it has none.
func partName(e *message.Entity) string {
	if _, p, err := e.Header.ContentDisposition(); err == nil && p["filename"] != "" {
		return p["filename"]
	}
	if _, p, err := e.Header.ContentType(); err == nil {
		return p["name"]
	}
	return ""
}

func walk(e *message.Entity, w *capWriter, depth int) {
	if depth > maxDepth || w.full() {
		return
	}
	if n := partName(e); n != "" && len(w.names) < maxNames {
		w.names = append(w.names, n)
	}
	t, _, err := mime.ParseMediaType(e.Header.Get("Content-Type"))
	if err != nil || t == "" {
		t = "text/plain"
	}
	t = strings.ToLower(t)
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if p == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
				return
			}
			walk(p, w, depth+1)
			if w.full() {
				return
			}
		}
	}
	switch {
	case t == "message/rfc822" || t == "message/global":
		inner, err := message.Read(e.Body)
		if inner == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
			return
		}
		for _, h := range []string{"Subject", "From", "To", "Cc"} {
			if v, err := inner.Header.Text(h); err == nil && v != "" {
				w.WriteString(v + "\n")
			}
		}
		walk(inner, w, depth+1)
	case t == "text/html":
		htmlToText(e.Body, w)
	case strings.HasPrefix(t, "text/"):
		io.Copy(w, e.Body)
		w.WriteString("\n")
	}
}

// capWriter keeps the first limit bytes written and then discards; it
// never returns an error, so copies run to the end of their reader only
// until full, when it reports a short write to stop them.
type capWriter struct {
	b     strings.Builder
	limit int
	names []string // attachment file names seen
}

func (c *capWriter) full() bool { return c.b.Len() >= c.limit }

func (c *capWriter) Write(p []byte) (int, error) {
	if c.full() {
		return 0, io.ErrShortWrite
	}
	if room := c.limit - c.b.Len(); len(p) > room {
		p = p[:room]
	}
	c.b.Write(p)
	return len(p), nil
}

func (c *capWriter) WriteString(s string) { c.Write([]byte(s)) }

func (c *capWriter) String() string { return strings.ToValidUTF8(c.b.String(), "\uFFFD") }

// reHeaderStart is an RFC 5322 §2.2 header field name and colon.
var reHeaderStart = regexp.MustCompile(`^[!-9;-~]+[ \t]*:`)

// startsWithHeader reports whether the message begins with a header field
// (or an empty header block), peeking without consuming.
func startsWithHeader(br *bufio.Reader) bool {
	b, _ := br.Peek(1000)
	if len(b) == 0 || b[0] == '\r' || b[0] == '\n' {
		return true
	}
	return reHeaderStart.Match(b)
}
