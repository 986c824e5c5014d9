package journal_test

import (
	"slices"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// UnsealedSeqs lists exactly the sequences of Unsealed, in the same order,
// for a bounded and an unbounded range.
func TestUnsealedSeqsMatchesUnsealed(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC)}
	j := newJ(t, journal.Options{MinFreeBytes: -1, Now: clock.Now})
	for i := range 3 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 100))
	}
	clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	ingest(t, j, env("a@acme.example", "b@acme.example"), msg(9, 100))
	march, april := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range [][2]time.Time{{march, april}, {}} {
		ms, err := j.Unsealed(ctx, "acme", r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		seqs, err := j.UnsealedSeqs(ctx, "acme", r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		var want []uint64
		for _, m := range ms {
			want = append(want, m.Seq)
		}
		if !slices.Equal(seqs, want) || len(want) == 0 {
			t.Fatalf("range %v: UnsealedSeqs = %v, Unsealed's seqs %v", r, seqs, want)
		}
	}
}
