package journal_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

func TestMessageIDNeverMerges(t *testing.T) {
	j := newJ(t)
	e := env("a@acme.example", "b@acme.example")
	raws := [][]byte{
		mail("-", "no message-id one"),
		mail("-", "no message-id two"),
		mail("Message-ID:\r\n", "empty one"),
		mail("Message-ID: <>\r\n", "empty two"),
		mail("Message-ID: <same@x>\r\n", "same id, body A"),
		mail("Message-ID: <same@x>\r\n", "same id, body B"),
	}
	for i, raw := range raws {
		st := ingest(t, j, e, raw)
		if st[0].Duplicate || st[0].Seq != uint64(i+1) {
			t.Fatalf("message %d stored as %+v, want new seq %d", i, st[0], i+1)
		}
	}
}

func TestSameBytesTwiceOneMessageTwoReceipts(t *testing.T) {
	j := newJ(t)
	raw := mail("Message-ID: <r@x>\r\n", "retry after lost 250")
	a := ingest(t, j, env("a@acme.example", "b@acme.example"), raw)
	e2 := env("a@acme.example", "b@acme.example", "c@acme.example")
	e2.ClientAddr = "10.0.0.2:25"
	b := ingest(t, j, e2, raw)
	if a[0].Duplicate || !b[0].Duplicate || a[0].Seq != b[0].Seq || a[0].JSeq != b[0].JSeq {
		t.Fatalf("first %+v second %+v", a[0], b[0])
	}
	m, err := j.Message(ctx, "acme", a[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Receipts) != 2 || m.Receipts[1].Envelope.ClientAddr != "10.0.0.2:25" || len(m.Receipts[1].Envelope.RcptTo) != 2 {
		t.Fatalf("receipts %+v", m.Receipts)
	}
	var n int
	j.Messages(ctx, "acme", func(journal.Message) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	// the duplicate moved the message to a new Rev: the change feed sees it once, after rev 1
	var revs []uint64
	j.Since(ctx, 0, func(m journal.Message) error { revs = append(revs, m.Rev); return nil })
	if len(revs) != 1 || revs[0] != 2 {
		t.Fatalf("Since(0) revs %v, want [2]", revs)
	}
}

// fakeReports makes a journal report parser that recognises reports built
// by report() below: "X-MS-Journal-Report:" header, then one line per
// recipient "R: kind address", then the original after a blank line.
func fakeReports(r io.Reader) *journal.JournalReport {
	b, _ := io.ReadAll(r)
	if !bytes.HasPrefix(b, []byte("X-MS-Journal-Report:")) {
		return nil
	}
	head, orig, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	rep := &journal.JournalReport{Sender: "boss@acme.example", OriginalSHA256: sha256.Sum256(orig)}
	for _, l := range bytes.Split(head, []byte("\r\n"))[1:] {
		f := bytes.Fields(l)
		rep.Recipients = append(rep.Recipients, journal.ReportedRecipient{Kind: string(f[1]), Address: string(f[2])})
	}
	return rep
}

func report(orig []byte, rcpts ...string) []byte {
	var b bytes.Buffer
	b.WriteString("X-MS-Journal-Report:\r\n")
	for _, r := range rcpts {
		b.WriteString("R: " + r + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(orig)
	return b.Bytes()
}

func TestJournalReportsMergeRecipients(t *testing.T) {
	j := newJ(t)
	defer journal.SetParsers(j, nil, fakeReports)()
	orig := mail("Message-ID: <o@x>\r\n", "the original")
	journalBox := env("exchange@provider.example", "journal@archive.provider.example")
	a := ingest(t, j, journalBox, report(orig, "To alice@acme.example", "Bcc secret@acme.example"))
	b := ingest(t, j, journalBox, report(orig, "Expanded carol@acme.example", "To alice@acme.example"))
	if len(a) != 1 || a[0].Tenant != "acme" || a[0].Duplicate {
		t.Fatalf("first report %+v", a)
	}
	if !b[0].Duplicate || b[0].Seq != a[0].Seq {
		t.Fatalf("second report %+v, want duplicate of seq %d", b[0], a[0].Seq)
	}
	m, _ := j.Message(ctx, "acme", a[0].Seq)
	if m.Identity != sha256.Sum256(orig) || m.SHA256 == m.Identity {
		t.Fatalf("identity %x sha %x", m.Identity, m.SHA256)
	}
	var got []string
	for _, r := range m.ReportedRecipients() {
		got = append(got, r.Kind+" "+r.Address)
	}
	want := []string{"To alice@acme.example", "Bcc secret@acme.example", "Expanded carol@acme.example"}
	if len(got) != len(want) {
		t.Fatalf("recipients %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("recipients %v, want %v", got, want)
		}
	}
	// The stored body is the first report, byte-exact.
	if s, _ := bodySHA(t, j, "acme", m.Seq); s != a[0].SHA256 {
		t.Fatal("stored body is not the first report")
	}
}

func TestRouting(t *testing.T) {
	j := newJ(t)
	if err := j.AddTenant(ctx, journal.Tenant{Name: "dup", Domains: []string{"ACME.example"}}); !errors.Is(err, journal.ErrExists) {
		t.Fatalf("second owner of a domain: %v", err)
	}
	two := ingest(t, j, env("x@other.example", "a@acme.example", "b@GLOBEX.example"), []byte("to both"))
	if len(two) != 2 || two[0].Tenant != "acme" || two[1].Tenant != "globex" || two[0].JSeq == two[1].JSeq {
		t.Fatalf("two-tenant message stored as %+v", two)
	}
	bySender := ingest(t, j, env("boss@globex.example", "someone@other.example"), []byte("outbound"))
	if len(bySender) != 1 || bySender[0].Tenant != "globex" || bySender[0].Seq != 2 {
		t.Fatalf("sender routing %+v", bySender)
	}
	un := ingest(t, j, env("x@nowhere.example", "y@nowhere.example"), []byte("unrouted"))
	if len(un) != 1 || un[0].Tenant != journal.DefaultTenant || un[0].Seq != 1 {
		t.Fatalf("unrouted %+v", un)
	}
	if _, err := j.Tenant(ctx, journal.DefaultTenant); err != nil {
		t.Fatalf("default tenant not created: %v", err)
	}
	if !hasAlarm(status(t, j), "unrouted") {
		t.Fatal("no unrouted alarm")
	}
}

func TestBeginWithForcedTenantAndHeaderDate(t *testing.T) {
	j := newJ(t)
	if _, err := j.BeginWith(ctx, env("", ""), journal.DeliveryOptions{Tenant: "nope"}); err == nil {
		t.Fatal("unknown forced tenant accepted")
	}
	d, err := j.BeginWith(ctx, env("a@acme.example", "b@acme.example"), journal.DeliveryOptions{Tenant: "globex", DateFromHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	d.Write(mail("-", "old mail"))
	st, err := d.Commit(ctx)
	if err != nil || len(st) != 1 || st[0].Tenant != "globex" {
		t.Fatalf("stored %+v, %v", st, err)
	}
	m, _ := j.Message(ctx, "globex", st[0].Seq)
	if got := m.Received.UTC().Format("2006-01-02T15:04:05Z"); got != "2026-03-02T09:00:00Z" {
		t.Fatalf("received %s, want the Date header in UTC", got)
	}
}

// TestBeginWithReceived: ingest --received records the given time; with
// DateFromHeader it stands in only where the Date header does not parse.
func TestBeginWithReceived(t *testing.T) {
	j := newJ(t)
	at := time.Date(2025, 7, 9, 8, 7, 6, 0, time.UTC)
	store := func(opts journal.DeliveryOptions, raw []byte) time.Time {
		t.Helper()
		d, err := j.BeginWith(ctx, env("a@acme.example", "b@acme.example"), opts)
		if err != nil {
			t.Fatal(err)
		}
		d.Write(raw)
		st, err := d.Commit(ctx)
		if err != nil || len(st) != 1 {
			t.Fatalf("stored %+v, %v", st, err)
		}
		m, err := j.Message(ctx, st[0].Tenant, st[0].Seq)
		if err != nil {
			t.Fatal(err)
		}
		return m.Received.UTC()
	}
	if got := store(journal.DeliveryOptions{Received: at}, mail("-", "one")); !got.Equal(at) {
		t.Fatalf("received %s, want %s", got, at)
	}
	if got := store(journal.DeliveryOptions{Received: at, DateFromHeader: true}, mail("-", "two")); got.Format(time.RFC3339) != "2026-03-02T09:00:00Z" {
		t.Fatalf("received %s, want the Date header over --received", got)
	}
	undated := []byte("From: a@acme.example\r\nTo: b@acme.example\r\nDate: not a date\r\n\r\nthree\r\n")
	if got := store(journal.DeliveryOptions{Received: at, DateFromHeader: true}, undated); !got.Equal(at) {
		t.Fatalf("received %s for an unparsable Date, want %s", got, at)
	}
}
