package media

import (
	"fmt"
	"slices"
	"sort"
)

// Planner sizes an image incrementally and exactly, for packing volumes:
// after any sequence of Adds, Sectors equals Plan(info, files).Sectors()
// for the same files. It applies the same checks as Plan, so a path Add
// accepts, Plan accepts too.
//
// Cost: With and Add are O(depth) plus O(1) when a name sorts after every
// name already in its directory (ECMA-119 §9.3 order; adding files in
// sorted path order, as the sealer does with zero-padded sequence numbers,
// always hits this case), and O(entries in that directory) otherwise.
// Memory is about 20 bytes per file while every directory's children are
// added in sorted order (each child's name and two record lengths), and
// about 300 (291 measured at 100,000 files) in a directory that once got
// a child out of order, which then keeps every name's keys and
// identifiers.
type Planner struct {
	info     VolumeInfo
	err      error // from VolumeInfo validation; returned by With and Add
	root     *pdir
	dirs     int   // directories including the root
	isoPT    int64 // primary path table bytes
	jolPT    int64 // Joliet path table bytes
	dirSecs  int64 // directory extents of both volumes, sectors
	fileSecs int64 // file extents, sectors
}

// pdir is the planner's view of a directory. It starts compact: while
// every child sorts after the previous one in both volumes and ignoring
// case, no two can share an identifier and both orders are the order
// added, so it keeps only the children's names (names, ends) and record
// lengths (iso.lens, jol.lens; keys nil) and the last child. The first
// child out of order turns it full (toFull): keys, files and taken.
type pdir struct {
	isoPath  int
	dirs     map[string]*pdir
	names    []byte   // compact: the children's original names, in the order added
	ends     []uint32 // compact: ends[i] is the end of child i's name in names
	last     name     // compact: the last child added
	full     bool
	files    map[string]struct{} // full only
	taken    map[string]string   // full only: primary identifier and folded Joliet name → original
	iso, jol sorted
}

// after reports whether n sorts after every child of compact d in both
// volumes and ignoring case.
func (d *pdir) after(n name) bool {
	return len(d.ends) == 0 || d.last.isoKey < n.isoKey && d.last.jol < n.jol && d.last.fold < n.fold
}

// toFull turns compact d full: its children's keys (already in sort
// order), the file set and the identifiers taken.
func (d *pdir) toFull() {
	if d.full {
		return
	}
	d.full = true
	d.files, d.taken = map[string]struct{}{}, map[string]string{}
	d.iso.keys, d.jol.keys = make([]string, 0, len(d.ends)), make([]string, 0, len(d.ends))
	start := uint32(0)
	for _, end := range d.ends {
		orig := string(d.names[start:end])
		start = end
		_, dir := d.dirs[orig]
		n, _ := mapName(orig, dir) // checked when added
		d.iso.keys, d.jol.keys = append(d.iso.keys, n.isoKey), append(d.jol.keys, n.jol)
		d.taken["i"+n.iso] = n.orig
		d.taken["j"+n.fold] = n.orig
		if !dir {
			d.files[orig] = struct{}{}
		}
	}
	d.names, d.ends, d.last = nil, nil, name{}
}

// sorted is a directory's records in sort order with their packing.
type sorted struct {
	keys []string
	lens []uint8 // record lengths, bytes
	p    packer
}

func newSorted() sorted {
	s := sorted{}
	s.p.reset()
	return s
}

// with returns the directory's sectors if a record (key, n) were added.
func (s *sorted) with(key string, n int) int64 {
	i := sort.SearchStrings(s.keys, key)
	if i == len(s.keys) {
		p := s.p
		p.add(n)
		return p.sectors
	}
	var p packer
	p.reset()
	for j := range s.lens {
		if j == i {
			p.add(n)
		}
		p.add(int(s.lens[j]))
	}
	return p.sectors
}

// push adds a record after every other one in a compact directory (keys
// not kept) and returns the change in sectors.
func (s *sorted) push(n int) int64 {
	before := s.p.sectors
	s.lens = append(s.lens, uint8(n))
	s.p.add(n)
	return s.p.sectors - before
}

// insert adds a record and returns the change in sectors.
func (s *sorted) insert(key string, n int) int64 {
	before := s.p.sectors
	i := sort.SearchStrings(s.keys, key)
	if i == len(s.keys) {
		s.keys, s.lens = append(s.keys, key), append(s.lens, uint8(n))
		s.p.add(n)
		return s.p.sectors - before
	}
	s.keys, s.lens = slices.Insert(s.keys, i, key), slices.Insert(s.lens, i, uint8(n))
	s.p.reset()
	for _, l := range s.lens {
		s.p.add(int(l))
	}
	return s.p.sectors - before
}

func newPdir(isoPath int) *pdir {
	return &pdir{isoPath: isoPath, dirs: map[string]*pdir{}, iso: newSorted(), jol: newSorted()}
}

// NewPlanner starts an empty image (root directory only). An invalid info
// is reported by every With and Add.
func NewPlanner(info VolumeInfo) *Planner {
	info, err := info.normalized()
	p := &Planner{info: info, err: err, root: newPdir(0), dirs: 1}
	p.isoPT, p.jolPT = int64(pathRecordLen(1)), int64(pathRecordLen(1))
	p.dirSecs = 2
	return p
}

