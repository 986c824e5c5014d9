package smtpd

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestRegressionDotBareCRKeepsCR: the copied go-smtp reader dropped the CR
// after a stuffed dot, storing "\r\n.\ra\r" as "\r\na\r" (issue 11, found
// by fuzzing against RFC 5321 §4.5.2). Only the dot goes.
func TestRegressionDotBareCRKeepsCR(t *testing.T) {
	addr, j, _ := start(t, journal.Options{}, Config{})
	c := hello(t, addr, "EHLO")
	for _, tc := range []struct{ sent, want string }{
		{"Subject: a\r\n\r\nx\r\n.\ra\r\n.\r\n", "Subject: a\r\n\r\nx\r\n\ra\r\n"},
		{"Subject: b\r\n\r\n.\r.\r\n.\r\n", "Subject: b\r\n\r\n\r.\r\n"},
	} {
		if r := c.send("a@x.example", []string{"b@y.example"}, tc.sent); !strings.HasPrefix(r, "250") {
			t.Fatalf("%q: %s", tc.sent, r)
		}
		if _, ok := journaltest.Bodies(t, j)[sha256.Sum256([]byte(tc.want))]; !ok {
			t.Errorf("%q not stored as %q", tc.sent, tc.want)
		}
	}
}
