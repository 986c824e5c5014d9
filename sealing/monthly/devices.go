package monthly

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrTooFewDevices: Run cannot prompt for a disc change, so each of the
// Copies copies needs a drive of its own; burning twice to one drive would
// overwrite the first copy (or need a human to swap the disc).
var ErrTooFewDevices = errors.New("monthly: fewer distinct devices than copies")

// CheckDevices returns ErrTooFewDevices (wrapped, naming both counts) when
// devices, given at all, name fewer distinct drives than copies. A device
// is compared after cleaning its path and resolving symbolic links
// (/dev/cdrom → /dev/sr0), so the same drive twice counts once.
func CheckDevices(copies int, devices []string) error {
	if len(devices) == 0 {
		return nil
	}
	distinct := map[string]bool{}
	for _, d := range devices {
		distinct[canonicalDevice(d)] = true
	}
	if len(distinct) < copies {
		return fmt.Errorf("%w: --copies %d needs %d distinct devices, got %d (%s)", ErrTooFewDevices, copies, copies, len(distinct), strings.Join(devices, ", "))
	}
	return nil
}

// canonicalDevice is dev with its path cleaned and symlinks resolved.
func canonicalDevice(dev string) string {
	prefix, p := "", dev
	for _, pre := range []string{"stdio:", "mmc:"} {
		if rest, ok := strings.CutPrefix(dev, pre); ok {
			prefix, p = pre, rest
		}
	}
	p = filepath.Clean(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if prefix == "mmc:" {
		prefix = "" // mmc:/dev/sr0 and /dev/sr0 are the same drive
	}
	return prefix + p
}
