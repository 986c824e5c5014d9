package discovery

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrOutNotEmpty: Export refuses an output directory that already holds
// anything, so a production is never mixed with or written over another.
var ErrOutNotEmpty = errors.New("discovery: output directory is not empty")

// outDir creates files only inside one directory, through os.Root, so no
// name, symlink or ".." can reach outside it, and only with O_EXCL, so
// nothing is ever overwritten.
type outDir struct {
	path string
	root *os.Root
}

// openOut creates dir (mode 0700) when missing and refuses it when it
// exists and is not an empty directory.
func openOut(dir string) (*outDir, error) {
	if dir == "" {
		return nil, errors.New("discovery: no output directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("discovery: output: %w", err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("discovery: output: %w", err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("discovery: output: %w", err)
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("%w: %s holds %q", ErrOutNotEmpty, dir, names[0])
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("discovery: output: %w", err)
	}
	return &outDir{path: dir, root: root}, nil
}

// create makes a new file; an existing file is an error (O_EXCL).
func (o *outDir) create(name string) (*os.File, error) {
	f, err := o.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("discovery: create %s: %w", name, err)
	}
	return f, nil
}

// remove deletes a file this export created (a message that failed its
// hash check after streaming).
func (o *outDir) remove(name string) error { return o.root.Remove(name) }

// open reopens a file this export created, for reading.
func (o *outDir) open(name string) (*os.File, error) { return o.root.Open(name) }

// sync fsyncs the directory itself, so that the names of the files created
// in it survive a crash along with their (already fsync'd) contents.
func (o *outDir) sync() error {
	d, err := o.root.Open(".")
	if err != nil {
		return fmt.Errorf("discovery: sync %s: %w", o.path, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("discovery: sync %s: %w", o.path, err)
	}
	return nil
}

func (o *outDir) Close() error { return o.root.Close() }
