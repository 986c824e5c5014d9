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

// Run keeps the catalog in step with the journal until ctx is done, at a
// lower priority than ingest: after a commit notification it waits until
// commits have paused for runQuiet, or until runMaxLag has passed since
// the first unindexed commit, then syncs. During an ingest burst the index
// work therefore waits (at most runMaxLag) instead of taking CPU and disk
// from the commits that SMTP replies wait for. Search, Held and HoldCounts
// Sync first, so their answers never lag. A failed sync is retried on the
// next notification. It returns ctx.Err().
func (c *Catalog) Run(ctx context.Context) error {
	notify := c.src.Notify()
	c.syncLogged(ctx)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-notify:
		}
		if err := waitQuiet(ctx, notify, runQuiet, runMaxLag); err != nil {
			return err
		}
		c.syncLogged(ctx)
	}
}

func (c *Catalog) syncLogged(ctx context.Context) {
	if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
		if l := c.log.Load(); l != nil {
			l.Warn("catalog sync failed; retrying after the next commit", "err", err)
		}
	}
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
