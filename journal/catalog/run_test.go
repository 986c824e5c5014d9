package catalog

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// failingSource fails Since while fail is set.
type failingSource struct {
	*fakeSource
	fail  atomic.Bool
	calls atomic.Int32
}

var errInjected = errors.New("injected: index disk unreadable")

func (f *failingSource) Since(ctx context.Context, after uint64, fn func(journal.Message) error) error {
	f.calls.Add(1)
	if f.fail.Load() {
		return errInjected
	}
	return f.fakeSource.Since(ctx, after, fn)
}

// TestRunReportsAndRetriesFailedSync: a background sync that fails is
// handed to OnSyncFailure (serve turns it into a "catalog" alarm) and is
// retried on a timer, without waiting for another commit.
func TestRunReportsAndRetriesFailedSync(t *testing.T) {
	f := &failingSource{fakeSource: newFake()}
	f.add(msg("a@x.example", "b@y.example", "first", day), "Subject: first\r\n\r\nbody\r\n")
	c, err := Open(t.TempDir(), f)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.runRetry = 20 * time.Millisecond
	<-f.notify // drain: the retry below must come from the timer, not a commit
	f.fail.Store(true)
	failures := make(chan error, 16)
	c.OnSyncFailure(func(err error) {
		select {
		case failures <- err:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()

	select {
	case err := <-failures:
		if !errors.Is(err, errInjected) {
			t.Fatalf("OnSyncFailure got %v, want the injected error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a failed sync was not reported")
	}
	if rev, _ := c.Rev(); rev != 0 {
		t.Fatalf("catalog at rev %d while every sync fails", rev)
	}
	f.fail.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for rev, _ := c.Rev(); rev != 1; rev, _ = c.Rev() { // Rev does not sync
		if time.Now().After(deadline) {
			t.Fatalf("Run did not retry a failed sync without a new commit (%d calls)", f.calls.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}
