package media

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// File is one regular file to master. Directories are implied by paths.
type File struct {
	Path string                        // slash-separated, relative: "MSG/0000000001.PGP"
	Size int64                         // bytes, 0 ≤ Size < 4 GiB
	Open func() (io.ReadCloser, error) // called once, in layout order, by Layout.WriteTo
}

// FileList is a list of files to master, read by index (PlanList): for
// images of very many files, where a []File (path, size and Open per
// file) would be the largest use of memory. PlanList and the Layout keep
// 12 bytes per file, plus 8 when a directory's files are not given in
// sorted order, and call File(i) again while planning and writing (a few
// times per i), so File(i) must give the same Path and Size every time;
// Open is called once, in layout order.
type FileList interface {
	Len() int
	File(i int) File
}

// fileSlice is a []File as a FileList.
type fileSlice []File

func (s fileSlice) Len() int        { return len(s) }
func (s fileSlice) File(i int) File { return s[i] }

// fileNode is a file placed in the tree: its name, path and Open come from
// the FileList when needed.
type fileNode struct {
	idx  uint32 // index in the FileList
	size uint32 // File.Size
	lba  uint32 // first sector of the extent; for empty files, where it would start
}

// dirNode is a directory of the tree (the root has no name).
type dirNode struct {
	n       name
	parent  *dirNode
	isoPath int // bytes of the primary path: identifiers and separators

	dirs    map[string]*dirNode // by original name
	subdirs []*dirNode          // in the order created
	files   []fileNode          // in FileList order

	// children in §9.3 order per volume, as child numbers: c <
	// len(files) is files[c], else subdirs[c-len(files)]; nil when that
	// order is files then subdirs as listed (the sealer's case)
	isoOrder, jolOrder []int32
	isoNum, jolNum     uint16 // 1-based path table numbers
	isoLBA, jolLBA     uint32
	isoSecs, jolSecs   uint32 // directory extent sizes in sectors
}

// children returns the number of entries of d.
func (d *dirNode) children() int { return len(d.files) + len(d.subdirs) }

// child returns the c-th child in order (a nil order is the identity).
func child(order []int32, c int) int {
	if order == nil {
		return c
	}
	return int(order[c])
}

var rootName = name{iso: "\x00", jol: "\x00", isoKey: "", orig: ""}

func newDir(n name, parent *dirNode) *dirNode {
	d := &dirNode{n: n, parent: parent, dirs: map[string]*dirNode{}}
	if parent != nil {
		d.isoPath = parent.isoPath + 1 + len(n.iso)
	}
	return d
}

// tree is the checked directory hierarchy of a file list.
type tree struct {
	list  FileList
	root  *dirNode
	ndirs int
}

