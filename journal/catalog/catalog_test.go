package catalog

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

func openFake(t *testing.T, f *fakeSource) *Catalog {
	t.Helper()
	c, err := Open(t.TempDir(), f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// seqs runs q and returns the matching seqs of tenant "t".
func seqs(t *testing.T, c *Catalog, q Query) []uint64 {
	t.Helper()
	ms, err := c.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	out := []uint64{}
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

func expect(t *testing.T, c *Catalog, q Query, want ...uint64) {
	t.Helper()
	if want == nil {
		want = []uint64{}
	}
	if got := seqs(t, c, q); !reflect.DeepEqual(got, want) {
		t.Errorf("Search(%+v) = %v, want %v", q, got, want)
	}
}

func msg(from, to, subject string, received time.Time) journal.Message {
	return journal.Message{
		Tenant:   "t",
		Received: received,
		Summary:  journal.Summary{From: from, To: to, Subject: subject},
		State:    journal.Journaled,
	}
}

var day = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func TestAccentAndCaseInsensitive(t *testing.T) {
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "Réunion à Zürich", day),
		"Content-Type: text/plain; charset=utf-8\r\n\r\nLe CAFÉ est fermé; naïve façade\r\n")
	f.add(msg("a@x.example", "b@y.example", "other", day),
		"Subject: other\r\n\r\ncafe\u0301 decomposed\r\n") // e + combining acute
	f.add(msg("a@x.example", "b@y.example", "none", day), "Subject: none\r\n\r\nnothing here\r\n")
	c := openFake(t, f)
	expect(t, c, Query{Subject: "reunion zurich"}, 1)
	expect(t, c, Query{Subject: "RÉUNION"}, 1)
	expect(t, c, Query{Text: "café"}, 1, 2)
	expect(t, c, Query{Text: "CAFE"}, 1, 2)
	expect(t, c, Query{Text: "naive facade"}, 1)
	expect(t, c, Query{Text: `"cafe est ferme"`}, 1)
	expect(t, c, Query{Text: `"ferme est cafe"`})
	expect(t, c, Query{Text: "cafe nothing"})
}

func TestAddressesAndDates(t *testing.T) {
	f := newFake()
	m1 := msg(`"Doe, Jane" <Jane.Doe@Acme.example>`, "bob@other.example", "one", day)
	m1.Receipts = []journal.Receipt{{Envelope: journal.Envelope{MailFrom: "bounce@acme.example", RcptTo: []string{"archive@acme.example"}}}}
	m1.Summary.Date = day.Add(-48 * time.Hour)
	f.add(m1, "Subject: one\r\n\r\nx\r\n")
	m2 := msg("carol@third.example", "team@acme.example", "two", day.Add(24*time.Hour))
	m2.Receipts = []journal.Receipt{{Report: &journal.JournalReport{
		Sender:     "carol@third.example",
		Recipients: []journal.ReportedRecipient{{Address: "Secret.Bcc@Hidden.example", Kind: "Bcc"}},
	}}}
	f.add(m2, "Subject: two\r\n\r\ny\r\n") // no Date: falls back to received
	c := openFake(t, f)
	expect(t, c, Query{From: []string{"jane.doe@acme.example"}}, 1)
	expect(t, c, Query{From: []string{"JANE.DOE@ACME.EXAMPLE"}}, 1)
	expect(t, c, Query{From: []string{"doe@acme.example"}})
	expect(t, c, Query{From: []string{"bounce@acme.example"}}, 1)
	expect(t, c, Query{From: []string{"@acme.example"}}, 1)
	expect(t, c, Query{To: []string{"acme.example"}}, 1, 2)
	expect(t, c, Query{To: []string{"secret.bcc@hidden.example"}}, 2)
	expect(t, c, Query{To: []string{"nobody@hidden.example", "bob@other.example"}}, 1)
	expect(t, c, Query{After: day.Add(-72 * time.Hour), Before: day}, 1)
	expect(t, c, Query{After: day}, 2)
	expect(t, c, Query{ReceivedAfter: day, ReceivedBefore: day.Add(time.Hour)}, 1)
	expect(t, c, Query{Tenant: "t"}, 1, 2)
	expect(t, c, Query{Tenant: "u"})
	expect(t, c, Query{}, 1, 2)
}

func TestRestartResumes(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "alpha", day), "Subject: alpha\r\n\r\nbody\r\n")
	f.add(msg("a@x.example", "b@y.example", "beta", day), "Subject: beta\r\n\r\nbody\r\n")
	c, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rev, _ := c.Rev(); rev != 2 {
		t.Fatalf("Rev = %d, want 2", rev)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	f.add(msg("a@x.example", "b@y.example", "gamma", day), "Subject: gamma\r\n\r\nbody\r\n")
	c, err = Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f.since = nil
	expect(t, c, Query{Text: "body"}, 1, 2, 3)
	if len(f.since) == 0 || f.since[0] != 2 {
		t.Fatalf("Since after reopen called with %v, want first afterRev 2", f.since)
	}
}

