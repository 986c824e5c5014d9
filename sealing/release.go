package sealing

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
)

// ReleaseOptions control Release.
type ReleaseOptions struct {
	Copies int                        // distinct copies required (docs/design.md, "What counts as a copy"); <1 means 1
	Keep   func(journal.Message) bool // legal holds (the catalog's Held); nil keeps nothing
	Actor  string                     // audit actor
	Now    func() time.Time           // time of a failed re-check recorded; nil: time.Now
}

// Release deletes the journal bodies of volume arg once opts.Copies
// distinct copies hold it, each checked again now; messages Keep selects
// keep their bodies.
//
// arg is resolved by CheckReleaseArg's rules, strictly: a path must exist
// (else *NameError). An image file names the volume whose recorded
// ImageSHA256 and ImageBytes its whole content matches; a drive (a device,
// "stdio:FILE", "mmc:DEV") names the volume its disc holds, read back for
// exactly ImageBytes. A file or disc that matches no recorded image is
// refused (*RefusedError, RefusedNotThisVolume). Anything else is a label,
// or an image file name as recorded at sealing.
//
// The copies are then counted and re-checked (countCopies): every image
// file on record is hashed whole, every disc still in a drive is read
// back. A copy that does not match refuses the release
// (*RefusedError, RefusedDamaged) and its failure is recorded as a "hash"
// Verification, which withdraws its earlier success. Too few copies is
// *RefusedError, RefusedTooFew. Every *RefusedError matches
// journal.ErrNotVerified; nothing is deleted then. The re-check runs
// immediately before journal.Release, which is given the copies counted
// (journal.ReleaseOptions.Counted) and checks their records again in each
// of its transactions; a change to a file or disc between the re-check and
// the last body deleted (the duration of journal.Release: seconds for a
// disc of mail) is not seen.
//
// A volume already released gives *AlreadyReleasedError (matching
// journal.ErrReleased) and changes nothing, whatever its verifications
// since (after release only hash checks are possible).
func Release(ctx context.Context, j *journal.Journal, arg string, opts ReleaseOptions) (journal.ReleaseResult, error) {
	if opts.Copies < 1 {
		opts.Copies = 1
	}
	checked := map[string]copyState{} // re-check results by Copy, so one file is hashed once
	label, err := resolveRelease(ctx, j, arg, opts, checked)
	if err != nil {
		return journal.ReleaseResult{}, err
	}
	v, err := j.VolumeMeta(ctx, label) // placements are not needed here
	if err != nil {
		return journal.ReleaseResult{}, fmt.Errorf("release %s: %w", label, err)
	}
	if !v.Released.IsZero() {
		return journal.ReleaseResult{}, &AlreadyReleasedError{Label: label, Released: v.Released}
	}
	t, err := countCopies(ctx, v, checked)
	if err != nil {
		return journal.ReleaseResult{}, err
	}
	if len(t.bad) > 0 {
		if err := recordBad(ctx, j, label, t.bad, opts); err != nil {
			return journal.ReleaseResult{}, err
		}
		var why []string
		for _, b := range t.bad {
			why = append(why, b.Copy+": "+b.why)
		}
		return journal.ReleaseResult{}, &RefusedError{Label: label, Reason: RefusedDamaged, Counted: len(t.counted), Copies: opts.Copies,
			Detail: "a copy failed its re-check at release: " + strings.Join(why, "; ") + t.notes()}
	}
	if len(t.counted) < opts.Copies {
		return journal.ReleaseResult{}, &RefusedError{Label: label, Reason: RefusedTooFew, Counted: len(t.counted), Copies: opts.Copies,
			Detail: t.tooFew(opts.Copies)}
	}
	ids := make([]string, len(t.counted))
	for i, c := range t.counted {
		ids[i] = c.Copy
	}
	res, err := j.Release(ctx, label, journal.ReleaseOptions{Copies: opts.Copies, Keep: opts.Keep, Actor: opts.Actor, Counted: ids})
	if err != nil {
		if errors.Is(err, journal.ErrNotVerified) { // a verification recorded meanwhile withdrew a copy
			return res, &RefusedError{Label: label, Reason: RefusedTooFew, Counted: len(t.counted), Copies: opts.Copies, Detail: err.Error()}
		}
		return res, fmt.Errorf("release %s: %w", label, err)
	}
	return res, nil
}

// ResolveLabel maps arg to the label of the volume it names, by Release's
// strict rules (see Release): an image file or a drive must hold exactly
// the image sealed (*RefusedError otherwise, its failure recorded like
// Release's), a name must be a label or a recorded image file name
// (*NameError otherwise). Nothing is released.
func ResolveLabel(ctx context.Context, j *journal.Journal, arg string) (string, error) {
	return resolveRelease(ctx, j, arg, ReleaseOptions{}, map[string]copyState{})
}

