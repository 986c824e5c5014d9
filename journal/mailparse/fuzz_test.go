package mailparse

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles returns the files matching glob and fails when there are none,
// so a moved folder cannot silently empty the seed corpus.
func seedFiles(f *testing.F, glob string) []string {
	f.Helper()
	m, err := filepath.Glob(glob)
	if err != nil || len(m) == 0 {
		f.Fatalf("seed glob %q found no files (%v)", glob, err)
	}
	return m
}

func FuzzSummarize(f *testing.F) {
	for _, p := range seedFiles(f, "testdata/*.eml") {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(journalReport(original, "")))
	rethrow := func(p any) { panic(p) } // recovered panics are bugs here
	f.Fuzz(func(t *testing.T, b []byte) {
		s := summarize(bytes.NewReader(b), rethrow)
		if !s.Date.IsZero() && s.Date.Location().String() != "UTC" {
			t.Fatalf("date not UTC: %v", s.Date)
		}
		parseJournalReport(bytes.NewReader(b), rethrow)
		DecodeHeader(b)
	})
}
