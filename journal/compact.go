package journal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Compact rewrites journal.db into a new file holding only live pages,
// fsyncs it, renames it over the old file and fsyncs the directory, then
// reopens. It blocks every other journal operation meanwhile. before and
// after are the file sizes in bytes. Audited as "compact".
func (j *Journal) Compact(ctx context.Context) (before, after int64, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.st == nil {
		return 0, 0, ErrClosed
	}
	cp, ok := j.st.(compacter)
	if !ok {
		return 0, 0, fmt.Errorf("journal: store cannot compact")
	}
	if before, _, err = j.st.Size(); err != nil {
		return 0, 0, unavailable("compact", err)
	}
	path := filepath.Join(j.dir, dbFile)
	tmp := path + ".compact"
	os.Remove(tmp)
	cerr := cp.CompactTo(tmp)
	if cerr == nil {
		cerr = os.Rename(tmp, path)
	}
	if cerr == nil {
		cerr = syncDir(j.dir)
	}
	st, err := openBolt(path, j.opts.LockTimeout, allBuckets)
	if err != nil {
		j.st = nil
		return before, 0, fmt.Errorf("journal: reopen after compact: %w", err)
	}
	j.st = st
	if cerr != nil {
		os.Remove(tmp)
		return before, before, unavailable("compact", cerr)
	}
	if after, _, err = st.Size(); err != nil {
		return before, 0, fmt.Errorf("journal: compacted, but the new file's size is unreadable: %w", err)
	}
	err = st.Update(func(tx Tx) error {
		_, err := appendAudit(tx, j.now(), j.actor(ctx), "compact", fmt.Sprintf("compacted journal.db from %d to %d bytes", before, after))
		return err
	})
	return before, after, err
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
