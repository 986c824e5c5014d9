package journal_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// TestCompactDuringIngest compacts while 8 writers ingest: every message
// whose Commit returned is readable afterwards and Check stays clean.
func TestCompactDuringIngest(t *testing.T) {
	j := newJ(t)
	var mu sync.Mutex
	var stored []journal.Stored
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				st, err := j.Ingest(ctx, env("s@x.example", "a@acme.example"), bytes.NewReader(msg(w*100000+i, 3000)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stored = append(stored, st...)
				mu.Unlock()
			}
		}()
	}
	for k := range 3 {
		for { // let ingest run between compactions
			mu.Lock()
			n := len(stored)
			mu.Unlock()
			if n >= 40*(k+1) || t.Failed() {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if _, _, err := j.Compact(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(stored) == 0 {
		t.Fatal("nothing ingested")
	}
	for _, s := range stored {
		if got, _ := bodySHA(t, j, s.Tenant, s.Seq); got != s.SHA256 {
			t.Fatalf("seq %d differs after compaction", s.Seq)
		}
	}
	t.Logf("%d messages ingested across 3 compactions", len(stored))
}
