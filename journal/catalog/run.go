package catalog

import (
	"context"
	"time"
)

// Run's pacing (see Run).
const (
	runQuiet  = 200 * time.Millisecond // commits paused this long: index now
	runMaxLag = 30 * time.Second       // never defer indexing longer than this
)

// defaultRunRetry is how long Run waits to retry a failed sync when no
// commit arrives in the meantime (Catalog.runRetry; tests shorten it).
const defaultRunRetry = 30 * time.Second

// Run keeps the catalog in step with the journal until ctx is done, at a
// lower priority than ingest: after a commit notification it waits until
// commits have paused for runQuiet, or until runMaxLag has passed since
// the first unindexed commit, then syncs. During an ingest burst the index
// work therefore waits (at most runMaxLag) instead of taking CPU and disk
// from the commits that SMTP replies wait for. Search, Held and HoldCounts
// Sync first, so their answers never lag. A failed sync is logged, handed
// to the OnSyncFailure function, and retried on the next notification or
// after defaultRunRetry, whichever comes first. It returns ctx.Err().
func (c *Catalog) Run(ctx context.Context) error {
	notify := c.src.Notify()
	failed := !c.syncLogged(ctx)
	for {
		var retry *time.Timer
		var retryC <-chan time.Time
		if failed {
			retry = time.NewTimer(c.runRetry)
			retryC = retry.C
		}
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-retryC:
		case <-notify:
			err = waitQuiet(ctx, notify, runQuiet, runMaxLag)
		}
		if retry != nil {
			retry.Stop()
		}
		if err != nil {
			return err
		}
		failed = !c.syncLogged(ctx)
	}
}

// syncLogged syncs and reports whether it succeeded (or ctx ended).
func (c *Catalog) syncLogged(ctx context.Context) bool {
	err := c.Sync(ctx)
	if err == nil || ctx.Err() != nil {
		return true
	}
	if l := c.log.Load(); l != nil {
		l.Warn("catalog sync failed; retrying", "err", err, "retry_after", c.runRetry)
	}
	if fn := c.onFail.Load(); fn != nil {
		(*fn)(err)
	}
	return false
}

// waitQuiet returns once notify has been silent for quiet, or maxLag after
// it was called.
func waitQuiet(ctx context.Context, notify <-chan struct{}, quiet, maxLag time.Duration) error {
	deadline := time.NewTimer(maxLag)
	defer deadline.Stop()
	for {
		t := time.NewTimer(quiet)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-deadline.C:
			t.Stop()
			return nil
		case <-t.C:
			return nil
		case <-notify:
			t.Stop()
		}
	}
}
