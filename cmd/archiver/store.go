package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/urfave/cli/v2"
)

// lockedError: the journal is held by another process (a running serve);
// run() forwards the command over DATA/control.sock.
type lockedError struct{ data string }

func (e *lockedError) Error() string {
	return fmt.Sprintf("journal %s is locked by another process", e.data)
}

// shared is what a running serve lends to forwarded commands.
type shared struct {
	data string
	j    *journal.Journal
	now  func() time.Time
	mu   sync.Mutex       // guards cat and ix
	cat  *catalog.Catalog // nil after a failed rebuild: reopened on demand
	ix   *indexer         // the running catalog indexer
	// serveCtx lives as long as serve; a rebuilt catalog's indexer runs in it.
	serveCtx context.Context
	log      *slog.Logger // serve's logger, for the indexer
	sealOnce sync.Once
	sealGate chan struct{} // one seal or run at a time (lockSeal)
}

// store is an open data directory: the journal, and the catalog on demand.
type store struct {
	data   string
	j      *journal.Journal
	cat    *catalog.Catalog
	owned  bool // opened by this command; closed by close
	shared *shared
}

// dataDir returns the absolute data directory from --data / ARCHIVER_DATA.
func (e *env) dataDir(flag string) (string, error) {
	if flag == "" {
		flag = e.getenv("ARCHIVER_DATA")
	}
	if flag == "" {
		return "", withHint(errors.New("no data directory given"), "pass --data DIR or set ARCHIVER_DATA; create one with `archiver init --data DIR`")
	}
	return e.abs(flag), nil
}

// open opens DATA's journal. Inside serve it returns the shared one.
// A journal held by another process gives *lockedError.
func (e *env) open(ctx context.Context, dataFlag string) (*store, error) {
	if e.shared != nil {
		return &store{data: e.shared.data, j: e.shared.j, shared: e.shared}, nil
	}
	data, err := e.dataDir(dataFlag)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(data, "journal")); err != nil {
		return nil, withHint(fmt.Errorf("%s is not an archiver data directory: %w", data, err),
			"check the path given with --data or ARCHIVER_DATA; only to start a new, empty archive there: archiver init --data %s", data)
	}
	j, err := openJournal(data, e)
	if errors.Is(err, journal.ErrLocked) {
		return nil, &lockedError{data}
	}
	if err != nil {
		return nil, withHint(fmt.Errorf("open journal: %w", err), "archiver journal check --data %s", data)
	}
	return &store{data: data, j: j, owned: true}, nil
}

// catalog returns the catalog, opened once and synced with the journal.
func (s *store) catalog(ctx context.Context) (*catalog.Catalog, error) {
	if s.shared != nil {
		s.shared.mu.Lock()
		defer s.shared.mu.Unlock()
		if s.shared.cat == nil {
			c, err := catalog.Open(filepath.Join(s.data, "catalog"), s.j)
			if err != nil {
				return nil, err
			}
			s.shared.cat = c
		}
		s.cat = s.shared.cat
	}
	if s.cat == nil {
		c, err := catalog.Open(filepath.Join(s.data, "catalog"), s.j)
		if err != nil {
			return nil, withHint(fmt.Errorf("open catalog: %w", err), "archiver catalog rebuild --data %s", s.data)
		}
		s.cat = c
	}
	if err := s.cat.Sync(ctx); err != nil {
		return nil, fmt.Errorf("catalog sync: %w", err)
	}
	return s.cat, nil
}

// close closes what this command opened (nothing inside serve).
func (s *store) close() error {
	if !s.owned {
		return nil
	}
	var errs []error
	if s.cat != nil {
		errs = append(errs, s.cat.Close())
	}
	errs = append(errs, s.j.Close())
	return errors.Join(errs...)
}

// closeInto closes s and joins a failure to close its journal or catalog
// into *err, so that a command whose store did not close cleanly does not
// exit 0. Use it as defer s.closeInto(&err) with a named result.
func (s *store) closeInto(err *error) {
	if cerr := s.close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("close %s: %w", s.data, cerr))
	}
}

// storeAction is a command Action that opens the data directory of
// --data (or forwards to the serve that holds it, see env.open), runs fn
// with the store and closes it (closeInto).
func storeAction(e *env, fn func(c *cli.Context, s *store) error) cli.ActionFunc {
	return func(c *cli.Context) (err error) {
		s, err := e.open(c.Context, c.String("data"))
		if err != nil {
			return err
		}
		defer s.closeInto(&err)
		return fn(c, s)
	}
}

// audit records an event; failures are reported, not fatal to the command.
func (e *env) audit(ctx context.Context, s *store, action, detail string) {
	if _, err := s.j.Audit(ctx, e.user, action, detail); err != nil {
		fmt.Fprintf(e.stderr, "archiver: warning: audit trail: %v\n", err)
	}
}

// openJournal opens DATA/journal for a command. A serve holds the lock for
// good, so when its control socket exists the lock is given up on quickly
// (the command is forwarded); otherwise another command holds it briefly,
// and it is waited for.
func openJournal(data string, e *env) (*journal.Journal, error) {
	opts := journal.Options{Actor: e.user, LockTimeout: 100 * time.Millisecond} // default 1 GiB free-disk watermark
	j, err := journal.Open(filepath.Join(data, "journal"), opts)
	if errors.Is(err, journal.ErrLocked) && !fileExists(controlPath(data)) {
		opts.LockTimeout = 30 * time.Second
		j, err = journal.Open(filepath.Join(data, "journal"), opts)
	}
	return j, err
}