func TestRunFollowsNotify(t *testing.T) {
	f := newFake()
	c := openFake(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	f.add(msg("a@x.example", "b@y.example", "live", day), "Subject: live\r\n\r\nbody\r\n")
	for i := 0; ; i++ {
		keys, err := c.Keys(context.Background(), Query{Subject: "live"})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 1 {
			break
		}
		if i > 500 {
			t.Fatal("Run did not index the new message")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

func TestHolds(t *testing.T) {
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "project falcon", day), "Subject: s\r\n\r\nbody\r\n")
	f.add(msg("c@x.example", "b@y.example", "lunch", day), "Subject: s\r\n\r\nbody\r\n")
	q := Query{Subject: "falcon", After: day.Add(-time.Hour)}
	got, err := DecodeQuery(EncodeQuery(q))
	if err != nil || !reflect.DeepEqual(got, q) {
		t.Fatalf("DecodeQuery(EncodeQuery) = %+v, %v; want %+v", got, err, q)
	}
	if _, err := DecodeQuery([]byte(`{"subjct":"x"}`)); err == nil {
		t.Fatal("DecodeQuery accepted an unknown field")
	}
	f.holds = []journal.Hold{{Name: "falcon", Query: EncodeQuery(q)}}
	c := openFake(t, f)
	// a message arriving after the hold was placed is held too
	f.add(msg("d@x.example", "b@y.example", "Falcon follow-up", day), "Subject: s\r\n\r\nbody\r\n")
	held, err := c.Held(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for seq, want := range map[uint64]bool{1: true, 2: false, 3: true} {
		if got := held(journal.Message{Tenant: "t", Seq: seq}); got != want {
			t.Errorf("held(%d) = %v, want %v", seq, got, want)
		}
	}
	counts, err := c.HoldCounts(context.Background())
	if err != nil || counts["falcon"] != 2 {
		t.Fatalf("HoldCounts = %v, %v; want falcon:2", counts, err)
	}
	f.holds = append(f.holds, journal.Hold{Name: "bad", Query: []byte("{")})
	if _, err := c.Held(context.Background()); err == nil {
		t.Fatal("Held ignored an unreadable hold")
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	c, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		c2, err := Open(dir, f)
		if err == nil {
			c2.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("a second Open of an open catalog: err = %v, want ErrLocked", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second Open blocked instead of failing")
	}
}

func TestKeysBeyondFirstFetch(t *testing.T) {
	defer func(n int) { firstFetch = n }(firstFetch)
	firstFetch = 7
	f := newFake()
	for i := 0; i < 40; i++ {
		f.add(msg("a@x.example", "b@y.example", "many", day), "Subject: many\r\n\r\nbody\r\n")
	}
	c := openFake(t, f)
	var want []uint64
	for i := uint64(1); i <= 40; i++ {
		want = append(want, i)
	}
	expect(t, c, Query{Subject: "many"}, want...)
	expect(t, c, Query{}, want...)
}

// A released message delivered again (new Rev, no body) keeps the body
// terms indexed at ingest when its addresses did not change, and becomes
// findable by a new recipient when they did.
func TestRedeliveryAfterReleaseKeepsTerms(t *testing.T) {
	f := newFake()
	m := msg("a@x.example", "b@y.example", "quarterly", day)
	m.Receipts = []journal.Receipt{{Envelope: journal.Envelope{MailFrom: "a@x.example", RcptTo: []string{"b@y.example"}}}}
	m = f.add(m, "Subject: quarterly\r\n\r\nuniqueword in the body\r\n")
	c := openFake(t, f)
	expect(t, c, Query{Text: "uniqueword"}, 1)

	again := m // released, then the MTA retried with the same envelope
	again.HasBody, again.State = false, journal.Released
	again.Receipts = append(again.Receipts, again.Receipts[0])
	f.add(again, "")
	expect(t, c, Query{Text: "uniqueword"}, 1)

	wider := again // a later journal report adds a Bcc recipient
	wider.Receipts = append(wider.Receipts, journal.Receipt{Report: &journal.JournalReport{
		Recipients: []journal.ReportedRecipient{{Address: "late.bcc@z.example", Kind: "Bcc"}}}})
	f.add(wider, "")
	expect(t, c, Query{To: []string{"late.bcc@z.example"}}, 1)
}
