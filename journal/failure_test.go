package journal_test

import (
	"bytes"
	"errors"
	"os"
	"sync/atomic"
	"testing"

	"github.com/archiver/archiver/journal"
)

func TestWriteFailureThenRetry(t *testing.T) {
	var fail atomic.Bool
	j := newJ(t, journal.Options{MinFreeBytes: -1, FailCommit: func() error {
		if fail.Load() {
			return errors.New("EIO (injected)")
		}
		return nil
	}})
	e := env("a@acme.example", "b@acme.example")
	for _, raw := range [][]byte{[]byte("small message"), bytes.Repeat([]byte("L"), 3<<20)} {
		fail.Store(true)
		st, err := j.Ingest(ctx, e, bytes.NewReader(raw))
		if !errors.Is(err, journal.ErrUnavailable) || !errors.Is(err, journal.ErrTransient) || st != nil {
			t.Fatalf("failed commit: %v, %+v; want ErrUnavailable and nothing stored", err, st)
		}
		fail.Store(false)
		st = ingest(t, j, e, raw)
		if st[0].Duplicate {
			t.Fatal("retry after a failed commit reported as duplicate")
		}
		if got, _ := bodySHA(t, j, "acme", st[0].Seq); got != st[0].SHA256 {
			t.Fatal("retried body differs")
		}
	}
	if !hasAlarm(status(t, j), "write-failure") {
		t.Fatal("no write-failure alarm")
	}
	if err := j.ClearAlarms(ctx, "write-failure"); err != nil {
		t.Fatal(err)
	}
	if hasAlarm(status(t, j), "write-failure") {
		t.Fatal("alarm survives ClearAlarms")
	}
}

func TestClosedJournalIsUnavailable(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := j.Begin(ctx, env("a@x", "b@x"))
	if err != nil {
		t.Fatal(err)
	}
	d.Write([]byte("x"))
	j.Close()
	if _, err := d.Commit(ctx); !errors.Is(err, journal.ErrUnavailable) {
		t.Fatalf("commit on closed journal: %v", err)
	}
	if _, err := j.Begin(ctx, env("a@x", "b@x")); !errors.Is(err, journal.ErrUnavailable) {
		t.Fatalf("begin on closed journal: %v", err)
	}
}

func TestAlarmFallsBackToLogWhenDBUnwritable(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	j.RaiseAlarm(journal.Alarm{Kind: "write-failure", Message: "disk gone"})
	j2, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if !hasAlarm(status(t, j2), "write-failure") {
		b, _ := os.ReadFile(dir + "/alarms.log")
		t.Fatalf("alarm from alarms.log not in status; log: %s", b)
	}
}

// TestFaultSpec: a parsed commit fault spec set as Options.FailCommit
// fails exactly the commits it names; a bad spec is an error.
func TestFaultSpec(t *testing.T) {
	fail, err := journal.ParseFault("commit:2,commit:4+")
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(t.TempDir(), journal.Options{MinFreeBytes: -1, MaxBatch: 1, FailCommit: fail})
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
	for _, bad := range []string{"disk:1", "commit:0", "commit:x", ""} {
		if _, err := journal.ParseFault(bad); err == nil {
			t.Errorf("bad spec %q accepted", bad)
		}
	}
}