// CheckReleaseArg checks, without reading any image, that arg can name a
// volume: a path (it holds a "/", names an existing file, or is a
// "stdio:"/"mmc:" drive) must exist and not be a directory; anything else
// must be a volume label or an image file name recorded at sealing. Else
// *NameError, a usage error: nothing was done.
func CheckReleaseArg(ctx context.Context, j *journal.Journal, arg string) error {
	if p, ok := pathArg(arg); ok {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return &NameError{Arg: arg, Detail: "does not exist (a path is never matched to a volume by its file name)"}
		case err != nil:
			return &NameError{Arg: arg, Detail: err.Error()}
		case fi.IsDir():
			return &NameError{Arg: arg, Detail: "is a directory: give an image file, a drive, or a volume label"}
		}
		return nil
	}
	_, err := labelOf(ctx, j, arg)
	return err
}

// pathArg: the path arg names, and whether it is one.
func pathArg(arg string) (string, bool) {
	if p := drivePrefix(arg); p != "" {
		return p, true
	}
	if strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') {
		return arg, true
	}
	if _, err := os.Lstat(arg); err == nil {
		return arg, true
	}
	return "", false
}

// drivePrefix: the path of a "stdio:" or "mmc:" drive, else "".
func drivePrefix(arg string) string {
	for _, pre := range []string{"stdio:", "mmc:"} {
		if rest, ok := strings.CutPrefix(arg, pre); ok {
			return rest
		}
	}
	return ""
}

// labelOf maps a label or a recorded image file name to its label.
func labelOf(ctx context.Context, j *journal.Journal, name string) (string, error) {
	if _, err := j.VolumeMeta(ctx, name); err == nil {
		return name, nil
	} else if !errors.Is(err, journal.ErrNotFound) {
		return "", err
	}
	vols, err := j.Volumes(ctx, "")
	if err != nil {
		return "", err
	}
	for _, v := range vols {
		if v.ImageName == name {
			return v.Label, nil
		}
	}
	return "", &NameError{Arg: name, Detail: "is no volume label, no image file name recorded at sealing, and no file"}
}

// resolveRelease maps arg to a label (Release's rules). A file or drive
// arg is checked here; its result goes into checked.
func resolveRelease(ctx context.Context, j *journal.Journal, arg string, opts ReleaseOptions, checked map[string]copyState) (string, error) {
	if err := CheckReleaseArg(ctx, j, arg); err != nil {
		return "", err
	}
	p, isPath := pathArg(arg)
	if !isPath {
		return labelOf(ctx, j, arg)
	}
	id := copyID(arg)
	kind := kindOf(id)
	drive := p
	if kind != KindDisc {
		drive = ""
	}
	pvd := pvdLabel(p)
	v, err := j.VolumeMeta(ctx, pvd)
	if pvd == "" || errors.Is(err, journal.ErrNotFound) {
		return "", &RefusedError{Label: pvd, Arg: arg, Reason: RefusedNotThisVolume,
			Detail: fmt.Sprintf("%s is not a copy of any volume this journal sealed (ISO volume id %q)", arg, pvd)}
	}
	if err != nil {
		return "", err
	}
	st := recheck(ctx, v, id, kind, p, drive)
	checked[id] = st
	if st.ok {
		return v.Label, nil
	}
	if st.reachable && st.read { // a bad copy on record is recorded as bad
		vv := verifiedCopies(v)
		if _, ok := vv[id]; ok {
			if err := recordBad(ctx, j, v.Label, []copyState{st}, opts); err != nil {
				return "", err
			}
		}
	}
	return "", &RefusedError{Label: v.Label, Arg: arg, Reason: RefusedNotThisVolume,
		Detail: fmt.Sprintf("%s is not the image sealed as %s: %s (damaged, truncated, appended to, or an image of another data directory with the same label)",
			arg, v.Label, st.why)}
}

// copyState is one copy as counted and re-checked at release.
type copyState struct {
	CopyName
	ok        bool      // re-checked now and matching, or counted on its record (a disc not in a drive)
	reachable bool      // its file or drive could be read now
	read      bool      // its bytes were compared (a mismatch, not an I/O problem)
	sha       [32]byte  // SHA-256 read now
	why       string    // why it does not match or does not count
	verified  time.Time // its latest OK deep verification
}

// tally is what countCopies found.
type tally struct {
	counted []copyState // one per distinct copy counted
	bad     []copyState // copies that failed their re-check
	skipped []string    // why other copies do not count
}

