package journal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

var ctx = context.Background()

var timeZero time.Time

// env is an envelope from sender to rcpts.
func env(from string, rcpts ...string) journal.Envelope {
	return journal.Envelope{MailFrom: from, RcptTo: rcpts, Protocol: "smtp", ClientAddr: "127.0.0.1:1234"}
}

// newJ opens a checked journal with tenants acme (acme.example) and globex
// (globex.example).
func newJ(t testing.TB, opts ...journal.Options) *journal.Journal {
	t.Helper()
	var j *journal.Journal
	if len(opts) > 0 {
		j = journaltest.NewWith(t, opts[0])
	} else {
		j = journaltest.New(t)
	}
	for _, tn := range []journal.Tenant{
		{Name: "acme", Domains: []string{"acme.example"}},
		{Name: "globex", Domains: []string{"Globex.example"}},
	} {
		if err := j.AddTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

func ingest(t testing.TB, j *journal.Journal, e journal.Envelope, raw []byte) []journal.Stored {
	t.Helper()
	st, err := j.Ingest(ctx, e, bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return st
}

// bodySHA reads a body back and hashes it.
func bodySHA(t testing.TB, j *journal.Journal, tenant string, seq uint64) ([32]byte, int64) {
	t.Helper()
	rc, err := j.OpenBody(ctx, tenant, seq)
	if err != nil {
		t.Fatalf("open body %s/%d: %v", tenant, seq, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil)), n
}

// mail builds a small message with the given Message-ID header line ("" omits it).
func mail(msgID, body string) []byte {
	h := "From: a@acme.example\r\nTo: b@acme.example\r\nSubject: test\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
	if msgID != "-" {
		h += msgID
	}
	return []byte(h + "\r\n" + body + "\r\n")
}

// fixedClock returns a settable clock.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func msg(i int, size int) []byte {
	b := bytes.Repeat([]byte("x"), size)
	copy(b, fmt.Sprintf("Subject: %d\r\n\r\n", i))
	return b
}

// openAcme opens (creating) a journal in dir with tenant acme holding n
// messages of about size bytes, for tests that reopen the same directory.
func openAcme(t testing.TB, dir string, n, size int) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, size))
	}
	return j
}
