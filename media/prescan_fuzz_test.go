package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// FuzzPrescan: prescan never panics or hangs on a damaged primary volume
// descriptor or root directory (ECMA-119 §8.4, §9.1; SUSP entries in the
// records' System Use areas), and every refusal is ErrCorrupt: the image
// is in memory, so no read can fail for another reason.
func FuzzPrescan(f *testing.F) {
	data := func(s string) File {
		return File{Path: s, Size: int64(len(s)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(s))), nil }}
	}
	l, err := Plan(VolumeInfo{VolumeID: "PRESCAN", Recorded: time.Unix(0, 0).UTC()}, []File{data("A/B.TXT"), data("A/C/D"), data("E")})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	img := buf.Bytes()
	pvd := img[sectorPVD*SectorSize : (sectorPVD+1)*SectorSize]
	root := int(binary.LittleEndian.Uint32(pvd[158:162]))
	if err := prescan(bytes.NewReader(img)); err != nil {
		f.Fatal(err)
	}
	f.Add(bytes.Clone(pvd), bytes.Clone(img[root*SectorSize:(root+1)*SectorSize]))
	// a record whose System Use area holds a continuation entry (CE) to itself
	rec := bytes.Clone(img[root*SectorSize : (root+1)*SectorSize])
	ce := []byte{'C', 'E', 28, 1}
	ce = binary.LittleEndian.AppendUint32(ce, uint32(root))
	ce = binary.BigEndian.AppendUint32(ce, uint32(root))
	ce = append(ce, make([]byte, 16)...)
	rec[0] += byte(len(ce))
	rec = append(rec[:34], append(ce, rec[34:]...)...)[:SectorSize]
	f.Add(bytes.Clone(pvd), rec)
	f.Fuzz(func(t *testing.T, descriptor, dir []byte) {
		b := bytes.Clone(img)
		copy(b[sectorPVD*SectorSize:(sectorPVD+1)*SectorSize], descriptor)
		copy(b[root*SectorSize:(root+1)*SectorSize], dir)
		if err := prescan(bytes.NewReader(b)); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prescan: %v, not ErrCorrupt", err)
		}
	})
}

// TestFuzzSeeds: every fuzz target of the package (both test packages)
// has a checked-in seed corpus.
func TestFuzzSeeds(t *testing.T) { testtool.FuzzSeeds(t) }