// countCopies counts the distinct copies of v, as docs/design.md ("What
// counts as a copy") says. Only a copy whose latest verification is an OK
// deep one of the sealed image is a candidate. The image counts once if
// one of its files on record matches now (re-hashed whole: SHA-256 and
// size; a file named by the release argument that matched counts too); a
// file that no longer exists cannot be re-checked and does not count. A
// disc counts once per identity (its Copy, or the disc a read-back file
// stood for); when its drive holds this volume now, exactly ImageBytes are
// read back and compared, else its latest OK deep verification counts. An
// offsite object or an extracted directory does not count. Every
// candidate that is reachable and does not match is in bad.
func countCopies(ctx context.Context, v journal.Volume, checked map[string]copyState) (tally, error) {
	var t tally
	latest := verifiedCopies(v)
	var imageOK, imageRec *copyState
	discs := map[string]bool{}
	for _, ver := range v.Verifications { // first-recorded order, each Copy once
		c, ok := latest[ver.Copy]
		if !ok || c.Copy == "" {
			continue
		}
		delete(latest, ver.Copy)
		if c.why != "" {
			t.skipped = append(t.skipped, c.Copy+" "+c.why)
			continue
		}
		if err := ctx.Err(); err != nil {
			return t, err
		}
		switch c.Kind {
		case KindImage:
			st, done := checked[c.Copy]
			if !done {
				st = recheck(ctx, v, c.Copy, KindImage, c.Copy, "")
			}
			st.CopyName, st.verified = c.CopyName, c.verified
			switch {
			case !st.reachable:
				t.skipped = append(t.skipped, c.Copy+" cannot be re-checked ("+st.why+"): not counted")
				if imageRec == nil {
					imageRec = &st
				}
			case !st.ok:
				t.bad = append(t.bad, st)
			case imageOK == nil:
				imageOK = &st
			default:
				t.skipped = append(t.skipped, c.Copy+" holds the same image as "+imageOK.Copy+" (the image counts once, however many files hold it)")
			}
		case KindDisc:
			id := discIdentity(c.Copy)
			if discs[id] {
				t.skipped = append(t.skipped, c.Copy+" is the same disc as one counted ("+id+")")
				continue
			}
			st, done := checked[c.Copy]
			if !done {
				st = recheckDisc(ctx, v, c)
			}
			st.CopyName, st.verified = c.CopyName, c.verified
			if st.reachable && !st.ok {
				t.bad = append(t.bad, st)
				continue
			}
			discs[id] = true
			t.counted = append(t.counted, st)
		case KindOffsite:
			t.skipped = append(t.skipped, c.Copy+" is an offsite copy: release cannot read one back yet, not counted")
		default:
			t.skipped = append(t.skipped, c.Copy+" is an extracted directory, not a copy that counts")
		}
	}
	// a release argument that matched the image stands for files on record that are gone
	for id, st := range checked {
		if imageOK == nil && imageRec != nil && st.ok && st.Kind == KindImage {
			st.CopyName = imageRec.CopyName // the journal knows the copy by its verified name
			st.why = "re-hashed at release as " + id
			imageOK = &st
		}
	}
	if imageOK != nil {
		t.counted = append([]copyState{*imageOK}, t.counted...)
	}
	return t, nil
}

// verifiedCopies maps each Copy of v to its latest verification, as a
// copyState whose why says why it is no candidate ("" if it is one).
func verifiedCopies(v journal.Volume) map[string]copyState {
	out := map[string]copyState{}
	for _, ver := range v.Verifications {
		kind := ver.Kind
		if kind == "" {
			kind = kindOf(ver.Copy)
		}
		c := copyState{CopyName: CopyName{Kind: kind, Copy: ver.Copy}, verified: ver.Time}
		switch {
		case !ver.OK:
			c.why = "failed its last verification (" + strings.Join(ver.Findings, "; ") + ")"
		case ver.Method != "deep":
			c.why = "was last verified by hash only"
		case ver.ImageSHA256 != v.ImageSHA256 && (kind == KindImage || ver.ImageSHA256 != [32]byte{}):
			c.why = fmt.Sprintf("was last verified with image SHA-256 %x, not the sealed %x", ver.ImageSHA256, v.ImageSHA256)
		}
		out[ver.Copy] = c
	}
	return out
}

