package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
)

// indexer is serve's background catalog indexer (catalog.Run), which a
// forwarded `catalog rebuild` pauses while it replaces the catalog.
type indexer struct {
	cancel context.CancelFunc
	done   chan error
}

// The catalog is derived data and never stops intake: a failed sync raises
// the "catalog" alarm (status exits 2) and is retried every 30 s, and the
// first sync that succeeds again clears it.
func startIndexer(ctx context.Context, cat *catalog.Catalog, j *journal.Journal, log *slog.Logger) *indexer {
	cat.SetLogger(log)
	cat.OnSyncFailure(func(err error) {
		j.RaiseAlarm(journal.Alarm{Kind: "catalog", Message: fmt.Sprintf(
			"catalog indexing failed: %v; mail is still accepted, but searches, exports and holds fail until it is fixed (retried every 30 s; archiver catalog rebuild rebuilds it)", err)})
	})
	cat.OnRecovery(func() { clearCatalogAlarm(ctx, j, log) })
	ctx, cancel := context.WithCancel(ctx)
	ix := &indexer{cancel: cancel, done: make(chan error, 1)}
	go func() { ix.done <- cat.Run(ctx) }()
	return ix
}

// serveHeapLimit is serve's soft limit on the Go runtime's memory (bytes;
// runtime/debug.SetMemoryLimit), unless GOMEMLIMIT sets one. The indexer
// allocates in bursts (bleve analyses a batch of up to 1 MiB of text into
// 25-30 times that), and with the default GOGC=100 alone the heap may grow
// to twice what is live before a collection; the limit makes the
// collector run earlier instead, so serve stays under 256 MiB resident with
// room for its file mappings (bleve's segments, the journal's pages).
const serveHeapLimit = 128 << 20

// limitServeMemory sets serveHeapLimit unless GOMEMLIMIT is set.
func limitServeMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveHeapLimit)
	}
}

// clearCatalogAlarm clears the "catalog" alarm once the catalog holds every
// committed message again.
func clearCatalogAlarm(ctx context.Context, j *journal.Journal, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := j.ClearAlarms(context.WithoutCancel(ctx), "catalog"); err != nil {
		log.Warn("catalog recovered, but its alarm could not be cleared", "err", err)
		return
	}
	log.Info("catalog recovered: caught up with the journal; catalog alarm cleared")
}

// stop cancels the indexer and waits up to timeout for it to return.
func (ix *indexer) stop(timeout time.Duration) {
	ix.cancel()
	select {
	case <-ix.done:
	case <-time.After(timeout):
	}
}

// rebuildCatalog, inside serve, replaces the open catalog with one indexed
// afresh from the journal: it pauses the indexer, closes and deletes
// DATA/catalog, opens a new one, syncs it, and restarts the indexer.
// Commands that need the catalog meanwhile wait for it; ingest does not.
func (sh *shared) rebuildCatalog(ctx context.Context) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.ix != nil {
		sh.ix.stop(30 * time.Second)
		sh.ix = nil
	}
	if sh.cat != nil {
		sh.cat.Close()
		sh.cat = nil
	}
	dir := filepath.Join(sh.data, "catalog")
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("catalog rebuild: %w", err)
	}
	c, err := catalog.Open(dir, sh.j)
	if err != nil {
		return fmt.Errorf("catalog rebuild: %w", err)
	}
	sh.cat = c
	err = c.Sync(ctx)
	if sh.serveCtx != nil {
		sh.ix = startIndexer(sh.serveCtx, c, sh.j, sh.log) // also finishes an interrupted sync
	}
	if err != nil {
		return fmt.Errorf("catalog rebuild: %w", err)
	}
	clearCatalogAlarm(ctx, sh.j, sh.log)
	return nil
}

// stopIndexer stops serve's indexer and closes the current catalog (at the
// end of serve).
func (sh *shared) stopIndexer(timeout time.Duration) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.ix != nil {
		sh.ix.stop(timeout)
		sh.ix = nil
	}
	if sh.cat != nil {
		sh.cat.Close()
		sh.cat = nil
	}
}
