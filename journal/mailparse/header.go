package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
)

// MaxHeaderBytes caps how much of a header block (or a MIME part's header)
// is examined, in bytes. Bytes beyond it are skipped, never buffered.
const MaxHeaderBytes = 4 << 20

// header is a parsed header block: the fields in order, names lower-cased,
// values raw (folded, undecoded). Only fields in wanted are kept.
type header []field

type field struct {
	name  string // lower case
	value []byte // raw value after the colon, line breaks included
}

// get returns the raw value of the first field named name (lower case).
func (h header) get(name string) ([]byte, bool) {
	for _, f := range h {
		if f.name == name {
			return f.value, true
		}
	}
	return nil, false
}

// wanted lists the fields summaries and reports need; others are dropped
// as they are read, so memory stays at the size of these fields.
var wanted = map[string]bool{
	"date": true, "from": true, "to": true, "cc": true, "subject": true,
	"message-id": true, "content-type": true, "content-disposition": true,
	"content-transfer-encoding": true, "x-ms-journal-report": true,
}

// readHeader reads a header block from br up to and including the empty
// line that ends it, at most limit bytes of it. A leading mbox "From " line
// is skipped. Reading stops at the first line that is neither a field nor a
// continuation; that line is consumed and lost (it is body, which the
// callers only skim). Input with no header block gives an empty header.
func readHeader(br *bufio.Reader, limit int) (h header) {
	budget := limit
	first := true
	keep := false
	for {
		line, eof := readLine(br, &budget)
		if first && bytes.HasPrefix(line, []byte("From ")) {
			first = false
			continue
		}
		first = false
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			return h // the empty line ends the header block
		}
		if content[0] == ' ' || content[0] == '\t' {
			if keep && len(h) > 0 {
				h[len(h)-1].value = append(h[len(h)-1].value, line...)
			}
		} else if name, value, ok := splitField(line); ok {
			keep = wanted[name]
			if keep {
				h = append(h, field{name: name, value: append([]byte(nil), value...)})
			}
		} else {
			return h // not a header line: the body starts here
		}
		if eof || budget <= 0 {
			return h
		}
	}
}

// splitField splits "Name: value" into the lower-cased name and the raw
// value. Names are printable ASCII without colon (RFC 5322 §2.2); white
// space before the colon (obsolete syntax, §4.5) is tolerated.
func splitField(line []byte) (string, []byte, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", nil, false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", nil, false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return "", nil, false
		}
	}
	return strings.ToLower(string(name)), line[i+1:], true
}

// readLine returns the next line including its "\n", consuming at most
// *budget bytes into the result; the rest of an over-long line is skipped.
// eof is true when the input ended (the line may then be partial or empty).
func readLine(br *bufio.Reader, budget *int) (line []byte, eof bool) {
	for {
		chunk, err := br.ReadSlice('\n')
		if n := min(len(chunk), max(*budget, 0)); n > 0 {
			line = append(line, chunk[:n]...)
		}
		*budget -= len(chunk)
		switch {
		case err == nil:
			return line, false
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, true
		}
	}
}