// recheck compares copy id of kind at path (an image file, hashed whole)
// or drive (read for exactly v.ImageBytes) with the sealed image.
func recheck(ctx context.Context, v journal.Volume, id, kind, path, drive string) copyState {
	st := copyState{CopyName: CopyName{Kind: kind, Copy: id}}
	if drive != "" {
		return readDrive(ctx, v, st, drive)
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		st.why = "no such file"
		if !errors.Is(err, os.ErrNotExist) {
			st.why = err.Error()
		}
		return st
	case !fi.Mode().IsRegular():
		st.why = "not a regular file"
		return st
	}
	f, err := os.Open(path)
	if err != nil {
		st.why = err.Error()
		return st
	}
	defer f.Close()
	st.reachable = true
	n, err := hashReader(ctx, f, -1, &st.sha)
	if err != nil {
		st.why = fmt.Sprintf("read error after %d bytes: %v", n, err)
		return st
	}
	st.read = true
	switch {
	case n != v.ImageBytes:
		st.why = fmt.Sprintf("%d bytes, SHA-256 %x; sealed %d bytes, %x", n, st.sha, v.ImageBytes, v.ImageSHA256)
	case st.sha != v.ImageSHA256:
		st.why = fmt.Sprintf("SHA-256 %x; sealed %x", st.sha, v.ImageSHA256)
	default:
		st.ok = true
	}
	return st
}

// recheckDisc reads disc copy c back if a drive it names holds this
// volume now; otherwise c counts on its record.
func recheckDisc(ctx context.Context, v journal.Volume, c copyState) copyState {
	st := c
	st.ok = true
	st.why = "not in a drive now: counted by its read-back verification of " + c.verified.UTC().Format(time.RFC3339)
	drive := drivePath(c.Copy)
	if drive == "" || pvdLabel(drive) != v.Label {
		return st
	}
	return readDrive(ctx, v, c, drive)
}

// readDrive reads exactly v.ImageBytes from drive (a disc may be longer
// than its image) and compares them with the sealed image.
func readDrive(ctx context.Context, v journal.Volume, st copyState, drive string) copyState {
	st.ok = false
	f, err := os.Open(drive)
	if err != nil {
		st.why = err.Error()
		return st
	}
	defer f.Close()
	st.reachable = true
	if pvdLabel(drive) != v.Label {
		st.read = true
		st.why = fmt.Sprintf("the disc in %s is not %s (ISO volume id %q)", drive, v.Label, pvdLabel(drive))
		return st
	}
	n, err := hashReader(ctx, f, v.ImageBytes, &st.sha)
	switch {
	case err != nil:
		st.why = fmt.Sprintf("read error after %d of %d bytes: %v", n, v.ImageBytes, err)
	case n < v.ImageBytes:
		st.read = true
		st.why = fmt.Sprintf("the disc ends after %d bytes; sealed %d", n, v.ImageBytes)
	case st.sha != v.ImageSHA256:
		st.read = true
		st.why = fmt.Sprintf("read back %d bytes, SHA-256 %x; sealed %x", n, st.sha, v.ImageSHA256)
	default:
		st.read, st.ok = true, true
		st.why = "read back at release"
	}
	return st
}

// hashReader hashes r (limit bytes, or all of it when limit < 0) into sum
// and returns the bytes read; ctx is checked between chunks.
func hashReader(ctx context.Context, r io.Reader, limit int64, sum *[32]byte) (int64, error) {
	h := sha256.New()
	if limit >= 0 {
		r = io.LimitReader(r, limit)
	}
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := r.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	copy(sum[:], h.Sum(nil))
	return n, nil
}

// recordBad records each copy whose bytes failed their re-check as a
// failed "hash" verification, withdrawing its earlier success.
func recordBad(ctx context.Context, j *journal.Journal, label string, bad []copyState, opts ReleaseOptions) error {
	for _, b := range bad {
		if !b.read { // an I/O error is no finding about the bytes
			continue
		}
		ver := journal.Verification{Time: now(opts.Now), Copy: b.Copy, Kind: b.Kind, ImageSHA256: b.sha, Method: "hash",
			Findings: []string{"release re-check: " + b.why}}
		if err := j.AddVerification(ctx, label, ver); err != nil {
			return fmt.Errorf("release %s: record the failed re-check of %s: %w", label, b.Copy, err)
		}
	}
	return nil
}

// notes lists why other copies did not count, for a refusal.
func (t tally) notes() string {
	if len(t.skipped) == 0 {
		return ""
	}
	return "; not counted: " + strings.Join(t.skipped, "; ")
}

// tooFew explains a refusal for too few copies.
func (t tally) tooFew(copies int) string {
	var got []string
	for _, c := range t.counted {
		got = append(got, c.Kind+" "+c.Copy)
	}
	s := fmt.Sprintf("%d distinct %s verified of %d required", len(t.counted), plural(len(t.counted), "copy", "copies"), copies)
	if len(got) > 0 {
		s += " (" + strings.Join(got, ", ") + ")"
	}
	if len(t.counted) > 0 {
		s += ": burn or push another copy and verify it"
	}
	return s + t.notes()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
