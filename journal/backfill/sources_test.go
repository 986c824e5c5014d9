package backfill

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// maildirTree builds a maildir with a nested folder, flags, tmp/ and markers.
func maildirTree(t *testing.T) string {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "cur", "1:2,S"), "Subject: one\n\nx\n")
	writeFile(t, filepath.Join(d, "new", "2"), "Subject: two\n\ny\n")
	writeFile(t, filepath.Join(d, "new", "3"), "") // a zero-byte message
	writeFile(t, filepath.Join(d, "tmp", "4"), "Subject: in delivery\n\n")
	writeFile(t, filepath.Join(d, ".uidvalidity"), "1\n")
	writeFile(t, filepath.Join(d, ".Sub", "cur", "5!2,PS"), "Subject: five\n\nz\n")
	writeFile(t, filepath.Join(d, ".Sub", "new", ".noindex"), "")
	writeFile(t, filepath.Join(d, ".Sub", "tmp", "x"), "junk")
	writeFile(t, filepath.Join(d, "marker"), "")
	return d
}

func TestWalkMaildir(t *testing.T) {
	d := maildirTree(t)
	items, err := walk(d)
	if err != nil {
		t.Fatal(err)
	}
	var msgs, skipped []string
	for _, it := range items {
		rel, _ := filepath.Rel(d, it.path)
		if it.skip == "" {
			msgs = append(msgs, rel)
		} else {
			skipped = append(skipped, rel)
		}
	}
	wantMsgs := []string{".Sub/cur/5!2,PS", "cur/1:2,S", "new/2", "new/3"}
	wantSkipped := []string{".Sub/new/.noindex", ".Sub/tmp", ".uidvalidity", "marker", "tmp"}
	if !reflect.DeepEqual(msgs, wantMsgs) || !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("messages %q skipped %q\nwant %q skipped %q", msgs, skipped, wantMsgs, wantSkipped)
	}
}

func TestEnvelopeOf(t *testing.T) {
	head := "Return-Path: <bounce@x.example>\r\nFrom: \"A\" <a@x.example>\r\nTo: b@y.example,\r\n \"C, D\" <c@y.example>\r\nCc: =?utf-8?Q?D?= <d@y.example>\r\n\r\nTo: not@header\r\n"
	env := envelopeOf([]byte(head), "f#2")
	want := journal.Envelope{MailFrom: "bounce@x.example", RcptTo: []string{"b@y.example", "c@y.example", "d@y.example"},
		Protocol: "ingest", Source: "f#2"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("got %+v\nwant %+v", env, want)
	}
	env = envelopeOf([]byte("Return-Path: <>\nDelivered-To: box@y.example\nTo: list@y.example\n\n"), "g")
	if env.MailFrom != "" || !reflect.DeepEqual(env.RcptTo, []string{"box@y.example"}) {
		t.Errorf("null sender / Delivered-To: got %+v", env)
	}
}

// TestIngestSources ingests a maildir, an mbox on stdin, and a missing
// path, and checks the reconciliation, the stored bytes, and that
// Progress counted every message offered to the journal (not the missing
// path).
func TestIngestSources(t *testing.T) {
	j := journaltest.New(t)
	d := maildirTree(t)
	mbox := "From a@b Thu Jan  1 00:00:00 1970\nSubject: m1\n\n>From here\n\nFrom a@b Thu Jan  1 00:00:00 1970\nSubject: one\n\nx\n\n"
	var progress atomic.Int64
	res, err := Ingest(context.Background(), j, []string{d, "-", filepath.Join(d, "missing")},
		Options{Stdin: strings.NewReader(mbox), Progress: func(n int) { progress.Add(int64(n)) }})
	if !errors.Is(err, ErrFailed) {
		t.Errorf("err = %v, want ErrFailed for the missing path", err)
	}
	type counts struct{ Read, Stored, Duplicate, Failed, Skipped int }
	got := []counts{}
	for _, r := range res {
		got = append(got, counts{r.Read, r.Stored, r.Duplicate, r.Failed, len(r.Skipped)})
	}
	// stdin's second message has the same bytes as cur/1:2,S: a duplicate.
	want := []counts{{4, 4, 0, 0, 5}, {2, 1, 1, 0, 0}, {1, 0, 0, 1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results %+v, want %+v", got, want)
	}
	if n := progress.Load(); n != 6 {
		t.Errorf("Progress counted %d messages, want the 6 offered to the journal", n)
	}
	bodies := journaltest.Bodies(t, j)
	for _, b := range []string{"Subject: m1\n\nFrom here\n", "", "Subject: five\n\nz\n"} {
		if _, ok := bodies[sha256.Sum256([]byte(b))]; !ok {
			t.Errorf("%q not stored", b)
		}
	}
	m := bodies[sha256.Sum256([]byte("Subject: m1\n\nFrom here\n"))]
	if len(m.Receipts) != 1 || m.Receipts[0].Envelope.Source != "-#1" || m.Receipts[0].Envelope.Protocol != "ingest" {
		t.Errorf("receipt %+v, want source -#1, protocol ingest", m.Receipts)
	}
}

func TestIngestUnknownTenantFails(t *testing.T) {
	j := journaltest.New(t)
	p := filepath.Join(t.TempDir(), "a.eml")
	writeFile(t, p, "Subject: a\n\n")
	res, err := Ingest(context.Background(), j, []string{p}, Options{Tenant: "nope"})
	if !errors.Is(err, ErrFailed) || len(res) != 1 || res[0].Failed != 1 || !strings.Contains(res[0].Failures[0].Reason, "not found") {
		t.Errorf("got %+v, %v; want one failure naming the unknown tenant", res, err)
	}
}

func TestIngestStdinSingleMessage(t *testing.T) {
	j := journaltest.New(t)
	msg := "Subject: stdin\r\n\r\nno mbox\r\n"
	res, err := Ingest(context.Background(), j, []string{"-"}, Options{Stdin: strings.NewReader(msg)})
	if err != nil || len(res) != 1 || res[0].Stored != 1 {
		t.Fatalf("got %+v, %v", res, err)
	}
	if _, ok := journaltest.Bodies(t, j)[sha256.Sum256([]byte(msg))]; !ok {
		t.Error("stdin message not stored byte-exact")
	}
}
