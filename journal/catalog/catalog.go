package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

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

	mu    sync.Mutex // serialises index writers (Sync, Run, Index) and Close
	idx   bleve.Index
	limit int // bytes of body text per message

	log    atomic.Pointer[slog.Logger] // Run's failures; nil: discarded
	onFail atomic.Pointer[func(error)] // Run's failures; nil: none
}

// SetLogger makes Run log the syncs that fail (they are retried on the next
// commit). nil discards them, the default.
func (c *Catalog) SetLogger(l *slog.Logger) { c.log.Store(l) }

// OnSyncFailure makes Run call fn with each background sync that fails
// (serve raises a "catalog" alarm with it, so a stalled index shows in
// status and its exit code, not only in a log line).
func (c *Catalog) OnSyncFailure(fn func(error)) { c.onFail.Store(&fn) }

// indexDir is the bleve index below the catalog directory.
const indexDir = "bleve"

// Open opens (creating when missing) the catalog in dir (DATA/catalog)
// over the journal src. bleve holds an exclusive lock on the index while
// it is open, so like the journal it is used by one process at a time; a
// second Open fails after about a second with ErrLocked.
func Open(dir string, src Source) (*Catalog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", dir, err)
	}
	p := filepath.Join(dir, indexDir)
	idx, err := bleve.OpenUsing(p, scorchConfig())
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		idx, err = create(p)
	}
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, p)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", p, err)
	}
	return &Catalog{src: src, dir: dir, idx: idx, limit: DefaultTextLimit}, nil
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
// Run keeps batches large and out of ingest bursts instead.
func scorchConfig() map[string]interface{} {
	return map[string]interface{}{"bolt_timeout": "1s"}
}

// Close closes the index. It waits for a running batch to finish.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idx == nil {
		return ErrClosed
	}
	err := c.idx.Close()
	c.idx = nil
	if err != nil {
		return fmt.Errorf("catalog: close: %w", err)
	}
	return nil
}

// index returns the open index or ErrClosed; c.mu is not required.
func (c *Catalog) index() (bleve.Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idx == nil {
		return nil, ErrClosed
	}
	return c.idx, nil
}
