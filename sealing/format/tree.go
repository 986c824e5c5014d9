package format

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// TreeFile is one regular file of a disc tree.
type TreeFile struct {
	Path string // slash-separated, relative to the disc root
	Size int64  // bytes
}

// Tree is a read-only disc file tree: an ISO image (through package media)
// or a directory holding an extracted or mounted disc.
type Tree interface {
	Files() ([]TreeFile, error) // every regular file, sorted by Path
	Open(path string) (io.ReadCloser, error)
}

// IndexedTree is a Tree that keeps its own sorted file list (an image's
// reader does): Volume then reads it by index instead of keeping a copy
// (24 bytes a file). NumFiles lists the tree (its error is Files'), and
// FileAt(i), 0 ≤ i < NumFiles(), is the i-th file of Files().
type IndexedTree interface {
	Tree
	NumFiles() (int, error)
	FileAt(i int) TreeFile
}

// DirTree is a Tree over a directory.
type DirTree string

// Files walks the directory.
func (d DirTree) Files() ([]TreeFile, error) {
	var out []TreeFile
	err := filepath.WalkDir(string(d), func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			return nil
		}
		fi, err := de.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(string(d), p)
		if err != nil {
			return err
		}
		out = append(out, TreeFile{Path: filepath.ToSlash(rel), Size: fi.Size()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// Open opens the file at slash path p.
func (d DirTree) Open(p string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(p)))
}
