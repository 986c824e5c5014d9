//go:build !faultinject

package journal_test

import (
	"bytes"
	"testing"

	"github.com/archiver/archiver/journal"
)

// TestArchiverFaultEnvIgnored: a normal build does not change behaviour
// by ARCHIVER_FAULT: every commit succeeds, and a malformed spec does not
// stop Open.
func TestArchiverFaultEnvIgnored(t *testing.T) {
	for _, spec := range []string{"commit:1+", "disk:1"} {
		t.Setenv("ARCHIVER_FAULT", spec)
		j, err := journal.Open(t.TempDir(), journal.Options{MinFreeBytes: -1, MaxBatch: 1})
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		for i := range 3 {
			if _, err := j.Ingest(ctx, env("a@x", "b@x"), bytes.NewReader(msg(i, 10))); err != nil {
				t.Fatalf("%s: ingest %d: %v", spec, i, err)
			}
		}
		j.Close()
	}
}
