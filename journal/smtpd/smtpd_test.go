package smtpd

import (
	"crypto/sha256"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestSmugglingVectorsStayInMessage: only <CRLF>.<CRLF> ends DATA; bare
// "\n.\n" and "\r.\r" are message content (RFC 5321 §4.1.1.4).
func TestSmugglingVectorsStayInMessage(t *testing.T) {
	addr, j, _ := start(t, journal.Options{}, Config{})
	c := hello(t, addr, "EHLO")
	msg := "Subject: smuggle\r\n\r\na\n.\nMAIL FROM:<evil@x>\nb\r.\rc\r\n..dot\r\n"
	if r := c.send("a@x.example", []string{"b@y.example"}, msg+".\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("DATA end: %s", r)
	}
	want := "Subject: smuggle\r\n\r\na\n.\nMAIL FROM:<evil@x>\nb\r.\rc\r\n.dot\r\n"
	got := journaltest.Bodies(t, j)
	if len(got) != 1 {
		t.Fatalf("%d messages stored, want 1", len(got))
	}
	if _, ok := got[sha256.Sum256([]byte(want))]; !ok {
		t.Errorf("stored bytes differ from %q", want)
	}
}

// TestCommitFailureAnswers451ThenRetrySucceeds: a failing commit gives a
// 4xx, never 250; the MTA's retry is stored and is not a duplicate.
func TestCommitFailureAnswers451ThenRetrySucceeds(t *testing.T) {
	var n atomic.Int32
	fail := func() error {
		if n.Add(1) == 1 {
			return errors.New("injected disk failure")
		}
		return nil
	}
	addr, j, rs := start(t, journal.Options{FailCommit: fail}, Config{})
	c := hello(t, addr, "EHLO")
	msg := "Subject: retry\r\n\r\nbody\r\n.\r\n"
	if r := c.send("a@x.example", []string{"b@y.example"}, msg); !strings.HasPrefix(r, "451 4.3.0") {
		t.Fatalf("first attempt: %q, want 451 4.3.0", r)
	}
	if r := c.send("a@x.example", []string{"b@y.example"}, msg); !strings.HasPrefix(r, "250") {
		t.Fatalf("retry: %q, want 250", r)
	}
	if len(rs.stored) != 1 || len(rs.stored[0]) != 1 || rs.stored[0][0].Duplicate {
		t.Errorf("retry stored %+v, want one new (non-duplicate) message", rs.stored)
	}
	if got := journaltest.Bodies(t, j); len(got) != 1 {
		t.Errorf("%d messages in journal, want 1", len(got))
	}
}

func TestOversizeAnswers452AndRaisesAlarm(t *testing.T) {
	addr, j, rs := start(t, journal.Options{}, Config{MaxSize: 1000})
	c := hello(t, addr, "EHLO")
	big := "Subject: big\r\n\r\n" + strings.Repeat("x", 4984) + "\r\n"
	if r := c.send("a@x.example", []string{"b@y.example"}, big+".\r\n"); !strings.HasPrefix(r, "452 4.3.4") {
		t.Fatalf("oversize DATA: %q, want 452 4.3.4", r)
	}
	if r := c.cmd("MAIL FROM:<a@x.example> SIZE=2000000\r\n"); !strings.HasPrefix(r, "452 4.3.4") {
		t.Fatalf("oversize SIZE=: %q, want 452 4.3.4", r)
	}
	if len(rs.alarms) != 2 || rs.alarms[0].Kind != "oversize" ||
		!strings.Contains(rs.alarms[0].Message, "5002 bytes") || !strings.Contains(rs.alarms[1].Message, "2000000 bytes") {
		t.Errorf("alarms %+v, want two oversize alarms naming 5002 and 2000000 bytes", rs.alarms)
	}
	if got := journaltest.Bodies(t, j); len(got) != 0 {
		t.Errorf("%d messages stored, want 0", len(got))
	}
	// The session is still usable, and a small message is accepted.
	if r := c.send("a@x.example", []string{"b@y.example"}, "Subject: s\r\n\r\nok\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("small message after refusal: %q", r)
	}
}

// TestEHLOAnnouncesExtensionsAndSizeLimit: EHLO lists the extensions the
// server implements, SIZE without a number unless Config.AnnounceSize
// (then with Config.MaxSize, RFC 1870 §4), no recipient cap, and STARTTLS
// only when a certificate is configured.
func TestEHLOAnnouncesExtensionsAndSizeLimit(t *testing.T) {
	for _, tc := range []struct {
		announce bool
		size     string
	}{{false, "SIZE"}, {true, "SIZE 123456"}} {
		addr, _, _ := start(t, journal.Options{}, Config{MaxSize: 123456, AnnounceSize: tc.announce})
		c := dial(t, addr)
		c.reply()
		r := c.cmd("EHLO test.example\r\n")
		lines := strings.Split(r, "\n")
		got := map[string]bool{}
		for _, l := range lines[1:] {
			got[l[4:]] = true
		}
		for _, ext := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", tc.size, "ENHANCEDSTATUSCODES", "CHUNKING", "DSN"} {
			if !got[ext] {
				t.Errorf("announce %v: EHLO reply lacks %q:\n%s", tc.announce, ext, r)
			}
		}
		if !tc.announce && strings.Contains(r, "123456") {
			t.Errorf("EHLO announces the size limit without AnnounceSize:\n%s", r)
		}
		if strings.Contains(r, "RCPTMAX") || strings.Contains(r, "STARTTLS") {
			t.Errorf("EHLO announces a recipient cap or STARTTLS without a certificate:\n%s", r)
		}
	}
}

func TestDisallowedClientGets554(t *testing.T) {
	addr, _, _ := start(t, journal.Options{}, Config{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	c := dial(t, addr)
	if r := c.reply(); !strings.HasPrefix(r, "554 5.7.1") {
		t.Fatalf("greeting %q, want 554 5.7.1", r)
	}
}

func TestLMTPPerRecipientReplies(t *testing.T) {
	var n atomic.Int32
	fail := func() error {
		if n.Add(1) == 2 {
			return errors.New("injected")
		}
		return nil
	}
	addr, j, _ := start(t, journal.Options{FailCommit: fail}, Config{LMTP: true})
	c := hello(t, addr, "LHLO")
	rcpts := []string{"a@y.example", "b@y.example", "a@y.example"}
	check := func(msg, want string) {
		t.Helper()
		first := c.send("s@x.example", rcpts, msg)
		got := []string{first, c.reply(), c.reply()}
		for i, r := range got {
			if !strings.HasPrefix(r, want) {
				t.Errorf("recipient %d: %q, want %s", i, r, want)
			}
		}
	}
	check("Subject: one\r\n\r\n1\r\n.\r\n", "250")
	check("Subject: two\r\n\r\n2\r\n.\r\n", "451 4.3.0")
	if got := journaltest.Bodies(t, j); len(got) != 1 {
		t.Errorf("%d messages stored, want 1", len(got))
	}
}

func TestNonLoopbackListenerRequiresTLS(t *testing.T) {
	s, err := NewWithStore(&recStore{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		testtool.Unavailable(t, "cannot listen on 0.0.0.0: %v", err)
	}
	if err := s.Serve(t.Context(), l); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Serve on 0.0.0.0 without TLS: err = %v, want a STARTTLS error", err)
	}
}
