package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"go.etcd.io/bbolt"
)

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("catalog: closed")

// ErrLocked: another process has the catalog open (bleve's scorch index
// holds an exclusive bbolt lock on its root file); like journal.ErrLocked,
// the CLI then forwards the command to the running daemon.
var ErrLocked = errors.New("catalog: locked by another process")

// Catalog is an open search index over one journal.
type Catalog struct {
	src Source
	dir string

	mu     sync.Mutex  // serialises index writers (Sync, Run, Index), reopening and Close
	idx    bleve.Index // nil after Close, or while unusable (see ErrUnusable)
	watch  *asyncWatch // idx's background failures
	closed bool        // Close was called
	limit  int         // bytes of body text per message

	runRetry time.Duration // Run's wait before retrying a failed sync; tests shorten it

	failing atomic.Bool // the last Sync failed

	log       atomic.Pointer[slog.Logger] // Run's failures; nil: discarded
	onFail    atomic.Pointer[func(error)] // Run's failures; nil: none
	onRecover atomic.Pointer[func()]      // first good Sync after a failed one
}

// SetLogger makes Run log the syncs that fail (they are retried on the next
// commit). nil discards them, the default.
func (c *Catalog) SetLogger(l *slog.Logger) { c.log.Store(l) }

// OnSyncFailure makes Run call fn with each background sync that fails
// (serve raises a "catalog" alarm with it, so a stalled index shows in
// status and its exit code, not only in a log line).
func (c *Catalog) OnSyncFailure(fn func(error)) { c.onFail.Store(&fn) }

// OnRecovery makes the first Sync that succeeds after a failed one (or
// after OpenRetrying could not open the index) call fn, once the catalog
// holds every committed message again (serve clears the "catalog" alarm).
func (c *Catalog) OnRecovery(fn func()) { c.onRecover.Store(&fn) }

// indexDir is the bleve index below the catalog directory.
const indexDir = "bleve"

// Open opens (creating when missing) the catalog in dir (DATA/catalog)
// over the journal src. bleve holds an exclusive lock on the index while
// it is open, so like the journal it is used by one process at a time; a
// second Open fails after about a second with ErrLocked.
func Open(dir string, src Source) (*Catalog, error) {
	c := &Catalog{src: src, dir: dir, limit: DefaultTextLimit, runRetry: defaultRunRetry}
	if err := c.openLocked(); err != nil {
		return nil, err
	}
	return c, nil
}

// OpenRetrying is Open for a long-running owner (serve), which must not
// depend on the catalog to start: when the index cannot be opened it
// returns the error together with a Catalog whose every Sync, search and
// Index tries to open it again (and fails with the reason until it can).
func OpenRetrying(dir string, src Source) (*Catalog, error) {
	c := &Catalog{src: src, dir: dir, limit: DefaultTextLimit, runRetry: defaultRunRetry}
	err := c.openLocked()
	c.failing.Store(err != nil)
	return c, err
}

// openLocked opens the index into c.idx; c.mu is held or c is new.
func (c *Catalog) openLocked() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("catalog: open %s: %w", c.dir, err)
	}
	p := filepath.Join(c.dir, indexDir)
	w := watch(p)
	var idx bleve.Index
	err := guard(func() (err error) {
		idx, err = bleve.OpenUsing(p, scorchConfig())
		if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
			idx, err = create(p)
		}
		return err
	})
	if err != nil {
		watches.CompareAndDelete(p, w)
	}
	if errors.Is(err, bbolt.ErrTimeout) {
		return fmt.Errorf("%w: %s", ErrLocked, p)
	}
	if err != nil {
		return fmt.Errorf("catalog: open %s: %w", p, err)
	}
	c.idx, c.watch = idx, w
	return nil
}

// usableLocked returns the open index, opening it again when a failure
// made it unusable; ErrClosed after Close.
func (c *Catalog) usableLocked() (bleve.Index, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if c.idx != nil {
		if err := c.watch.failure(); err != nil {
			c.dropLocked(unusable(err))
		}
	}
	if c.idx == nil {
		if err := c.openLocked(); err != nil {
			return nil, err
		}
	}
	return c.idx, nil
}

// dropLocked closes the handle after cause (ErrUnusable) made it
// unusable; the next use opens the index again.
func (c *Catalog) dropLocked(cause error) {
	if c.idx == nil {
		return
	}
	idx, w := c.idx, c.watch
	c.idx, c.watch = nil, nil
	p := filepath.Join(c.dir, indexDir)
	l := c.log.Load()
	if l != nil {
		args := []any{"err", cause}
		if pe := (*PanicError)(nil); errors.As(cause, &pe) {
			args = append(args, "stack", string(pe.Stack))
		}
		l.Warn("catalog index unusable: closing it; the next sync opens it again", args...)
	}
	if err := closeUnusable(idx, p, w); err != nil && l != nil {
		l.Warn("catalog: closing the unusable index failed", "err", err)
	}
}

// dropIfUnusable drops idx when err says it is unusable and it is still
// the open handle (searches run without c.mu).
func (c *Catalog) dropIfUnusable(idx bleve.Index, err error) {
	if !errors.Is(err, ErrUnusable) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idx == idx {
		c.dropLocked(err)
	}
}

func create(p string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	return bleve.NewUsing(p, m, scorch.Name, bleve.Config.DefaultKVStore, scorchConfig())
}

// scorchConfig: each batch returns once persisted (scorch's default, not
// "unsafe_batch", which we measured to lose the last batches at Close);
// Run keeps batches large and out of ingest bursts instead. Background
// failures reach asyncFailed.
func scorchConfig() map[string]interface{} {
	return map[string]interface{}{"bolt_timeout": "1s", "asyncErrorCallbackName": asyncCallback}
}

// Close closes the index. It waits for a running batch to finish.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	if c.idx == nil { // unusable, already closed
		return nil
	}
	p := filepath.Join(c.dir, indexDir)
	err := guard(c.idx.Close)
	watches.CompareAndDelete(p, c.watch)
	c.idx, c.watch = nil, nil
	if err != nil {
		return fmt.Errorf("catalog: close: %w", err)
	}
	return nil
}

// index returns the open index (opening it again after a failure) or
// ErrClosed.
func (c *Catalog) index() (bleve.Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usableLocked()
}
