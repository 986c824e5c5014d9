package monthly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/archiver/archiver/journal"
)

// QueueFileName is the burn queue's file in the data directory.
const QueueFileName = "burn-queue.json"

// ErrQueueEmpty: burn --next found no disc still to burn.
var ErrQueueEmpty = errors.New("no disc left to burn")

// Queue is the burn queue: the DiscCopies that run --queue sealed and
// verified but did not burn, in the order burn --next takes them. It is a
// JSON file ({"discs":[DiscCopy…]}) replaced atomically. Whether a disc is
// done is not stored in it: the journal says so (an OK deep verification
// of DiscCopyID, Kind DiscKind, of the image as sealed), so a disc burned
// by run or by hand counts too.
type Queue struct {
	Path string
}

type queueFile struct {
	Discs []DiscCopy `json:"discs"`
}

// Load returns every DiscCopy in the queue file, done or not; none if the
// file does not exist.
func (q Queue) Load() ([]DiscCopy, error) {
	b, err := os.ReadFile(q.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("burn queue: %w", err)
	}
	var f queueFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("burn queue %s: %w", q.Path, err)
	}
	return f.Discs, nil
}

// Update adds the discs not queued yet (by label and copy; a queued one
// keeps its place) and drops every disc that keep says no longer pends,
// then writes the file through a temporary file, fsync and rename.
func (q Queue) Update(add []DiscCopy, keep func(DiscCopy) bool) error {
	old, err := q.Load()
	if err != nil {
		return err
	}
	var out []DiscCopy
	seen := map[string]bool{}
	for _, d := range append(old, add...) {
		if seen[d.ID()] || keep != nil && !keep(d) {
			continue
		}
		seen[d.ID()] = true
		out = append(out, d)
	}
	b, err := json.MarshalIndent(queueFile{Discs: out}, "", "  ")
	if err != nil {
		return err
	}
	tmp := q.Path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("burn queue: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = syncClose(f)
	}
	if err == nil {
		err = os.Rename(tmp, q.Path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(q.Path))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("burn queue: %w", err)
	}
	return nil
}

// Pending returns the queued discs still to burn, in queue order: those
// whose volume is recorded, not released, and has no OK deep disc
// verification of this copy (see discDone).
func (q Queue) Pending(ctx context.Context, j *journal.Journal) ([]DiscCopy, error) {
	all, err := q.Load()
	if err != nil {
		return nil, err
	}
	return pendingOf(ctx, j, all)
}

func pendingOf(ctx context.Context, j *journal.Journal, ds []DiscCopy) ([]DiscCopy, error) {
	var out []DiscCopy
	for _, d := range ds {
		p, err := stillToBurn(ctx, j, d)
		if err != nil {
			return nil, err
		}
		if p {
			out = append(out, d)
		}
	}
	return out, nil
}

// stillToBurn reports whether d waits for a disc: its volume exists, is
// not released (a released volume's discs can no longer be verified
// deeply), and copy d.Copy is not done.
func stillToBurn(ctx context.Context, j *journal.Journal, d DiscCopy) (bool, error) {
	v, err := j.VolumeMeta(ctx, d.Label)
	if errors.Is(err, journal.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !v.Released.IsZero() || hexsum(v.ImageSHA256) != d.ImageSHA256 {
		return false, nil
	}
	_, done := discDone(v, d.Copy)
	return !done, nil
}

// BurnNext burns the first disc still to burn in q through device (a
// "stdio:DIR/" device is resolved with CopyTarget) with b, and drops the
// discs that are done from the queue file. It returns the disc, its
// report, and the discs still to burn after it. Errors: ErrQueueEmpty,
// ctx's, or BurnDisc's *DiscError (the disc stays queued: the next
// BurnNext tries it again on a new disc).
func BurnNext(ctx context.Context, j *journal.Journal, q Queue, device string, b *Burner) (DiscCopy, DiscReport, []DiscCopy, error) {
	pending, err := q.Pending(ctx, j)
	if err != nil {
		return DiscCopy{}, DiscReport{}, nil, err
	}
	if len(pending) == 0 {
		return DiscCopy{}, DiscReport{}, nil, ErrQueueEmpty
	}
	d := pending[0]
	r, err := b.BurnDisc(ctx, d, CopyTarget(device, d.Label, d.Copy))
	if ctx.Err() != nil {
		return d, r, pending, ctx.Err()
	}
	if err != nil {
		return d, r, pending, err
	}
	rest, perr := pendingOf(ctx, j, pending[1:])
	if perr != nil {
		return d, r, nil, perr
	}
	left := map[string]bool{}
	for _, p := range rest {
		left[p.ID()] = true
	}
	if uerr := q.Update(nil, func(x DiscCopy) bool { return left[x.ID()] }); uerr != nil {
		return d, r, rest, uerr
	}
	return d, r, rest, nil
}
