package backfill

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
)

// ErrNotMbox: SplitMbox input does not begin with a "From " line (after
// an optional UTF-8 byte order mark).
var ErrNotMbox = errors.New("backfill: not an mbox (no leading \"From \" line)")

// maxContentLength: larger Content-Length values are ignored (bytes), so a
// bogus header cannot make the splitter buffer the rest of a huge file.
const maxContentLength = 1 << 30

var bom = []byte("\xEF\xBB\xBF")

// SplitMbox splits an mbox (mboxrd or mboxo; RFC 4155 and docs/ingest.md)
// into messages and calls fn with each message's bytes and the byte offset
// of its "From " separator line in r. It streams: at most one message is
// held in memory. msg is only valid during the call.
//
//   - A message starts after a "From " separator line, which is not part of
//     it. A separator is a "From " line that looks like a postmark ("From
//     SENDER DATE", "From -", "From x@y") and follows a blank line, or one
//     carrying a full date or "From -" anywhere; "From Russia with love"
//     after a blank line is body text.
//   - The blank line before a separator (and at the end of the file)
//     belongs to the mbox format and is removed from the message.
//   - A Content-Length header is honoured when it points exactly at a
//     separator, a blank line and a separator, a blank line and EOF, or EOF;
//     otherwise it is ignored.
//   - In every message line matching ^>+From one '>' is removed (mboxrd
//     unescaping; applied to mboxo too, which cannot be told apart).
//
// fn's error stops the split and is returned.
func SplitMbox(r io.Reader, fn func(msg []byte, offset int64) error) error {
	sp := &splitter{br: bufio.NewReaderSize(r, 64<<10), fn: fn}
	return sp.run()
}

type splitter struct {
	br  *bufio.Reader
	fn  func([]byte, int64) error
	off int64 // bytes consumed from the input so far

	msg      []byte // current message, unescaped
	start    int64  // offset of the current separator
	inHeader bool
	clen     int64 // Content-Length of the current message, -1 none
	clDone   bool  // the body was taken by a consistent Content-Length
}

func (sp *splitter) run() error {
	if b, _ := sp.br.Peek(3); bytes.Equal(b, bom) {
		sp.br.Discard(3)
		sp.off = 3
	}
	first, err := sp.line()
	if !isFromLine(first) {
		if len(first) == 0 && err != nil {
			return nil // empty input: no messages
		}
		return ErrNotMbox
	}
	sp.begin(sp.off - int64(len(first)))
	prevBlank := false
	for err == nil {
		var l []byte
		l, err = sp.line()
		if len(l) == 0 {
			break
		}
		if isSeparator(l, prevBlank) || (sp.clDone && isFromLine(l)) {
			if err := sp.emit(prevBlank); err != nil {
				return err
			}
			sp.begin(sp.off - int64(len(l)))
			prevBlank = false
			continue
		}
		prevBlank = isBlank(l)
		if sp.add(l) {
			prevBlank = false // the body ended exactly before a separator
		}
	}
	if err != nil && err != io.EOF {
		return err
	}
	return sp.emit(prevBlank)
}

// begin starts a new message whose separator began at offset.
func (sp *splitter) begin(offset int64) {
	sp.msg, sp.start, sp.inHeader, sp.clen, sp.clDone = sp.msg[:0], offset, true, -1, false
}

// emit hands the current message to fn, minus the trailing blank line
// when stripBlank.
func (sp *splitter) emit(stripBlank bool) error {
	m := sp.msg
	if stripBlank {
		m = trimBlankLine(m)
	}
	return sp.fn(m, sp.start)
}

// add appends one line of the current message; at the end of its header
// block it applies a consistent Content-Length and reports whether it did.
func (sp *splitter) add(l []byte) (tookBody bool) {
	sp.msg = append(sp.msg, unescape(l)...)
	if !sp.inHeader {
		return false
	}
	if isBlank(l) {
		sp.inHeader = false
		return sp.clen >= 0 && sp.takeBody(sp.clen)
	}
	if n, ok := contentLength(l); ok {
		sp.clen = n
	}
	return false
}

