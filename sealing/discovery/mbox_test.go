package discovery

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteMboxrd(t *testing.T) {
	when := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct{ sender, msg, want string }{
		{"a@x", "Subject: s\n\nFrom me\n>From you\n>>From them\nFromage\n",
			"From a@x Mon Nov  2 10:00:00 2026\nSubject: s\n\n>From me\n>>From you\n>>>From them\nFromage\n\n"},
		{"", "no final newline", "From MAILER-DAEMON Mon Nov  2 10:00:00 2026\nno final newline\n\n"},
		{"evil sender\n@x", "x\r\n", "From evil_sender_@x Mon Nov  2 10:00:00 2026\nx\r\n\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := writeMboxrd(&b, c.sender, when, strings.NewReader(c.msg)); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("writeMboxrd(%q, %q) =\n%q\nwant\n%q", c.sender, c.msg, b.String(), c.want)
		}
	}
}
