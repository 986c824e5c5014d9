package journal_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/archiver/archiver/journal"
)

func TestGaplessSequencesUnderConcurrency(t *testing.T) {
	j := newJ(t)
	const writers, per = 32, 40
	var mu sync.Mutex
	seen := map[string]map[uint64]bool{"acme": {}, "globex": {}}
	jseqs := map[uint64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				rc := "a@acme.example"
				if (w+i)%3 == 0 {
					rc = "g@globex.example"
				}
				st, err := j.Ingest(ctx, env("s@x.example", rc), bytes.NewReader(msg(w*1000+i, 2000)))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, s := range st {
					if seen[s.Tenant][s.Seq] || jseqs[s.JSeq] || s.Duplicate {
						errs <- fmt.Errorf("seq reused: %+v", s)
					}
					seen[s.Tenant][s.Seq], jseqs[s.JSeq] = true, true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for tenant, seqs := range seen {
		for s := uint64(1); s <= uint64(len(seqs)); s++ {
			if !seqs[s] {
				t.Fatalf("tenant %s: seq %d missing of %d", tenant, s, len(seqs))
			}
		}
		total += len(seqs)
		var last uint64
		j.Messages(ctx, tenant, func(m journal.Message) error {
			if m.Seq != last+1 {
				t.Errorf("%s: Messages gave seq %d after %d", tenant, m.Seq, last)
			}
			last = m.Seq
			return nil
		})
	}
	if total != writers*per {
		t.Fatalf("%d stored, want %d", total, writers*per)
	}
}
