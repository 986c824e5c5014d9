package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// ErrUnusable: the index failed in a way that leaves its open handle
// unusable (a batch bleve could not write, a panic inside bleve, a failure
// of bleve's background persister or merger). The catalog then closes the
// handle; the next Sync, search or Index opens the index again. The
// catalog is derived data, so nothing is lost: the Rev stored with the
// last written batch says where indexing resumes.
var ErrUnusable = errors.New("catalog: index unusable")

// PanicError is a panic inside bleve, recovered at the catalog's boundary.
type PanicError struct {
	Value any    // what panicked
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in the index: %v", e.Value) }

// unusable marks err (from bleve) as having made the handle unusable.
func unusable(err error) error { return fmt.Errorf("%w: %w", ErrUnusable, err) }

// guard runs fn, turning a panic into a *PanicError marked ErrUnusable.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = unusable(&PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	return fn()
}

// asyncCallback is the name of asyncFailed in scorch's registry of
// background-error callbacks (scorch config "asyncErrorCallbackName").
const asyncCallback = "archiver-catalog"

var (
	registerOnce sync.Once
	watches      sync.Map // index directory → *asyncWatch of its open handle
)

// asyncWatch records the first failure of an open handle's background
// work: scorch's persister, merger and introducer goroutines recover their
// own panics and report them, and their write errors, only to the
// registered callback. A persister that stopped would leave every later
// batch waiting forever; a failed one leaves segments behind that later
// batches trip over (zapx's "assignment to entry in nil map").
type asyncWatch struct {
	once   sync.Once
	err    error
	failed chan struct{} // closed at the first failure
}

func newWatch() *asyncWatch { return &asyncWatch{failed: make(chan struct{})} }

func (w *asyncWatch) fail(err error) {
	w.once.Do(func() { w.err = err; close(w.failed) })
}

// failure returns the recorded failure, nil while there is none.
func (w *asyncWatch) failure() error {
	select {
	case <-w.failed:
		return w.err
	default:
		return nil
	}
}

// watch registers a watch for the index at p; call it before bleve opens
// the index, so that no background failure goes unseen.
func watch(p string) *asyncWatch {
	registerOnce.Do(func() { scorch.RegistryAsyncErrorCallbacks[asyncCallback] = asyncFailed })
	w := newWatch()
	watches.Store(p, w)
	return w
}

// asyncFailed is scorch's callback: path is the scorch store directory
// (the index directory's "store"). Cleanup errors (old files it could not
// remove) leave the index usable and are not failures.
func asyncFailed(err error, path string) {
	if errors.Is(err, scorch.ErrCleanup) {
		return
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		if w, ok := watches.Load(p); ok {
			w.(*asyncWatch).fail(err)
			return
		}
	}
}

// closeTimeout bounds how long dropping an unusable handle waits for
// bleve to close it.
const closeTimeout = 30 * time.Second

// closeUnusable closes a handle that failed, recovering a panic in bleve's
// Close and giving up waiting after closeTimeout (its goroutines are then
// left behind; the index stays locked, so a reopen fails until serve is
// restarted, and says so).
func closeUnusable(idx bleve.Index, p string, w *asyncWatch) error {
	done := make(chan error, 1)
	go func() { done <- guard(idx.Close) }()
	select {
	case err := <-done:
		watches.CompareAndDelete(p, w)
		return err
	case <-time.After(closeTimeout):
		return fmt.Errorf("catalog: closing the failed index did not finish within %v", closeTimeout)
	}
}

// batchGrace is how long a batch may still finish after bleve's
// background work failed while the batch ran.
const batchGrace = 5 * time.Second

// batchLocked writes b. Every error is ErrUnusable. It returns early when
// bleve's background work fails meanwhile, as a batch whose persister
// stopped would wait forever.
func (c *Catalog) batchLocked(b *bleve.Batch) error {
	idx, w := c.idx, c.watch
	if err := w.failure(); err != nil {
		return unusable(err)
	}
	done := make(chan error, 1)
	go func() { done <- guard(func() error { return idx.Batch(b) }) }()
	var err error
	select {
	case err = <-done:
	case <-w.failed:
		select {
		case err = <-done:
		case <-time.After(batchGrace):
			err = w.failure()
		}
	}
	if err == nil {
		err = w.failure()
	}
	if err != nil && !errors.Is(err, ErrUnusable) {
		err = unusable(err)
	}
	return err
}
