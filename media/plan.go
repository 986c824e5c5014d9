package media

import (
	"fmt"
)

// Layout is the complete placement of one image: every descriptor, path
// table, directory and file extent, in 2048-byte sectors. It is immutable
// once Plan returns; WriteTo may be called more than once.
type Layout struct {
	info     VolumeInfo
	list     FileList
	iso, jol []*dirNode // directories in path table order per volume; file extents follow iso's order
	isoPT    uint32     // primary path table size in bytes (each of L and M)
	jolPT    uint32     // Joliet path table size in bytes
	ptLBA    [4]uint32  // primary L, primary M, Joliet L, Joliet M
	sectors  int64
}

// Plan checks names, depth and sizes and computes the whole layout from
// names and sizes alone; no file is opened. Errors wrap ErrName,
// ErrCollision, ErrDuplicate, ErrDepth, ErrFileSize, ErrTooManyDirs or
// ErrVolumeInfo and name the offending path. An empty file list gives a
// valid image holding only the root directory.
func Plan(info VolumeInfo, files []File) (*Layout, error) {
	return PlanList(info, fileSlice(files))
}

// PlanList is Plan for files given as a FileList, for images of very many
// files: it keeps 12 bytes per file (20 in a directory whose files are
// not listed in sorted order) instead of the caller's []File, and calls
// files.File(i) again when it writes. The image is the same as Plan's for
// the same files.
func PlanList(info VolumeInfo, files FileList) (*Layout, error) {
	info, err := info.normalized()
	if err != nil {
		return nil, err
	}
	t, err := buildTree(files)
	if err != nil {
		return nil, err
	}
	l := &Layout{info: info, list: files}
	if l.iso, l.jol, err = t.order(); err != nil {
		return nil, err
	}
	l.isoPT = pathTableBytes(l.iso, func(d *dirNode) string { return d.n.iso })
	l.jolPT = pathTableBytes(l.jol, func(d *dirNode) string { return d.n.jol })
	lba := int64(firstPathTable)
	for i, size := range []uint32{l.isoPT, l.isoPT, l.jolPT, l.jolPT} {
		l.ptLBA[i] = uint32(lba)
		lba += sectorsFor(int64(size))
	}
	for i, d := range l.iso {
		d.isoNum = uint16(i + 1)
		d.isoLBA = uint32(lba)
		lba += int64(d.isoSecs)
	}
	for i, d := range l.jol {
		d.jolNum = uint16(i + 1)
		d.jolLBA = uint32(lba)
		lba += int64(d.jolSecs)
	}
	for _, d := range l.iso {
		for c := range d.children() {
			if k := child(d.isoOrder, c); k < len(d.files) {
				f := &d.files[k]
				f.lba = uint32(lba)
				lba += sectorsFor(int64(f.size))
			}
		}
		if lba > 1<<32-1 {
			return nil, fmt.Errorf("media: image of more than %d sectors: %w", uint32(1<<32-1), ErrFileSize)
		}
	}
	l.sectors = lba
	return l, nil
}

// Sectors is the exact size of the image in 2048-byte sectors: WriteTo
// writes Sectors()*SectorSize bytes.
func (l *Layout) Sectors() int64 { return l.sectors }

// Size is the exact size of the image in bytes.
func (l *Layout) Size() int64 { return l.sectors * SectorSize }

// sectorsFor is the number of whole sectors holding n bytes.
func sectorsFor(n int64) int64 { return (n + SectorSize - 1) / SectorSize }

func pathTableBytes(dirs []*dirNode, id func(*dirNode) string) uint32 {
	var n int
	for _, d := range dirs {
		n += pathRecordLen(len(id(d)))
	}
	return uint32(n)
}

// dirSectors packs the "." and ".." records and one record per child
// (names in child-number order, taken in order) into sectors; a record
// never crosses a sector boundary (ECMA-119 §6.8.1.1).
func dirSectors(names []name, order []int32, id func(*name) string) uint32 {
	var p packer
	p.reset()
	for c := range names {
		p.add(recordLen(len(id(&names[child(order, c)]))))
	}
	return uint32(p.sectors)
}

// packer tracks how directory records fill sectors.
type packer struct {
	sectors int64 // sectors used so far (≥ 1)
	used    int   // bytes used in the last sector
}

func (p *packer) reset() { p.sectors, p.used = 1, 2*dotRecordLen }

func (p *packer) add(n int) {
	if p.used+n > SectorSize {
		p.sectors++
		p.used = 0
	}
	p.used += n
}
