package backfill

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestIngestCorpus ingests the whole shared corpus and checks byte-exact
// storage, the reconciliation, and the message count against a count made
// here from the directory listing and SOURCES.md.
func TestIngestCorpus(t *testing.T) {
	testtool.Long(t)
	root := testtool.Corpus(t)
	j := journaltest.New(t)
	var paths []string
	for _, d := range []string{"enron", "edge", "maildir", "mbox"} {
		paths = append(paths, filepath.Join(root, d))
	}
	res, err := Ingest(t.Context(), j, paths, Options{Workers: 4})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	// Independent count: every regular file, except dotfiles and maildir
	// tmp/ entries, is one message, but corpus/mbox holds 48 (SOURCES.md)
	// and hyperkitty/non-ascii-headers.txt is a pipermail mbox of 6 (six
	// "From " lines, counted by hand). Files named .eml are one message.
	want := map[[32]byte]bool{}
	wantRead := 48 + 6
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == filepath.Join(root, "README.md") || p == filepath.Join(root, "SOURCES.md") {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") || filepath.Base(filepath.Dir(p)) == "tmp" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		isMbox := bytes.HasPrefix(bytes.TrimPrefix(b, bom), []byte("From ")) && !strings.HasSuffix(p, ".eml")
		if !isMbox {
			wantRead++
			want[sha256.Sum256(b)] = true
			return nil
		}
		n := 0
		err = SplitMbox(bytes.NewReader(b), func(m []byte, _ int64) error {
			n++
			want[sha256.Sum256(m)] = true
			return nil
		})
		if !strings.Contains(p, "/corpus/mbox/") && !strings.HasSuffix(p, "non-ascii-headers.txt") {
			wantRead++
			if n != 1 {
				t.Errorf("%s: split into %d messages, want 1", p, n)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var read, stored, dup, failed int
	for _, r := range res {
		if r.Read != r.Stored+r.Duplicate+r.Failed {
			t.Errorf("%s: read %d != stored %d + duplicate %d + failed %d", r.Source, r.Read, r.Stored, r.Duplicate, r.Failed)
		}
		read, stored, dup, failed = read+r.Read, stored+r.Stored, dup+r.Duplicate, failed+r.Failed
		t.Logf("%s: read %d stored %d duplicate %d failed %d skipped %d", filepath.Base(r.Source), r.Read, r.Stored, r.Duplicate, r.Failed, len(r.Skipped))
	}
	if read != wantRead {
		t.Errorf("read %d messages, want %d", read, wantRead)
	}
	if failed != 0 || stored != len(want) || dup != read-len(want) {
		t.Errorf("stored %d (want %d distinct), duplicate %d (want %d), failed %d", stored, len(want), dup, read-len(want), failed)
	}
	got := journaltest.Bodies(t, j)
	for h := range want {
		if _, ok := got[h]; !ok {
			t.Errorf("message %x not stored byte-exact", h)
		}
	}
	if len(got) != len(want) {
		t.Errorf("journal holds %d bodies, want %d", len(got), len(want))
	}
}
