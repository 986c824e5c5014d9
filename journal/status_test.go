package journal_test

import (
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

func TestUnsealedAgeAlarmAndRange(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC)}
	j := newJ(t, journal.Options{MinFreeBytes: -1, Now: clock.Now})
	march := ingest(t, j, env("a@acme.example", "b@acme.example"), []byte("march"))
	clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	ingest(t, j, env("a@acme.example", "b@acme.example"), []byte("april"))

	ms, err := j.Unsealed(ctx, "acme", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(ms) != 1 || ms[0].Seq != march[0].Seq {
		t.Fatalf("Unsealed(March) = %+v, %v", ms, err)
	}
	if hasAlarm(status(t, j), "unsealed-age") {
		t.Fatal("unsealed-age alarm on day 1")
	}
	clock.t = clock.t.Add(36 * 24 * time.Hour)
	st := status(t, j)
	if !hasAlarm(st, "unsealed-age") {
		t.Fatalf("no unsealed-age alarm after 36 days: %+v", st.Alarms)
	}
	ts := st.Tenants[0]
	if ts.Unsealed != 2 || ts.Journaled != 2 || !ts.OldestUnsealed.Equal(time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC)) {
		t.Fatalf("tenant status %+v", ts)
	}
}

func TestSinceFeedPagesInRevOrder(t *testing.T) {
	j := newJ(t)
	for i := range 600 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 40))
	}
	ingest(t, j, env("a@acme.example", "b@acme.example"), msg(7, 40)) // duplicate: seq 8 moves to rev 601
	var revs []uint64
	var last journal.Message
	err := j.Since(ctx, 500, func(m journal.Message) error {
		revs = append(revs, m.Rev)
		last = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 101 || revs[0] != 501 || last.Rev != 601 || last.Seq != 8 || len(last.Receipts) != 2 {
		t.Fatalf("Since(500): %d messages, first rev %d, last %+v", len(revs), revs[0], last.Seq)
	}
	n := 0
	j.Messages(ctx, "", func(journal.Message) error { n++; return nil })
	if n != 600 {
		t.Fatalf("Messages(all) = %d", n)
	}
}
