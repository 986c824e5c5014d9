package journal_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestRecordSealedChunkedCrash stops RecordSealed after it recorded the set
// and rewrote one chunk of records (as a crash would): every reader sees
// the whole set sealed anyway, a second seal of its messages is refused
// atomically, Check is clean, and the next Open finishes the records.
func TestRecordSealedChunkedCrash(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
		t.Fatal(err)
	}
	const n = 10
	for i := range n {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 500))
	}
	stop := errors.New("crash")
	restore := journal.SetSealChunk(3, func(k int) error {
		if k == 2 {
			return stop
		}
		return nil
	})
	defer restore()
	v := seal(t, j, "acme", "ACME_2026_03_V01") // the set is recorded: no error
	if len(v.Placements) != n {
		t.Fatalf("%d placements", len(v.Placements))
	}
	marks := func(j *journal.Journal) int {
		c := 0
		j.RawUpdate(func(tx journal.Tx) error {
			cur := tx.Cursor(journal.BucketSealing)
			for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
				c++
			}
			return nil
		})
		return c
	}
	if got := marks(j); got != n-3 {
		t.Fatalf("%d marks left, want %d", got, n-3)
	}
	assertSealed := func(j *journal.Journal) {
		t.Helper()
		for seq := uint64(1); seq <= n; seq++ {
			m, err := j.Message(ctx, "acme", seq)
			if err != nil || m.State != journal.Sealed || m.Volume != v.Label || m.Path != fmt.Sprintf("MSG/%010d.PGP", seq) {
				t.Fatalf("message %d: %+v %v", seq, m, err)
			}
		}
		if ms, err := j.Unsealed(ctx, "acme", timeZero, timeZero); err != nil || len(ms) != 0 {
			t.Fatalf("unsealed %d %v", len(ms), err)
		}
		st, err := j.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range st.Tenants {
			if ts.Tenant == "acme" && (ts.Sealed != n || ts.Unsealed != 0) {
				t.Fatalf("status %+v", ts)
			}
		}
		seen := 0
		err = j.Messages(ctx, "", func(m journal.Message) error {
			if m.State != journal.Sealed {
				t.Fatalf("listed %d as %s", m.Seq, m.State)
			}
			seen++
			return nil
		})
		if err != nil || seen != n {
			t.Fatalf("listed %d %v", seen, err)
		}
		journaltest.CheckClean(t, j)
	}
	assertSealed(j)
	// a seal of the same messages is refused whole; still nothing finishes (the fault)
	other := journal.Volume{Label: "OTHER", Tenant: "acme", Placements: v.Placements[n-1:]}
	if err := j.RecordSealed(ctx, other); err == nil {
		t.Fatal("second seal accepted")
	}
	restore()
	if err := j.RecordSealed(ctx, other); !errors.Is(err, journal.ErrAlreadySealed) {
		t.Fatalf("second seal: %v", err)
	}
	if _, err := j.Volume(ctx, "OTHER"); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("refused volume recorded: %v", err)
	}
	if got := marks(j); got != 0 { // that RecordSealed finished the first set before refusing
		t.Fatalf("%d marks left", got)
	}
	assertSealed(j)
	j.Close()

	// a crash before any record was rewritten: Open finishes them
	j, err = journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(100+i, 500))
	}
	calls := 0
	restore = journal.SetSealChunk(4, func(int) error {
		if calls++; calls > 1 { // past RecordSealed's check for leftovers
			return stop
		}
		return nil
	})
	seal(t, j, "acme", "ACME_2026_03_V02")
	restore()
	if got := marks(j); got != n {
		t.Fatalf("%d marks, want %d", got, n)
	}
	j.Close()
	j, err = journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := marks(j); got != 0 {
		t.Fatalf("%d marks after open", got)
	}
	for seq := uint64(n + 1); seq <= 2*n; seq++ {
		if m, err := j.Message(ctx, "acme", seq); err != nil || m.State != journal.Sealed || m.Volume != "ACME_2026_03_V02" {
			t.Fatalf("message %d: %+v %v", seq, m, err)
		}
	}
	journaltest.CheckClean(t, j)
}
