package sealing

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
)

// imageTree adapts a media.Image (the independent kdomanski reader) to a
// format.Tree.
type imageTree struct{ im *media.Image }

// The kdomanski reader panics on some corrupt images (e.g. a directory
// extent beyond the end of a truncated image); every call into it recovers
// and turns the panic into an error.
func (t imageTree) Files() (_ []format.TreeFile, err error) {
	defer recoverInto(&err)
	es, err := t.im.Files()
	if err != nil {
		return nil, err
	}
	out := make([]format.TreeFile, len(es))
	for i, e := range es {
		out[i] = format.TreeFile{Path: e.Path, Size: e.Size}
	}
	return out, nil
}

// NumFiles and FileAt make imageTree a format.IndexedTree: format.Volume
// reads the reader's own sorted index instead of copying it.
func (t imageTree) NumFiles() (_ int, err error) {
	defer recoverInto(&err)
	return t.im.NumFiles()
}

func (t imageTree) FileAt(i int) format.TreeFile {
	e := t.im.FileAt(i)
	return format.TreeFile{Path: e.Path, Size: e.Size}
}

func (t imageTree) Open(p string) (_ io.ReadCloser, err error) {
	defer recoverInto(&err)
	r, err := t.im.Open(p)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(safeReader{r}), nil
}

type safeReader struct{ r io.Reader }

func (s safeReader) Read(p []byte) (n int, err error) {
	defer recoverInto(&err)
	return s.r.Read(p)
}

func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("sealing: image reader failed on corrupt data: %v", r)
	}
}

// openTree opens source: a directory (an extracted or mounted disc) or an
// image file / block device, or xorriso's "stdio:PATH" pseudo-drive. The
// closer is nil for a directory.
func openTree(source string) (format.Tree, io.Closer, *media.Image, error) {
	source, _ = devicePath(source)
	fi, err := os.Stat(source)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sealing: %w", err)
	}
	if fi.IsDir() {
		return format.DirTree(source), nil, nil, nil
	}
	im, c, err := openImageFile(source)
	if err != nil {
		return nil, nil, nil, err
	}
	return imageTree{im}, c, im, nil
}

// devicePath returns the file to read for source and whether it is read
// as a drive: xorriso's "stdio:PATH" pseudo-drive (the file PATH) or a
// block device. A drive may hold more than the image (xorriso pads a
// track, a disc is larger than its image), so only the volume space is
// read from it.
func devicePath(source string) (string, bool) {
	if rest, ok := strings.CutPrefix(source, "stdio:"); ok {
		return rest, true
	}
	if fi, err := os.Stat(source); err == nil && fi.Mode()&os.ModeDevice != 0 {
		return source, true
	}
	return source, false
}

// imageBytes returns the image size recorded in the primary volume
// descriptor: Volume Space Size (ECMA-119 §8.4.8, BP 81–88, both-endian)
// × SectorSize. Used to hash exactly the image on a block device and to
// detect truncation.
func imageBytes(r io.ReaderAt) (int64, error) {
	var pvd [media.SectorSize]byte
	if _, err := r.ReadAt(pvd[:], 16*media.SectorSize); err != nil {
		return 0, fmt.Errorf("sealing: read primary volume descriptor: %w", err)
	}
	if pvd[0] != 1 || string(pvd[1:6]) != "CD001" {
		return 0, fmt.Errorf("sealing: sector 16 is not a primary volume descriptor")
	}
	return int64(binary.LittleEndian.Uint32(pvd[80:84])) * media.SectorSize, nil
}

func openImageFile(path string) (im *media.Image, c io.Closer, err error) {
	defer recoverInto(&err)
	return media.OpenImageFile(path)
}

// pvdLabel reads the volume identifier (ECMA-119 §8.4.6, BP 41–72) of the
// primary volume descriptor at sector 16 directly, without the tree; "" if
// unreadable.
func pvdLabel(path string) string {
	path, _ = devicePath(path)
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var pvd [media.SectorSize]byte
	if _, err := f.ReadAt(pvd[:], 16*media.SectorSize); err != nil || pvd[0] != 1 || string(pvd[1:6]) != "CD001" {
		return ""
	}
	return strings.TrimRight(string(pvd[40:72]), " ")
}
