package sealing

import (
	"path/filepath"
	"strings"
)

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
