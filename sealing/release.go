package sealing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/archiver/archiver/journal"
)

// ReleaseOptions control Release.
type ReleaseOptions struct {
	Copies int                        // distinct copies with an OK deep verification required; <1 means 1
	Keep   func(journal.Message) bool // legal holds (the catalog's Held); nil keeps nothing
	Actor  string                     // audit actor
}

// Release deletes the journal bodies of volume arg (a label, an image file
// name as recorded, or an image path whose ISO volume id is read) once it
// has opts.Copies OK deep verifications; messages Keep selects keep their
// bodies. It refuses with journal.ErrNotVerified (saying why) otherwise.
// A volume already released gives *AlreadyReleasedError (matching
// journal.ErrReleased) and changes nothing, whatever its verifications
// since (after release only hash checks are possible).
func Release(ctx context.Context, j *journal.Journal, arg string, opts ReleaseOptions) (journal.ReleaseResult, error) {
	label, err := ResolveLabel(ctx, j, arg)
	if err != nil {
		return journal.ReleaseResult{}, err
	}
	v, err := j.VolumeMeta(ctx, label) // placements are not needed here
	if err != nil {
		return journal.ReleaseResult{}, fmt.Errorf("sealing: release %s: %w", label, err)
	}
	if !v.Released.IsZero() {
		return journal.ReleaseResult{}, &AlreadyReleasedError{Label: label, Released: v.Released}
	}
	if err := latestVerified(v, opts.Copies); err != nil {
		return journal.ReleaseResult{}, err
	}
	res, err := j.Release(ctx, label, journal.ReleaseOptions{Copies: opts.Copies, Keep: opts.Keep, Actor: opts.Actor})
	if err != nil {
		if errors.Is(err, journal.ErrNotVerified) {
			return res, fmt.Errorf("sealing: release %s refused: %w (run: archiver verify --data DIR IMAGE)", label, err)
		}
		return res, fmt.Errorf("sealing: release %s: %w", label, err)
	}
	return res, nil
}

// ResolveLabel maps a release/verify argument to a volume label: an
// existing file is opened as an image and its ISO volume id used; else a
// recorded ImageName; else the argument itself as a label.
func ResolveLabel(ctx context.Context, j *journal.Journal, arg string) (string, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		im, c, err := openImageFile(arg)
		if err != nil {
			return "", err
		}
		defer c.Close()
		return im.VolumeID(), nil
	}
	if _, err := j.VolumeMeta(ctx, arg); err == nil {
		return arg, nil
	}
	vols, err := j.Volumes(ctx, "")
	if err != nil {
		return "", err
	}
	for _, v := range vols {
		if v.ImageName == filepath.Base(arg) {
			return v.Label, nil
		}
	}
	return "", fmt.Errorf("sealing: %s: %w (give a label, an image file, or a recorded image name)", arg, journal.ErrNotFound)
}

// latestVerified requires copies distinct copies whose latest verification
// is an OK deep one of the image as sealed: a later failed check of a copy
// withdraws its earlier success.
func latestVerified(v journal.Volume, copies int) error {
	label := v.Label
	if copies < 1 {
		copies = 1
	}
	latest := map[string]journal.Verification{}
	for _, ver := range v.Verifications { // in the order recorded
		latest[ver.Copy] = ver
	}
	good := 0
	var why []string
	for c, ver := range latest {
		switch {
		case !ver.OK:
			why = append(why, fmt.Sprintf("%s failed its last verification (%s)", c, strings.Join(ver.Findings, "; ")))
		case ver.Method != "deep":
			why = append(why, fmt.Sprintf("%s was last verified by hash only", c))
		default:
			good++
		}
	}
	if good < copies {
		return fmt.Errorf("sealing: release %s refused: %w: %d good copies of %d required; %s (run: archiver verify --data DIR IMAGE)",
			label, journal.ErrNotVerified, good, copies, strings.Join(why, "; "))
	}
	return nil
}
