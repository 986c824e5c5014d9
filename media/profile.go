package media

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SectorSize is the logical block size of every image, in bytes
// (ECMA-119 §6.1.2; the user data of a Mode 1 CD sector, ECMA-130 §14).
const SectorSize = 2048 // bytes

// Profile is a medium and its usable capacity.
type Profile struct {
	Name    string // "dvd5", or the decimal sector count of a custom medium
	Medium  string // human description, e.g. "DVD+R"
	Source  string // where the capacity comes from
	Sectors int64  // capacity in 2048-byte sectors
}

// Capacities in 2048-byte sectors. Each cites its source.
const (
	// CD-R 74 min: 74 min × 60 s × 75 sectors/s of Mode 1 user data
	// (ECMA-130 §14; CD-R per ECMA-394 / Orange Book Part II): 333,000.
	sectorsCD650 = 333000
	// CD-R 80 min: 80 × 60 × 75 sectors (ECMA-394 / Orange Book Part II):
	// 360,000.
	sectorsCD700 = 360000
	// DVD+R single layer (ECMA-349: 2,295,104), the smaller of DVD+R and
	// DVD-R (ECMA-359: 2,298,496).
	sectorsDVD5 = 2295104
	// DVD-R DL (ECMA-382: 4,171,712), the smaller of DVD-R DL and DVD+R DL
	// (ECMA-364: 4,173,824).
	sectorsDVD9 = 4171712
	// BD-R SL formatted without spare area (Blu-ray Disc format, BD-R
	// Part 1: 12,219,392). With the default spare area it holds 11,826,176;
	// xorriso refused an image 103 sectors larger than 12,219,392 (measured).
	sectorsBD25 = 12219392
	// BD-R DL without spare area (Blu-ray Disc format): 24,438,784.
	sectorsBD50 = 24438784
)

var profiles = []Profile{
	{"cd650", "CD-R 74 min", "ECMA-130 §14, ECMA-394 / Orange Book: 74×60×75 sectors", sectorsCD650},
	{"cd700", "CD-R 80 min", "ECMA-394 / Orange Book Part II: 80×60×75 sectors", sectorsCD700},
	{"dvd5", "DVD+R, the smaller of DVD±R", "ECMA-349 (DVD+R); DVD-R ECMA-359 holds 2,298,496", sectorsDVD5},
	{"dvd9", "DVD-R DL, the smaller of DVD±R DL", "ECMA-382 (DVD-R DL); DVD+R DL ECMA-364 holds 4,173,824", sectorsDVD9},
	{"bd25", "BD-R without spare area", "Blu-ray Disc format BD-R Part 1; xorriso refused 103 sectors more (measured)", sectorsBD25},
	{"bd50", "BD-R DL without spare area", "Blu-ray Disc format BD-R Part 1", sectorsBD50},
}

// Profiles returns the named profiles, smallest first. The slice is a copy.
func Profiles() []Profile { return append([]Profile(nil), profiles...) }

// ErrProfile is returned (wrapped) by ParseProfile for an unknown name or a
// bad sector count.
var ErrProfile = errors.New("unknown media profile")

// ParseProfile accepts a profile name ("dvd5", case-insensitive) or a plain
// positive decimal sector count ("2048") for a custom medium.
func ParseProfile(s string) (Profile, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
	}
	n, err := strconv.ParseInt(name, 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(name, "+") {
		return Profile{}, fmt.Errorf("media: %q: %w (want one of %s, or a positive sector count)", s, ErrProfile, profileNames())
	}
	return Profile{Name: name, Medium: "custom", Source: "sector count given by the user", Sectors: n}, nil
}

func profileNames() string {
	var names []string
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// CapacityError says an image does not fit its medium. Both counts are in
// 2048-byte sectors.
type CapacityError struct {
	Need, Have int64
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("media: image needs %d sectors (%d bytes) but the medium holds %d sectors (%d bytes): %d sectors over",
		e.Need, e.Need*SectorSize, e.Have, e.Have*SectorSize, e.Need-e.Have)
}

// CheckCapacity returns a *CapacityError when an image of sectors sectors
// does not fit on p, and nil when it fits (exactly full fits).
func CheckCapacity(sectors int64, p Profile) error {
	if sectors > p.Sectors {
		return &CapacityError{Need: sectors, Have: p.Sectors}
	}
	return nil
}
