package format

import (
	"fmt"
	"time"
)

// Publisher and Application are the ISO volume descriptor identifiers a
// volume records (FORMAT.md §2): publisher and data preparer
// "ARCHIVER", application "ARCHIVER FORMAT 1".
const Publisher = "ARCHIVER"

// Application is the ISO application identifier of this format version.
var Application = fmt.Sprintf("ARCHIVER FORMAT %d", Version)

// Descriptor is what an image's volume descriptors record (ECMA-119 §8.4,
// as decoded by the image audit).
type Descriptor struct {
	VolumeID, SetID                  string
	SetSize, SeqNum                  int
	Publisher, Preparer, Application string
	Created                          time.Time // volume creation date, to 1/100 s
}

// CheckDescriptor compares the volume descriptor fields with the manifest
// (FORMAT.md §2, §7 step 3): volume identifier = label, volume set
// identifier = set id, set size = count, sequence number = index,
// publisher and preparer "ARCHIVER", application "ARCHIVER FORMAT 1",
// creation date = sealing time (to the hundredth of a second the
// descriptor holds).
func CheckDescriptor(m *Manifest, d Descriptor) []Finding {
	var out []Finding
	bad := func(field string, got, want any) {
		out = append(out, Finding{Check: CheckManifest, Volume: m.Label, File: ManifestFile,
			Detail: fmt.Sprintf("ISO %s is %q; the manifest makes it %q", field, fmt.Sprint(got), fmt.Sprint(want))})
	}
	if d.VolumeID != m.Label {
		bad("volume identifier", d.VolumeID, m.Label)
	}
	if d.SetID != m.SetID {
		bad("volume set identifier", d.SetID, m.SetID)
	}
	if d.SetSize != m.Count || d.SeqNum != m.Index {
		bad("volume k of n", fmt.Sprintf("%d of %d", d.SeqNum, d.SetSize), fmt.Sprintf("%d of %d", m.Index, m.Count))
	}
	if d.Publisher != Publisher || d.Preparer != Publisher {
		bad("publisher and data preparer", d.Publisher+", "+d.Preparer, Publisher+", "+Publisher)
	}
	if d.Application != Application {
		bad("application identifier", d.Application, Application)
	}
	if sealed := m.Sealed.UTC().Truncate(10 * time.Millisecond); !d.Created.Equal(sealed) {
		bad("volume creation date", d.Created.UTC().Format(time.RFC3339Nano), sealed.Format(time.RFC3339Nano))
	}
	return out
}
