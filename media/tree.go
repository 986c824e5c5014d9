package media

import (
	"fmt"
	"io"
	"sort"
)

// File is one regular file to master. Directories are implied by paths.
type File struct {
	Path string                        // slash-separated, relative: "MSG/0000000001.PGP"
	Size int64                         // bytes, 0 ≤ Size < 4 GiB
	Open func() (io.ReadCloser, error) // called once, in layout order, by Layout.WriteTo
}

// fileNode is a file placed in the tree.
type fileNode struct {
	n    name
	f    File
	lba  uint32 // first sector of the extent; for empty files, where it would start
	path string
}

// dirNode is a directory of the tree (the root has no name).
type dirNode struct {
	n       name
	parent  *dirNode
	isoPath int // bytes of the primary path: identifiers and separators

	dirs  map[string]*dirNode  // by original name
	files map[string]*fileNode // by original name
	taken map[string]string    // primary identifier and folded Joliet name → original

	isoOrder, jolOrder []entry // children in §9.3 order per volume
	isoNum, jolNum     uint16  // 1-based path table numbers
	isoLBA, jolLBA     uint32
	isoSecs, jolSecs   uint32 // directory extent sizes in sectors
}

// entry is a child of a directory: exactly one of d and f is set.
type entry struct {
	d *dirNode
	f *fileNode
}

func (e entry) name() *name {
	if e.d != nil {
		return &e.d.n
	}
	return &e.f.n
}

var rootName = name{iso: "\x00", jol: "\x00", isoKey: "", orig: ""}

func newDir(n name, parent *dirNode) *dirNode {
	d := &dirNode{n: n, parent: parent, dirs: map[string]*dirNode{},
		files: map[string]*fileNode{}, taken: map[string]string{}}
	if parent != nil {
		d.isoPath = parent.isoPath + 1 + len(n.iso)
	}
	return d
}

// claim records n in d, refusing a second name with the same primary
// identifier or the same Joliet name ignoring case.
func (d *dirNode) claim(path string, n name) error {
	for _, k := range []string{"i" + n.iso, "j" + n.fold} {
		if other, ok := d.taken[k]; ok {
			return fmt.Errorf("media: %q: %q and %q would share an identifier: %w", path, other, n.orig, ErrCollision)
		}
	}
	d.taken["i"+n.iso] = n.orig
	d.taken["j"+n.fold] = n.orig
	return nil
}

// tree is the checked directory hierarchy of a file list.
type tree struct {
	root  *dirNode
	ndirs int
}

func buildTree(files []File) (*tree, error) {
	t := &tree{root: newDir(rootName, nil), ndirs: 1}
	t.root.parent = t.root
	for _, f := range files {
		if err := t.add(f); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *tree) add(f File) error {
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
	last := parts[len(parts)-1]
	if _, ok := d.files[last]; ok {
		return fmt.Errorf("media: %q: %w", f.Path, ErrDuplicate)
	}
	n, err := mapName(last, false)
	if err != nil {
		return fmt.Errorf("media: %q: %w", f.Path, err)
	}
	if err := checkPathLen(f.Path, d.isoPath+1+len(n.iso)); err != nil {
		return err
	}
	if err := d.claim(f.Path, n); err != nil {
		return err
	}
	d.files[last] = &fileNode{n: n, f: f, path: f.Path}
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
	if err := d.claim(path, n); err != nil {
		return nil, err
	}
	if t.ndirs++; t.ndirs > maxDirs {
		return nil, fmt.Errorf("media: %q: more than %d directories: %w", path, maxDirs, ErrTooManyDirs)
	}
	c := newDir(n, d)
	d.dirs[comp] = c
	return c, nil
}

func checkPathLen(path string, n int) error {
	if n > maxPathLen {
		return fmt.Errorf("media: %q: primary path of %d bytes, at most %d: %w", path, n, maxPathLen, ErrName)
	}
	return nil
}

// order sorts every directory's children (ECMA-119 §9.3 for the primary
// volume, UCS-2 code units for Joliet) and returns the directories in
// path table order (§9.4: by level, parent number, identifier) per volume.
func (t *tree) order() (iso, jol []*dirNode) {
	iso = bfs(t.root, func(d *dirNode) []entry {
		d.isoOrder = sortedEntries(d, func(n *name) string { return n.isoKey })
		return d.isoOrder
	})
	jol = bfs(t.root, func(d *dirNode) []entry {
		d.jolOrder = sortedEntries(d, func(n *name) string { return n.jol })
		return d.jolOrder
	})
	return iso, jol
}

func sortedEntries(d *dirNode, key func(*name) string) []entry {
	es := make([]entry, 0, len(d.dirs)+len(d.files))
	for _, c := range d.dirs {
		es = append(es, entry{d: c})
	}
	for _, f := range d.files {
		es = append(es, entry{f: f})
	}
	sort.Slice(es, func(i, j int) bool { return key(es[i].name()) < key(es[j].name()) })
	return es
}

// bfs lists directories breadth first, children in the order kids returns.
func bfs(root *dirNode, kids func(*dirNode) []entry) []*dirNode {
	out := []*dirNode{root}
	for i := 0; i < len(out); i++ {
		for _, e := range kids(out[i]) {
			if e.d != nil {
				out = append(out, e.d)
			}
		}
	}
	return out
}