func buildTree(list FileList) (*tree, error) {
	t := &tree{list: list, root: newDir(rootName, nil), ndirs: 1}
	t.root.parent = t.root
	if n := list.Len(); int64(n) > 1<<32-1 {
		return nil, fmt.Errorf("media: %d files, at most %d: %w", n, uint32(1<<32-1), ErrFileSize)
	}
	for i := range list.Len() {
		if err := t.add(i, list.File(i)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// base returns the last component of a checked path.
func base(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func (t *tree) add(i int, f File) error {
	parts, err := splitPath(f.Path)
	if err != nil {
		return err
	}
	if f.Size < 0 || f.Size > MaxFileSize {
		return fmt.Errorf("media: %q: %d bytes, want 0 to %d: %w", f.Path, f.Size, int64(MaxFileSize), ErrFileSize)
	}
	d := t.root
	for _, comp := range parts[:len(parts)-1] {
		if d, err = t.subdir(f.Path, d, comp); err != nil {
			return err
		}
	}
	n, err := mapName(parts[len(parts)-1], false)
	if err != nil {
		return fmt.Errorf("media: %q: %w", f.Path, err)
	}
	if err := checkPathLen(f.Path, d.isoPath+1+len(n.iso)); err != nil {
		return err
	}
	// duplicates and collisions are found when the directory is sorted
	d.files = append(d.files, fileNode{idx: uint32(i), size: uint32(f.Size)})
	return nil
}

func (t *tree) subdir(path string, d *dirNode, comp string) (*dirNode, error) {
	if c, ok := d.dirs[comp]; ok {
		return c, nil
	}
	n, err := mapName(comp, true)
	if err != nil {
		return nil, fmt.Errorf("media: %q: %w", path, err)
	}
	if err := checkPathLen(path, d.isoPath+1+len(n.iso)); err != nil {
		return nil, err
	}
	if t.ndirs++; t.ndirs > maxDirs {
		return nil, fmt.Errorf("media: %q: more than %d directories: %w", path, maxDirs, ErrTooManyDirs)
	}
	c := newDir(n, d)
	d.dirs[comp] = c
	d.subdirs = append(d.subdirs, c)
	return c, nil
}

func checkPathLen(path string, n int) error {
	if n > maxPathLen {
		return fmt.Errorf("media: %q: primary path of %d bytes, at most %d: %w", path, n, maxPathLen, ErrName)
	}
	return nil
}

// name returns the name of child c (a child number, see dirNode) of d.
func (t *tree) name(d *dirNode, c int) name {
	if c < len(d.files) {
		n, _ := mapName(base(t.list.File(int(d.files[c].idx)).Path), false) // checked by add
		return n
	}
	return d.subdirs[c-len(d.files)].n
}

// childPath is the path of child c of d, for errors.
func (t *tree) childPath(d *dirNode, c int) string {
	if c < len(d.files) {
		return t.list.File(int(d.files[c].idx)).Path
	}
	var parts []string
	for x := d.subdirs[c-len(d.files)]; x != t.root; x = x.parent {
		parts = append([]string{x.n.orig}, parts...)
	}
	return strings.Join(parts, "/")
}

// order sorts every directory's children (ECMA-119 §9.3 for the primary
// volume, UCS-2 code units for Joliet), refuses duplicates and
// collisions, sizes each directory's extents, and returns the directories
// in path table order (§9.4: by level, parent number, identifier) per
// volume.
func (t *tree) order() (iso, jol []*dirNode, err error) {
	for _, d := range bfs(t.root, func(d *dirNode) []int32 { return nil }) {
		if err := t.sortDir(d); err != nil {
			return nil, nil, err
		}
	}
	iso = bfs(t.root, func(d *dirNode) []int32 { return d.isoOrder })
	jol = bfs(t.root, func(d *dirNode) []int32 { return d.jolOrder })
	return iso, jol, nil
}

// sortDir orders d's children in both volumes, checks them and sizes d's
// extents. Children given in an order that is already strictly increasing
// in both volumes' keys and ignoring case (the sealer's zero-padded
// names) are checked in one pass holding one name at a time; others are
// sorted with their names held for this directory only.
func (t *tree) sortDir(d *dirNode) error {
	n := d.children()
	var prev name
	var ip, jp packer
	ip.reset()
	jp.reset()
	sorted := true
	for c := 0; c < n && sorted; c++ {
		x := t.name(d, c)
		sorted = c == 0 || prev.isoKey < x.isoKey && prev.jol < x.jol && prev.fold < x.fold
		ip.add(recordLen(len(x.iso)))
		jp.add(recordLen(len(x.jol)))
		prev = x
	}
	if sorted { // strictly increasing: no two share an identifier
		d.isoOrder, d.jolOrder = nil, nil
		d.isoSecs, d.jolSecs = uint32(ip.sectors), uint32(jp.sectors)
		return nil
	}
	names := make([]name, n)
	for c := range names {
		names[c] = t.name(d, c)
	}
	by := func(key func(*name) string) []int32 {
		o := make([]int32, n)
		for c := range o {
			o[c] = int32(c)
		}
		sort.SliceStable(o, func(i, j int) bool { return key(&names[o[i]]) < key(&names[o[j]]) })
		return o
	}
	d.isoOrder = by(func(x *name) string { return x.isoKey })
	d.jolOrder = by(func(x *name) string { return x.jol })
	// equal identifiers sort next to each other: within a run of equal
	// keys, compare every pair (runs longer than one are already errors)
	check := func(order []int32, key func(*name) string) error {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n && key(&names[order[j]]) == key(&names[order[i]]); j++ {
				if err := t.clash(d, names, int(order[i]), int(order[j])); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := check(d.isoOrder, func(x *name) string { return x.isoKey }); err != nil {
		return err
	}
	if err := check(by(func(x *name) string { return x.fold }), func(x *name) string { return x.fold }); err != nil {
		return err
	}
	d.isoSecs = dirSectors(names, d.isoOrder, func(x *name) string { return x.iso })
	d.jolSecs = dirSectors(names, d.jolOrder, func(x *name) string { return x.jol })
	return nil
}

// clash reports children a and b of d (whose isoKeys or folded names are
// equal): the same path twice is ErrDuplicate, else two names that would
// share a primary identifier or a Joliet name ignoring case (or a file
// and a directory of the same name) are ErrCollision.
func (t *tree) clash(d *dirNode, names []name, a, b int) error {
	if b < a {
		a, b = b, a
	}
	x, y := &names[a], &names[b]
	if x.iso != y.iso && x.fold != y.fold {
		return nil
	}
	path := t.childPath(d, b)
	if x.orig == y.orig && a < len(d.files) && b < len(d.files) {
		return fmt.Errorf("media: %q: %w", path, ErrDuplicate)
	}
	return fmt.Errorf("media: %q: %q and %q would share an identifier: %w", path, x.orig, y.orig, ErrCollision)
}

// bfs lists directories breadth first, children in the order kids returns
// (nil: as created).
func bfs(root *dirNode, kids func(*dirNode) []int32) []*dirNode {
	out := []*dirNode{root}
	for i := 0; i < len(out); i++ {
		d := out[i]
		order := kids(d)
		for c := range d.children() {
			if k := child(order, c); k >= len(d.files) {
				out = append(out, d.subdirs[k-len(d.files)])
			}
		}
	}
	return out
}
