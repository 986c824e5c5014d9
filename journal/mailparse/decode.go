package mailparse

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// wordDecoder decodes RFC 2047 encoded-words in any charset x/text knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// lookupCharset finds an encoding by its MIME or WHATWG name; nil when unknown.
func lookupCharset(name string) encoding.Encoding {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if name == "" {
		return nil
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return e
	}
	return nil
}

// charsetReader implements mime.WordDecoder.CharsetReader.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	e := lookupCharset(charset)
	if e == nil {
		return nil, fmt.Errorf("mailparse: unknown charset %q", charset)
	}
	return e.NewDecoder().Reader(input), nil
}

// rawText turns raw header bytes into a string: UTF-8 when the bytes are
// valid UTF-8, else Windows-1252 (which maps every byte).
func rawText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// DecodeHeader decodes one (possibly folded) header field value: it unfolds
// CRLF/LF/CR line breaks (RFC 5322 §2.2.3), reads raw 8-bit bytes as UTF-8
// when valid and otherwise as Windows-1252, decodes RFC 2047 encoded-words
// (charsets through golang.org/x/text; words in unknown charsets stay as
// written), removes NUL bytes and trims surrounding white space.
func DecodeHeader(s []byte) string {
	t := rawText(unfold(s))
	if strings.Contains(t, "=?") {
		if d, err := wordDecoder.DecodeHeader(t); err == nil {
			t = d
		} else {
			t = decodeWordsLeniently(t)
		}
	}
	t = strings.ReplaceAll(t, "\x00", "")
	return strings.TrimSpace(t)
}

// decodeWordsLeniently decodes each encoded-word on its own, leaving the
// ones that fail (unknown charset, bad base64) as written.
func decodeWordsLeniently(t string) string {
	fields := strings.Fields(t)
	var b strings.Builder
	prevEncoded := false
	for i, f := range fields {
		d, err := wordDecoder.Decode(f)
		encoded := err == nil
		if !encoded {
			d = f
		}
		if i > 0 && !(encoded && prevEncoded) {
			b.WriteByte(' ')
		}
		b.WriteString(d)
		prevEncoded = encoded
	}
	return b.String()
}

// unfold removes the line breaks of a folded header value; the white space
// that follows each break is kept (RFC 5322 §2.2.3).
func unfold(s []byte) []byte {
	if bytes.IndexAny(s, "\r\n") < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for _, c := range s {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}
