package journal_test

import (
	"fmt"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestJournalSizeBoundedOver12Months runs twelve monthly cycles of ingest,
// seal, verify and release; bbolt reuses the freed pages, so the file after
// month 12 stays within 1.5x its size after month 2. Compact then shrinks
// it to about the live metadata.
func TestJournalSizeBoundedOver12Months(t *testing.T) {
	j := newJ(t)
	size := func() (file, used int64) {
		st := status(t, j)
		return st.JournalBytes, st.JournalUsedBytes
	}
	var file2, used2 int64
	for month := 1; month <= 12; month++ {
		for i := range 100 {
			rc := "a@acme.example"
			if i%2 == 1 {
				rc = "g@globex.example"
			}
			ingest(t, j, env("s@x.example", rc), msg(month*1000+i, 40<<10+(i*397)%(40<<10)))
		}
		file, used := size()
		t.Logf("month %2d after ingest: journal.db %d KiB, %d KiB in use", month, file>>10, used>>10)
		if month == 2 {
			file2, used2 = file, used
		}
		for _, tenant := range []string{"acme", "globex"} {
			v := seal(t, j, tenant, fmt.Sprintf("%s_2026_%02d", tenant, month))
			verify(t, j, v.Label, "image", true, "deep")
			res, err := j.Release(ctx, v.Label, journal.ReleaseOptions{})
			if err != nil || res.Released != 50 {
				t.Fatalf("month %d %s: %+v %v", month, tenant, res, err)
			}
		}
	}
	file, used := size()
	// Bodies are reclaimed; what may grow is the metadata that stays after
	// release (message records, volumes, audit events). Months 3 to 12
	// ingested 1,000 messages of 40–80 KiB (about 60 MiB of bodies); the
	// journal may grow by their metadata only. The bound is per message, not
	// a ratio to month 2, so that batch timing (page fill) cannot flake it.
	const messages, metaBudget = 1000, 6 << 10 // messages after month 2; bytes each
	if growth := used - used2; growth > messages*metaBudget {
		t.Errorf("journal.db in use grew by %d bytes from month 2 to 12 (%d -> %d), more than %d bytes of metadata for %d messages: released bodies are not reclaimed",
			growth, used2, used, messages*metaBudget, messages)
	}
	if file > file2*2 { // bbolt grows the file in power-of-two steps below 16 MiB
		t.Errorf("journal.db is %d bytes after month 12, > 2 x %d after month 2", file, file2)
	}
	before, after, err := j.Compact(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compact: %d -> %d KiB", before>>10, after>>10)
	if after >= before || after > 4<<20 {
		t.Fatalf("compact %d -> %d bytes", before, after)
	}
	// still works after compaction
	st := ingest(t, j, env("s@x.example", "a@acme.example"), []byte("after compact"))
	if st[0].Seq != 12*50+1 {
		t.Fatalf("seq after compact %d", st[0].Seq)
	}
	journaltest.CheckClean(t, j)
}
