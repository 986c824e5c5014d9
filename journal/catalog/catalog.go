package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("catalog: closed")

// Catalog is an open search index over one journal.
type Catalog struct {
	src Source
	dir string

	mu    sync.Mutex // serialises index writers (Sync, Run, Index) and Close
	idx   bleve.Index
	limit int // bytes of body text per message
}

// indexDir is the bleve index below the catalog directory.
const indexDir = "bleve"

// Open opens (creating when missing) the catalog in dir (DATA/catalog)
// over the journal src. bleve holds an exclusive lock on the index while
// it is open, so like the journal it is used by one process at a time; a
// second Open fails (wrapping bleve's error) instead of blocking.
func Open(dir string, src Source) (*Catalog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", dir, err)
	}
	p := filepath.Join(dir, indexDir)
	idx, err := bleve.OpenUsing(p, map[string]interface{}{"read_only": false, "bolt_timeout": "1s"})
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		idx, err = create(p)
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
	return bleve.New(p, m)
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