// takeBody reads n body bytes when they end exactly where a message must
// end; otherwise it leaves the input as it was and returns false.
func (sp *splitter) takeBody(n int64) bool {
	if n > maxContentLength {
		return false
	}
	body := make([]byte, n)
	k, err := io.ReadFull(sp.br, body)
	body = body[:k]
	if err == nil && sp.endsHere(n == 0 || body[n-1] == '\n') {
		sp.off += n
		for len(body) > 0 {
			i := bytes.IndexByte(body, '\n') + 1
			if i == 0 {
				i = len(body)
			}
			sp.msg = append(sp.msg, unescape(body[:i])...)
			body = body[i:]
		}
		sp.clDone = true
		return true
	}
	// Inconsistent: push the bytes back in front of the rest of the input.
	sp.br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(body), sp.br), 64<<10)
	return false
}

// endsHere reports whether the input continues with EOF, a separator (only
// at a line start: lineStart says the body ended with LF), or a blank line
// followed by a separator or EOF.
func (sp *splitter) endsHere(lineStart bool) bool {
	b, _ := sp.br.Peek(1024)
	if len(b) == 0 {
		return true
	}
	if bytes.HasPrefix(b, []byte("From ")) {
		return lineStart
	}
	for _, nl := range []string{"\n", "\r\n"} {
		if rest, ok := bytes.CutPrefix(b, []byte(nl)); ok {
			return len(rest) == 0 || bytes.HasPrefix(rest, []byte("From "))
		}
	}
	return false
}

// line reads one line including its "\n" (any length).
func (sp *splitter) line() ([]byte, error) {
	l, err := sp.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), l...)
		for errors.Is(err, bufio.ErrBufferFull) {
			l, err = sp.br.ReadSlice('\n')
			long = append(long, l...)
		}
		l = long
	}
	sp.off += int64(len(l))
	return l, err
}

var (
	postmarkDate = regexp.MustCompile(`\d{1,2}:\d{2}.*\b\d{4}\b|\b\d{4}\b.*\d{1,2}:\d{2}`)
	fromPrefix   = []byte("From ")
	escapedFrom  = regexp.MustCompile(`^>+From `)
)

func isFromLine(l []byte) bool { return bytes.HasPrefix(l, fromPrefix) }

// isSeparator decides whether a "From " line starts a new message.
func isSeparator(l []byte, prevBlank bool) bool {
	if !isFromLine(l) {
		return false
	}
	fields := bytes.Fields(l[len(fromPrefix):])
	if len(fields) == 0 {
		return false
	}
	strong := string(fields[0]) == "-" || postmarkDate.Match(l)
	weak := bytes.IndexByte(fields[0], '@') > 0 || string(fields[0]) == "MAILER-DAEMON"
	return strong || (prevBlank && weak)
}

func isBlank(l []byte) bool { return string(l) == "\n" || string(l) == "\r\n" }

// trimBlankLine removes one trailing blank line ("\n" or "\r\n") that
// follows a complete line.
func trimBlankLine(m []byte) []byte {
	for _, nl := range []string{"\r\n", "\n"} {
		if bytes.HasSuffix(m, []byte(nl)) {
			rest := m[:len(m)-len(nl)]
			if len(rest) == 0 || rest[len(rest)-1] == '\n' {
				return rest
			}
		}
	}
	return m
}

// unescape removes one '>' from a line matching ^>+From (mboxrd).
func unescape(l []byte) []byte {
	if len(l) > 0 && l[0] == '>' && escapedFrom.Match(l) {
		return l[1:]
	}
	return l
}

// contentLength parses a "Content-Length: N" header line.
func contentLength(l []byte) (int64, bool) {
	name, value, ok := bytes.Cut(l, []byte(":"))
	if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
	return n, err == nil && n >= 0
}
