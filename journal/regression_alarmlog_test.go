//go:build linux

package journal_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

// TestAlarmLogWriteFailureIsLogged (bug: when the database could not take
// an alarm and appending it to alarms.log failed too, the write, fsync and
// close errors were dropped: the alarm was lost without a trace). Linux:
// /dev/full makes the append fail with ENOSPC.
func TestAlarmLogWriteFailureIsLogged(t *testing.T) {
	dir := t.TempDir()
	var logged bytes.Buffer
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil { // the database cannot be written now
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", filepath.Join(dir, "alarms.log")); err != nil {
		t.Fatal(err)
	}
	j.RaiseAlarm(journal.Alarm{Kind: "write-failure", Message: "disk full"})
	if out := logged.String(); !strings.Contains(out, "cannot record alarm") || !strings.Contains(out, "no space left") {
		t.Fatalf("alarms.log write failure not logged; log:\n%s", out)
	}
}
