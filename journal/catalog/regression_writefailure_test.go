package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// breakIndexDir makes the index directory unwritable for any user, root
// included: it moves DATA/catalog/bleve aside and puts a file in its
// place, so bleve's next segment file fails to be created (ENOTDIR) while
// its open files stay usable. The returned function undoes it.
func breakIndexDir(t *testing.T, dir string) func() {
	t.Helper()
	p := filepath.Join(dir, indexDir)
	if err := os.Rename(p, p+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("not a directory\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".away", p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriteFailureDoesNotPanic: a batch bleve cannot persist ("persist
// err") left a closed segment in scorch's snapshot, and the next batch
// panicked in zapx ("assignment to entry in nil map"), killing serve. Now
// the failed handle is closed, every Sync while the directory is
// unwritable fails with an error, and once it is writable again the next
// Sync reopens the index, catches up and reports the recovery.
func TestWriteFailureDoesNotPanic(t *testing.T) {
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "before", day), "Subject: before\r\n\r\nalpha\r\n")
	dir := t.TempDir()
	c, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var recovered atomic.Int32
	c.OnRecovery(func() { recovered.Add(1) })
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	restore := breakIndexDir(t, dir)
	for i := 0; i < 3; i++ { // the second sync on the failed handle panicked
		f.add(msg("a@x.example", "b@y.example", fmt.Sprintf("during %d", i), day), fmt.Sprintf("Subject: during %d\r\n\r\nbravo\r\n", i))
		if err := c.Sync(context.Background()); err == nil {
			t.Fatalf("sync %d succeeded while the index directory is not writable", i)
		}
		if _, err := c.Keys(context.Background(), Query{}); err == nil && i > 0 {
			t.Fatalf("search %d answered from an index that cannot be opened", i)
		}
	}
	if recovered.Load() != 0 {
		t.Fatal("recovery reported while the index is still failing")
	}
	restore()
	expect(t, c, Query{Text: "bravo"}, 2, 3, 4)
	expect(t, c, Query{Text: "alpha"}, 1)
	if n := recovered.Load(); n != 1 {
		t.Fatalf("OnRecovery called %d times, want once", n)
	}
	if rev, err := c.Rev(); err != nil || rev != 4 {
		t.Fatalf("Rev = %d, %v; want 4", rev, err)
	}
}

// TestBackgroundFailureReopensIndex: a failure scorch reports from its own
// goroutines (persister, merger: they recover their panics and report
// them only to the registered callback) makes the next Sync close the
// handle and open the index again, instead of feeding a handle whose
// persister may have stopped.
func TestBackgroundFailureReopensIndex(t *testing.T) {
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "one", day), "Subject: one\r\n\r\ncharlie\r\n")
	c := openFake(t, f)
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	old := c.idx
	c.mu.Unlock()
	asyncFailed(scorch.NewScorchError("persister", "panic: injected", scorch.ErrAsyncPanic), filepath.Join(c.dir, indexDir, "store"))
	f.add(msg("a@x.example", "b@y.example", "two", day), "Subject: two\r\n\r\ncharlie\r\n")
	expect(t, c, Query{Text: "charlie"}, 1, 2)
	c.mu.Lock()
	same := c.idx == old
	c.mu.Unlock()
	if same {
		t.Fatal("the handle whose background work failed is still in use")
	}
	// a cleanup error (old files not removed) leaves the handle in use
	c.mu.Lock()
	old = c.idx
	c.mu.Unlock()
	asyncFailed(scorch.NewScorchError("persister", "got err removing old zap files", scorch.ErrCleanup), filepath.Join(c.dir, indexDir, "store"))
	expect(t, c, Query{Text: "charlie"}, 1, 2)
	c.mu.Lock()
	same = c.idx == old
	c.mu.Unlock()
	if !same {
		t.Fatal("a cleanup error closed the handle")
	}
}

// TestOpenRetrying: a catalog that cannot be opened still gives serve a
// Catalog, whose syncs fail with the reason until the index can be opened.
func TestOpenRetrying(t *testing.T) {
	f := newFake()
	f.add(msg("a@x.example", "b@y.example", "one", day), "Subject: one\r\n\r\ndelta\r\n")
	dir := t.TempDir()
	p := filepath.Join(dir, indexDir)
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, f); err == nil {
		t.Fatal("Open succeeded on an index path that is a file")
	}
	c, err := OpenRetrying(dir, f)
	if err == nil || c == nil {
		t.Fatalf("OpenRetrying = %v, %v; want a catalog and the error", c, err)
	}
	defer c.Close()
	var recovered atomic.Int32
	c.OnRecovery(func() { recovered.Add(1) })
	if err := c.Sync(context.Background()); err == nil {
		t.Fatal("Sync succeeded without an index")
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	expect(t, c, Query{Text: "delta"}, 1)
	if recovered.Load() != 1 {
		t.Fatalf("OnRecovery called %d times, want once", recovered.Load())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v, want ErrClosed", err)
	}
}
