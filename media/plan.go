package media

import (
	"fmt"
)

// Layout is the complete placement of one image: every descriptor, path
// table, directory and file extent, in 2048-byte sectors. It is immutable
// once Plan returns; WriteTo may be called more than once.
type Layout struct {
	info     VolumeInfo
	iso, jol []*dirNode  // directories in path table order per volume
	files    []*fileNode // in extent order
	isoPT    uint32      // primary path table size in bytes (each of L and M)
	jolPT    uint32      // Joliet path table size in bytes
	ptLBA    [4]uint32   // primary L, primary M, Joliet L, Joliet M
	sectors  int64
}

// Plan checks names, depth and sizes and computes the whole layout from
// names and sizes alone; no file is opened. Errors wrap ErrName,
// ErrCollision, ErrDuplicate, ErrDepth, ErrFileSize, ErrTooManyDirs or
// ErrVolumeInfo and name the offending path. An empty file list gives a
// valid image holding only the root directory.
func Plan(info VolumeInfo, files []File) (*Layout, error) {
	info, err := info.normalized()
	if err != nil {
		return nil, err
	}
	t, err := buildTree(files)
	if err != nil {
		return nil, err
	}
	l := &Layout{info: info}
	l.iso, l.jol = t.order()
	l.isoPT = pathTableBytes(l.iso, func(d *dirNode) string { return d.n.iso })
	l.jolPT = pathTableBytes(l.jol, func(d *dirNode) string { return d.n.jol })
	lba := int64(firstPathTable)
	for i, size := range []uint32{l.isoPT, l.isoPT, l.jolPT, l.jolPT} {
		l.ptLBA[i] = uint32(lba)
		lba += sectorsFor(int64(size))
	}
	for i, d := range l.iso {
		d.isoNum = uint16(i + 1)
		d.isoSecs = dirSectors(d.isoOrder, func(n *name) string { return n.iso })
		d.isoLBA = uint32(lba)
		lba += int64(d.isoSecs)
	}
	for i, d := range l.jol {
		d.jolNum = uint16(i + 1)
		d.jolSecs = dirSectors(d.jolOrder, func(n *name) string { return n.jol })
		d.jolLBA = uint32(lba)
		lba += int64(d.jolSecs)
	}
	for _, d := range l.iso {
		for _, e := range d.isoOrder {
			if e.f != nil {
				e.f.lba = uint32(lba)
				lba += sectorsFor(e.f.f.Size)
				l.files = append(l.files, e.f)
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

// dirSectors packs the "." and ".." records and one record per child into
// sectors; a record never crosses a sector boundary (ECMA-119 §6.8.1.1).
func dirSectors(children []entry, id func(*name) string) uint32 {
	var p packer
	p.reset()
	for _, e := range children {
		p.add(recordLen(len(id(e.name()))))
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
