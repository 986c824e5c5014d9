package smtpd

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestRegressionCRCRLFEndsData: upstream go-smtp v0.26 missed the end of
// DATA after a line ending "\r\r\n" (found by the corpus smtplib test: the
// client hung) and kept the stuffed dot of a line after "\r\r\n".
func TestRegressionCRCRLFEndsData(t *testing.T) {
	addr, j, _ := start(t, journal.Options{}, Config{})
	c := hello(t, addr, "EHLO")
	for _, msg := range []string{
		"Subject: a\r\n\r\nlast line\r\r\n",
		"Subject: b\r\n\r\nx\r\r\n.stuffed\r\n",
		"Subject: c\r\n\r\n.\r\r\nafter dot-CR-CR-LF\r\n",
	} {
		stuffed := strings.ReplaceAll(msg, "\n.", "\n..")
		if r := c.send("a@x.example", []string{"b@y.example"}, stuffed+".\r\n"); !strings.HasPrefix(r, "250") {
			t.Fatalf("%q: %s", msg, r)
		}
		if _, ok := journaltest.Bodies(t, j)[sha256.Sum256([]byte(msg))]; !ok {
			t.Errorf("%q not stored byte-exact", msg)
		}
	}
}
