package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Journal is an open journal directory (DATA/journal). It is safe for
// concurrent use by many goroutines; one process holds it at a time.
type Journal struct {
	dir    string
	opts   Options
	notify chan struct{}

	mu sync.RWMutex // held shared by every store access, exclusively by Compact and Close
	st Store

	tmu     sync.RWMutex
	tenants map[string]Tenant // cache of bucket tenants

	// sealMu serializes RecordSealed and ImportSealed: while one writes its
	// marks (unsealed until its volume record exists), no other may record
	// a volume label or drop marks as orphans.
	sealMu sync.Mutex

	hooks hooks // test seams (export_test.go); Open sets the defaults

	commits  chan *commitReq
	stop     chan struct{}
	done     chan struct{} // closed when the committer has exited
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// dbFile is the journal database file name inside the journal directory.
const dbFile = "journal.db"

// Open opens or creates the journal in dir (DATA/journal), migrating its
// schema. It returns ErrLocked when another process holds the journal for
// longer than Options.LockTimeout. Staged bodies of interrupted commits are
// removed.
func Open(dir string, opts Options) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	st, err := openBolt(filepath.Join(dir, dbFile), opts.LockTimeout, allBuckets)
	if err != nil {
		return nil, err
	}
	return openStore(dir, st, opts)
}

// OpenStore is Open on another Store engine (every bucket of schema.go must
// exist in it). dir still holds the spool and alarms.log. The Journal owns
// st from now on and closes it. Compact needs a bbolt store.
func OpenStore(dir string, st Store, opts Options) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		st.Close()
		return nil, err
	}
	return openStore(dir, st, opts)
}

func openStore(dir string, st Store, opts Options) (*Journal, error) {
	if err := os.MkdirAll(filepath.Join(dir, "spool"), 0o700); err != nil {
		st.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{dir: dir, opts: opts, st: st, notify: make(chan struct{}, 1), hooks: defaultHooks(),
		commits: make(chan *commitReq, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	if err := j.init(); err != nil {
		st.Close()
		return nil, err
	}
	j.wg.Add(1)
	go j.committer()
	return j, nil
}

func (j *Journal) init() error {
	err := j.st.Update(func(tx Tx) error {
		if err := migrate(tx, SchemaVersion); err != nil {
			return err
		}
		return dropPending(tx)
	})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := j.finishSealing(context.Background()); err != nil { // a seal recorded before a crash
		return err
	}
	cleanSpool(filepath.Join(j.dir, "spool"))
	return j.loadTenants()
}

// Close stops the committer and closes the database. Deliveries not yet
// committed fail with ErrClosed.
func (j *Journal) Close() error {
	j.stopOnce.Do(func() { close(j.stop) })
	j.wg.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.st == nil {
		return nil
	}
	err := j.st.Close()
	j.st = nil
	return err
}

// Dir is the journal directory given to Open.
func (j *Journal) Dir() string { return j.dir }

// Notify receives (non-blocking, coalesced) after each ingest commit.
func (j *Journal) Notify() <-chan struct{} { return j.notify }

func (j *Journal) view(fn func(Tx) error) error {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.st == nil {
		return ErrClosed
	}
	return j.st.View(fn)
}

// update runs fn in a write transaction. Storage failures come back as
// ErrUnavailable; errors returned by fn itself pass through unchanged.
func (j *Journal) update(fn func(Tx) error) error {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.st == nil {
		return ErrClosed
	}
	var fnErr error
	err := j.st.Update(func(tx Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && !errors.Is(err, fnErr) {
		return unavailable("write", err)
	}
	return err
}

// ctxErr is checked by read loops between pages.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}
