package journal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// fullChild ingests 20 KB messages under RLIMIT_FSIZE (files may not grow
// past limit bytes: writes fail with EFBIG, as on a full disk) until a
// Commit fails, and reports "OK n" for the n messages stored and
// "FAILED <transient> <unavailable> <alarm>" for the failure.
func fullChild(dir string) {
	signal.Ignore(syscall.SIGXFSZ)
	lim := &syscall.Rlimit{Cur: 6 << 20, Max: 6 << 20}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
		fmt.Println("ERR setrlimit", err)
		os.Exit(1)
	}
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		fmt.Println("ERR open", err)
		os.Exit(1)
	}
	for i := 0; i < 10000; i++ {
		_, err := j.Ingest(ctx, env("a@x.example", "b@x.example"), bytes.NewReader(msg(i, 20<<10)))
		if err != nil {
			st, _ := j.Status(ctx)
			fmt.Printf("FAILED %d %v %v %v %q\n", i, errors.Is(err, journal.ErrTransient),
				errors.Is(err, journal.ErrUnavailable), hasAlarm(st, "write-failure"), err.Error())
			os.Exit(0)
		}
	}
	fmt.Println("ERR never failed")
	os.Exit(0)
}

// TestDiskFullIsTransientAndRetrySucceeds runs a child process whose file
// size limit makes journal.db unable to grow, as on a full disk.
func TestDiskFullIsTransientAndRetrySucceeds(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOURNAL_FULL_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var failedAt int
	var transient, unavail, alarm bool
	var msgText string
	if _, err := fmt.Sscanf(string(out), "FAILED %d %t %t %t %q", &failedAt, &transient, &unavail, &alarm, &msgText); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	t.Logf("disk full after %d messages: %s", failedAt, msgText)
	if !transient || !unavail || !alarm || failedAt < 10 || !strings.Contains(msgText, "file too large") {
		t.Fatalf("failure: transient=%v unavailable=%v alarm=%v at %d: %s", transient, unavail, alarm, failedAt, msgText)
	}
	j2, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for i := range failedAt {
		if m, err := j2.Message(ctx, "default", uint64(i+1)); err != nil || m.Size != 20<<10 {
			t.Fatalf("message %d after disk full: %+v %v", i+1, m, err)
		}
	}
	st, err := j2.Ingest(ctx, env("a@x.example", "b@x.example"), bytes.NewReader(msg(failedAt, 20<<10)))
	if err != nil || st[0].Duplicate || st[0].Seq != uint64(failedAt+1) {
		t.Fatalf("retry with space: %+v %v", st, err)
	}
	if !hasAlarm(status(t, j2), "write-failure") {
		t.Fatal("write-failure alarm not kept")
	}
	journaltest.CheckClean(t, j2)
}