// Sectors is the exact size in 2048-byte sectors of the image of every
// file added so far.
func (p *Planner) Sectors() int64 {
	return firstPathTable + 2*sectorsFor(p.isoPT) + 2*sectorsFor(p.jolPT) + p.dirSecs + p.fileSecs
}

// change is the effect of adding one file, computed without mutating.
type change struct {
	parent  *pdir  // deepest existing directory on the path
	newDirs []name // directories to create under parent, outermost first
	file    name
	size    int64
	sectors int64 // image size after the change
}

// With returns the image size in sectors if path (size bytes) were added,
// without adding it. Errors are those of Plan.
func (p *Planner) With(path string, size int64) (int64, error) {
	c, err := p.prepare(path, size)
	if err != nil {
		return 0, err
	}
	return c.sectors, nil
}

// Add adds path (size bytes). Errors are those of Plan; on error nothing
// is added.
func (p *Planner) Add(path string, size int64) error {
	c, err := p.prepare(path, size)
	if err != nil {
		return err
	}
	p.apply(c)
	return nil
}

func (p *Planner) prepare(path string, size int64) (*change, error) {
	if p.err != nil {
		return nil, p.err
	}
	parts, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if size < 0 || size > MaxFileSize {
		return nil, fmt.Errorf("media: %q: %d bytes, want 0 to %d: %w", path, size, int64(MaxFileSize), ErrFileSize)
	}
	c := &change{parent: p.root, size: size}
	i := 0
	for ; i < len(parts)-1; i++ {
		d, ok := c.parent.dirs[parts[i]]
		if !ok {
			break
		}
		c.parent = d
	}
	isoPath := c.parent.isoPath
	first := true // the component to add to c.parent, which has other children
	for ; i < len(parts); i++ {
		dir := i < len(parts)-1
		n, err := mapName(parts[i], dir)
		if err != nil {
			return nil, fmt.Errorf("media: %q: %w", path, err)
		}
		if first && !c.parent.full && !c.parent.after(n) {
			c.parent.toFull() // out of order: keep every key from now on
		}
		if first && !dir && c.parent.full {
			if _, dup := c.parent.files[parts[i]]; dup {
				return nil, fmt.Errorf("media: %q: %w", path, ErrDuplicate)
			}
		}
		isoPath += 1 + len(n.iso)
		if err := checkPathLen(path, isoPath); err != nil {
			return nil, err
		}
		if first && c.parent.full {
			if err := checkTaken(c.parent.taken, path, n); err != nil {
				return nil, err
			}
		}
		first = false // a new directory holds only this one child
		if dir {
			c.newDirs = append(c.newDirs, n)
		} else {
			c.file = n
		}
	}
	if p.dirs+len(c.newDirs) > maxDirs {
		return nil, fmt.Errorf("media: %q: more than %d directories: %w", path, maxDirs, ErrTooManyDirs)
	}
	c.sectors = p.sizeAfter(c)
	return c, nil
}

func checkTaken(taken map[string]string, path string, n name) error {
	for _, k := range []string{"i" + n.iso, "j" + n.fold} {
		if other, ok := taken[k]; ok {
			return fmt.Errorf("media: %q: %q and %q would share an identifier: %w", path, other, n.orig, ErrCollision)
		}
	}
	return nil
}

// sizeAfter computes the image size in sectors after c.
func (p *Planner) sizeAfter(c *change) int64 {
	first := c.file
	if len(c.newDirs) > 0 {
		first = c.newDirs[0]
	}
	dirSecs := p.dirSecs +
		c.parent.iso.with(first.isoKey, recordLen(len(first.iso))) - c.parent.iso.p.sectors +
		c.parent.jol.with(first.jol, recordLen(len(first.jol))) - c.parent.jol.p.sectors +
		2*int64(len(c.newDirs))
	isoPT, jolPT := p.isoPT, p.jolPT
	for _, n := range c.newDirs {
		isoPT += int64(pathRecordLen(len(n.iso)))
		jolPT += int64(pathRecordLen(len(n.jol)))
	}
	return firstPathTable + 2*sectorsFor(isoPT) + 2*sectorsFor(jolPT) + dirSecs + p.fileSecs + sectorsFor(c.size)
}

func (p *Planner) apply(c *change) {
	d := c.parent
	for _, n := range c.newDirs {
		p.record(d, n)
		nd := newPdir(d.isoPath + 1 + len(n.iso))
		d.dirs[n.orig] = nd
		p.dirs++
		p.dirSecs += 2
		p.isoPT += int64(pathRecordLen(len(n.iso)))
		p.jolPT += int64(pathRecordLen(len(n.jol)))
		d = nd
	}
	p.record(d, c.file)
	if d.full {
		d.files[c.file.orig] = struct{}{}
	}
	p.fileSecs += sectorsFor(c.size)
}

// record adds n's directory records to d in both volumes.
func (p *Planner) record(d *pdir, n name) {
	if !d.full { // prepare checked that n sorts after every child
		d.names = append(d.names, n.orig...)
		d.ends = append(d.ends, uint32(len(d.names)))
		d.last = n
		p.dirSecs += d.iso.push(recordLen(len(n.iso)))
		p.dirSecs += d.jol.push(recordLen(len(n.jol)))
		return
	}
	d.taken["i"+n.iso] = n.orig
	d.taken["j"+n.fold] = n.orig
	p.dirSecs += d.iso.insert(n.isoKey, recordLen(len(n.iso)))
	p.dirSecs += d.jol.insert(n.jol, recordLen(len(n.jol)))
}
