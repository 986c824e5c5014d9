package journal_test

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
)

// TestCorpusByteExact stores every file of ../shared/corpus as one raw
// message (16 concurrent writers) and reads each back: the SHA-256 of the
// stored bytes equals that of the file, and header parsing never fails an
// ingest, whatever the file holds.
func TestCorpusByteExact(t *testing.T) {
	testtool.Long(t)
	root := testtool.Corpus(t)
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 4000 {
		t.Fatalf("corpus has %d files, expected the whole corpus (> 4000)", len(files))
	}
	j := newJ(t)
	stored := make([]journal.Stored, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				stored[i] = ingestFile(t, j, files[i])
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, f := range files {
		raw, _ := os.ReadFile(f)
		if got, n := bodySHA(t, j, stored[i].Tenant, stored[i].Seq); got != sha256.Sum256(raw) || n != int64(len(raw)) {
			t.Fatalf("%s: read back %d bytes, sha256 differs or size differs (file %d bytes)", f, n, len(raw))
		}
	}
}

func ingestFile(t *testing.T, j *journal.Journal, path string) journal.Stored {
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return journal.Stored{}
	}
	defer f.Close()
	st, err := j.IngestWith(ctx, env("", "x@nowhere.example"), journal.DeliveryOptions{Tenant: "acme"}, f)
	if err != nil || len(st) != 1 {
		t.Errorf("%s: %v", path, err)
		return journal.Stored{}
	}
	return st[0]
}
