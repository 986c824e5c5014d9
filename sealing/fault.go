package sealing

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Fault points of Seal, in the order they are reached. N counts images
// (1-based) for the per-image points and is 0 otherwise.
const (
	FaultStaged    = "after-stage"   // every message encrypted into the work dir
	FaultPartial   = "after-partial" // image N written to NAME.iso.partial, not yet renamed
	FaultImage     = "after-image"   // image N renamed to NAME.iso and its directory fsynced
	FaultVerified  = "after-verify"  // every image self-verified, nothing recorded
	FaultRecordErr = "record-error"  // RecordSealed committed, but its error is taken to be this one (a commit reported failed that reached the disk)
	FaultRecorded  = "after-record"  // RecordSealed done (with the verifications), work dir not yet removed
)

// FaultFunc is a test hook called at each fault point; a non-nil error
// aborts Seal with that error. Production code leaves it nil.
type FaultFunc func(point string, n int) error

// parseFault parses a seal fault spec "seal:POINT[:N][:error]" (one of
// several comma-separated specs, others being the journal's), as
// ARCHIVER_FAULT gives it to a binary built with -tags faultinject
// (faultenv.go). At POINT (and image N when given) the process SIGKILLs
// itself, or with ":error" Seal returns ErrFault. Returns nil when no
// spec names a seal point.
func parseFault(specs string) FaultFunc {
	var spec string
	for _, s := range strings.Split(specs, ",") {
		if strings.HasPrefix(s, "seal:") {
			spec = s
		}
	}
	if spec == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(spec, "seal:"), ":")
	point, want, kill := parts[0], 0, true
	for _, p := range parts[1:] {
		if p == "error" {
			kill = false
		} else if n, err := strconv.Atoi(p); err == nil {
			want = n
		}
	}
	return func(at string, n int) error {
		if at != point || (want != 0 && n != want) {
			return nil
		}
		if kill {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		return fmt.Errorf("%w at %s %d", ErrFault, at, n)
	}
}

func (s *sealer) fault(point string, n int) error {
	if s.opts.Fault == nil {
		return nil
	}
	return s.opts.Fault(point, n)
}
