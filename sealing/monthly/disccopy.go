package monthly

import (
	"fmt"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing"
)

// DiscKind is journal.Verification.Kind of a burned disc read back
// through a drive and verified deeply.
const DiscKind = sealing.KindDisc

// DiscCopy is one copy of one volume to burn on a disc of its own.
type DiscCopy struct {
	Label       string    `json:"label"`
	Tenant      string    `json:"tenant"`
	Period      string    `json:"period"`
	Copy        int       `json:"copy"`         // 1-based
	Copies      int       `json:"copies"`       // copies of the volume in all
	Image       string    `json:"image"`        // absolute path of the sealed image
	ImageSHA256 string    `json:"image_sha256"` // hex, as sealed and recorded
	ImageBytes  int64     `json:"image_bytes"`  // bytes
	Queued      time.Time `json:"queued,omitzero"`
}

// DiscCopyID is journal.Verification.Copy of copy n of volume label:
// "disc:LABEL#N". Each burned disc counts once toward release, however
// often it is read back.
func DiscCopyID(label string, n int) string { return sealing.DiscCopy(label, n).Copy }

// ID is DiscCopyID of d.
func (d DiscCopy) ID() string { return DiscCopyID(d.Label, d.Copy) }

// String is "ACME_202612_V01OF01 copy 1 of 2".
func (d DiscCopy) String() string { return fmt.Sprintf("%s copy %d of %d", d.Label, d.Copy, d.Copies) }

// IsDirDevice reports whether device is "stdio:DIR/" (a trailing slash):
// a directory that holds one file per burned copy.
func IsDirDevice(device string) bool {
	return strings.HasPrefix(device, "stdio:") && strings.HasSuffix(device, "/")
}

// CopyTarget is the drive that copy n of volume label is burned through:
// device itself, or for "stdio:DIR/" the file of its own,
// "stdio:DIR/LABEL-copyN.iso".
func CopyTarget(device, label string, n int) string {
	if IsDirDevice(device) {
		return fmt.Sprintf("%s%s-copy%d.iso", device, label, n)
	}
	return device
}

// NextCopy is the copy number for another disc of v burned by hand: the
// lowest N without an OK deep disc verification (a failed disc's number
// is taken again).
func NextCopy(v journal.Volume) int {
	n := 1
	for {
		if _, done := discDone(v, n); !done {
			return n
		}
		n++
	}
}
