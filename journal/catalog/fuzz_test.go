package catalog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBodyText: any input gives valid UTF-8 within the limit, never a panic.
func FuzzBodyText(f *testing.F) {
	seeds := []string{
		"", "\r\n\r\n", "Subject: x\r\n\r\nbody",
		"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n--C\r\nContent-Type: text/html\r\n\r\n<p>x&amp;</p>\r\n--C--\r\n--B--\r\n",
		"Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: base64\r\n\r\nGyRCJUYlOSVIGyhC\r\n",
		"Content-Type: text/html\r\n\r\n<script>unterminated",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
		"\xff\xfe\x00binary",
	}
	for _, s := range seeds {
		f.Add([]byte(s), 64)
	}
	f.Fuzz(func(t *testing.T, raw []byte, limit int) {
		if limit > 1<<16 {
			limit = 1 << 16
		}
		text, names := extract(strings.NewReader(string(raw)), limit)
		max := limit
		if max <= 0 {
			max = DefaultTextLimit
		}
		// ToValidUTF8 may grow an invalid byte into U+FFFD (3 bytes)
		if len(text) > 3*max || !utf8.ValidString(text) {
			t.Fatalf("extract(limit %d) = %d bytes, valid %v", limit, len(text), utf8.ValidString(text))
		}
		if len(names) > maxNames {
			t.Fatalf("%d names", len(names))
		}
	})
}
