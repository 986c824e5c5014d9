//go:build faultinject

package journal_test

import (
	"bytes"
	"testing"

	"github.com/archiver/archiver/journal"
)

// TestArchiverFaultEnv: a faultinject build reads ARCHIVER_FAULT in Open
// (go test -tags faultinject ./journal, as .ci/run does).
func TestArchiverFaultEnv(t *testing.T) {
	t.Setenv("ARCHIVER_FAULT", "commit:2,commit:4+")
	j, err := journal.Open(t.TempDir(), journal.Options{MinFreeBytes: -1, MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var got []bool
	for i := range 5 {
		_, err := j.Ingest(ctx, env("a@x", "b@x"), bytes.NewReader(msg(i, 10)))
		got = append(got, err == nil)
	}
	want := []bool{true, false, true, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("commit successes %v, want %v", got, want)
		}
	}
	t.Setenv("ARCHIVER_FAULT", "disk:1")
	if _, err := journal.Open(t.TempDir(), journal.Options{}); err == nil {
		t.Fatal("bad ARCHIVER_FAULT accepted")
	}
}
