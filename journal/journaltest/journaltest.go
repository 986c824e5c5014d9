// Package journaltest opens throw-away journals for tests. Each journal is
// checked (journal.Check) when the test ends, and any finding fails it.
package journaltest

import (
	"context"
	"testing"

	"github.com/archiver/archiver/journal"
)

// New opens a journal in t.TempDir() with the free-space watermark
// disabled. At cleanup it runs Check, fails the test on any finding or
// error, and closes the journal.
func New(t testing.TB) *journal.Journal {
	t.Helper()
	return NewWith(t, journal.Options{MinFreeBytes: -1})
}

// NewWith is New with explicit options.
func NewWith(t testing.TB, opts journal.Options) *journal.Journal {
	t.Helper()
	j, err := journal.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("journaltest: open: %v", err)
	}
	t.Cleanup(func() { CheckClean(t, j); j.Close() })
	return j
}

// CheckClean runs Check and fails t on any finding.
func CheckClean(t testing.TB, j *journal.Journal) {
	t.Helper()
	fs, err := j.Check(context.Background())
	if err != nil {
		t.Errorf("journaltest: check: %v", err)
	}
	for _, f := range fs {
		t.Errorf("journaltest: check finding: %s", f)
	}
}
