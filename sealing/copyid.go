package sealing

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Kinds of copy, recorded as journal.Verification.Kind. What each counts
// toward Release's distinct copies is in docs/design.md, "What counts as a
// copy".
const (
	// KindImage: an image file. The sealed image counts once, however many
	// files hold it; it is re-hashed at release.
	KindImage = "image"
	// KindDisc: a burned disc verified by read-back through a drive. Each
	// distinct Copy counts once ("disc:LABEL#N", or the drive when nothing
	// else tells discs apart).
	KindDisc = "disc"
	// KindOffsite: an offsite object. Not counted until release can read
	// one back (the offsite issue).
	KindOffsite = "offsite"
	// KindDirectory: a directory holding an extracted disc. Verify checks
	// it; it never counts toward release (it is not a medium holding the
	// image, and its image hash cannot be checked).
	KindDirectory = "directory"
)

// CopyName is what a verified source is a copy of: its kind and its
// identity, recorded as journal.Verification Kind and Copy.
type CopyName struct {
	Kind string // KindImage, KindDisc, KindOffsite, KindDirectory
	Copy string // identity: an image path, a drive, or "disc:LABEL#N"
}

// DiscCopy is the Copy of burned copy n (from 1) of volume label.
func DiscCopy(label string, n int) CopyName {
	return CopyName{Kind: KindDisc, Copy: "disc:" + label + "#" + strconv.Itoa(n)}
}

// nameOf names source src, verified without a CopyName given: its copyID,
// of the kind kindOf infers.
func nameOf(src string) CopyName {
	id := copyID(src)
	return CopyName{Kind: kindOf(id), Copy: id}
}

// copyID is the journal.Verification.Copy recorded for a verification of
// src: the path made absolute and clean, with symbolic links resolved, so
// that one file or drive reached under two spellings (DIR/./X.iso, a link
// to it, /dev/cdrom → /dev/sr0) counts as one copy toward Release's
// distinct copies. xorriso's "stdio:PATH" keeps its prefix. A path that
// does not resolve (gone since) is recorded cleaned.
func copyID(src string) string {
	if rest, ok := strings.CutPrefix(src, "stdio:"); ok {
		return "stdio:" + copyID(rest)
	}
	p, err := filepath.Abs(src)
	if err != nil {
		return filepath.Clean(src)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// Read-back files verified in place of a disc: burn's
// IMAGE.readback-DRIVE-RANDOM.iso (DRIVE the device with / and : as _) and
// run's OUT/readback/LABEL.copyN.iso. They are removed after the check.
var (
	burnReadback = regexp.MustCompile(`\.readback-(.+)-[0-9]+\.iso$`)
	runReadback  = regexp.MustCompile(`^(.+)\.copy([0-9]+)\.iso$`)
)

// kindOf infers the kind of copy id (a copyID, or a Copy recorded without
// a Kind): a drive ("stdio:", "mmc:", "disc:", a block or character
// device, a path under /dev/) or a read-back file of burn or run is a
// disc; a directory is KindDirectory; anything else (a regular file, or a
// path that no longer exists) is an image file.
func kindOf(id string) string {
	switch {
	case strings.HasPrefix(id, "stdio:"), strings.HasPrefix(id, "mmc:"), strings.HasPrefix(id, "disc:"), strings.HasPrefix(id, "/dev/"):
		return KindDisc
	case strings.HasPrefix(id, "offsite:"):
		return KindOffsite
	case readbackDisc(id) != "":
		return KindDisc
	}
	if fi, err := os.Stat(id); err == nil {
		switch {
		case fi.IsDir():
			return KindDirectory
		case fi.Mode()&os.ModeDevice != 0:
			return KindDisc
		}
	}
	return KindImage
}

// readbackDisc names the disc a read-back file stood for: run's
// "disc:LABEL#N", burn's "drive:DRIVE" (its name keeps only the drive, so
// discs burned through one drive count once); "" if id is no read-back
// file.
func readbackDisc(id string) string {
	base := filepath.Base(id)
	if m := runReadback.FindStringSubmatch(base); m != nil && filepath.Base(filepath.Dir(id)) == "readback" {
		return "disc:" + m[1] + "#" + m[2]
	}
	if m := burnReadback.FindStringSubmatch(base); m != nil {
		return "drive:" + m[1]
	}
	return ""
}

// discIdentity is what tells disc copy id from another: the disc a
// read-back file stood for, else id itself.
func discIdentity(id string) string {
	if d := readbackDisc(id); d != "" {
		return d
	}
	return id
}

// drivePath is the device or pseudo-drive file through which disc copy id
// can be read again at release ("stdio:P" and "mmc:P" give P; a device
// path gives itself), or "" (a "disc:" name, a removed read-back file).
func drivePath(id string) string {
	for _, pre := range []string{"stdio:", "mmc:"} {
		if rest, ok := strings.CutPrefix(id, pre); ok {
			return rest
		}
	}
	if strings.HasPrefix(id, "/dev/") {
		return id
	}
	if fi, err := os.Stat(id); err == nil && fi.Mode()&os.ModeDevice != 0 {
		return id
	}
	return ""
}
