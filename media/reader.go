package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/kdomanski/iso9660"
)

// Image reads an ISO 9660 image through github.com/kdomanski/iso9660
// v0.4.0, a reader independent of our writer, so that verification does
// not share our writer's bugs. Its known limits, measured:
//   - It reads only the primary volume: no Joliet names. For ISO-safe names
//     (see docs/media.md) the primary names equal the paths given to Plan;
//     mapped names come back in their primary (mapped) form.
//   - It cuts a file identifier at the first ';' and drops an empty
//     extension, so "NAME.EXT;1" reads as "NAME.EXT" and "NAME.;1" as
//     "NAME". A name containing ';' (which our writer never records) would
//     read truncated.
//   - It shows a multi-extent file as several files of the same name; our
//     writer records each file as one extent (files < 4 GiB). Files reports
//     a repeated path as an error rather than guessing.
//   - It reads Rock Ridge names wrongly in directories of more than one
//     sector (rockridge.go), so an image with Rock Ridge (we write none;
//     a rebuild by xorriso -as mkisofs -R has it) is listed by this
//     package's own walk, by its Rock Ridge names.
//   - On a damaged image it can loop forever or recurse without bound, so
//     OpenImage prescans the tree with bounds first (ErrCorrupt), and
//     panics inside it become ErrCorrupt.
type Image struct {
	im     *iso9660.Image
	ra     io.ReaderAt // the image, as given to OpenImage
	label  string
	index  []indexed // every file, sorted by path; built on first use
	loaded bool
	budget int64 // most directory entries a sound walk can visit
	// rr: the image uses SUSP (Rock Ridge); rrSkip is the SP entry's
	// count of bytes to skip in each System Use area; root is the primary
	// root directory's extent
	rr        bool
	rrSkip    int
	rootLBA   uint32
	rootBytes uint32
}

// indexed is a file of the index: its path and where its bytes lie in the
// image. The index keeps only this, not the library's *iso9660.File, which
// kept the whole tree (every directory caches its children's records)
// reachable: 22 MiB of GetAllChildren alone for 124,000 files
// (docs/sealing.md); and a sorted slice rather than a map: 70 bytes a
// file rather than 85 (TestImageIndexMemory, 50,000 files).
type indexed struct {
	path string
	off  int64
	size int64
}

// Entry is one regular file of an image.
type Entry struct {
	Path string // slash-separated, as given to Plan for ISO-safe names
	Size int64  // bytes
}

// ErrNotFound is returned by Image.Open for a path that is not a file.
var ErrNotFound = errors.New("no such file in image")

// ErrCorrupt is returned when the image's structures cannot be parsed: the
// library panicked on them, or directories nest deeper than maxReadDepth
// (a loop). A damaged disc must give an error, never crash verification.
var ErrCorrupt = errors.New("corrupt ISO 9660 structures")

// maxReadDepth bounds directory nesting while reading (ECMA-119 allows 8;
// Rock Ridge images by other tools may go deeper).
const maxReadDepth = 64

// recoverCorrupt turns a panic inside kdomanski/iso9660 into ErrCorrupt.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("media: %w: %v", ErrCorrupt, r)
	}
}

// OpenImage reads the volume descriptors of the image held by r (an image
// file or a block device).
func OpenImage(r io.ReaderAt) (_ *Image, err error) {
	defer recoverCorrupt(&err)
	if err := prescan(r); err != nil {
		return nil, err
	}
	im, err := iso9660.OpenImage(r)
	if err != nil {
		return nil, fmt.Errorf("media: open image: %w", err)
	}
	label, err := im.Label()
	if err != nil {
		return nil, fmt.Errorf("media: open image: no primary volume: %w", err)
	}
	pvd := make([]byte, SectorSize)
	if _, err := r.ReadAt(pvd, sectorPVD*SectorSize); err != nil {
		return nil, readErr("primary volume descriptor", err)
	}
	// Every directory record takes at least 34 bytes of the volume, so a
	// walk visiting more than this many entries is going round a loop.
	space := int64(binary.LittleEndian.Uint32(pvd[80:84]))
	out := &Image{im: im, ra: r, label: label, budget: space*SectorSize/dotRecordLen + 16,
		rootLBA: binary.LittleEndian.Uint32(pvd[158:162]), rootBytes: binary.LittleEndian.Uint32(pvd[166:170])}
	if out.rr, out.rrSkip, err = suspOffset(r, out.rootLBA); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenImageFile opens the image file or block device at path. The caller
// closes the returned io.Closer when done with the Image.
func OpenImageFile(path string) (*Image, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("media: %w", err)
	}
	im, err := OpenImage(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return im, f, nil
}

// VolumeID is the primary volume identifier (ECMA-119 §8.4.6), trailing
// spaces removed.
func (im *Image) VolumeID() string { return im.label }

// Files lists every regular file, sorted by path.
func (im *Image) Files() ([]Entry, error) {
	if err := im.load(); err != nil {
		return nil, err
	}
	out := make([]Entry, len(im.index))
	for i, f := range im.index {
		out[i] = Entry{Path: f.path, Size: f.size}
	}
	return out, nil
}

// NumFiles is len(Files()) without Files' copy of the list; FileAt(i),
// for 0 ≤ i < NumFiles(), is Files()[i]. A caller that keeps the image
// open can use these instead of keeping its own list (24 bytes a file).
func (im *Image) NumFiles() (int, error) {
	if err := im.load(); err != nil {
		return 0, err
	}
	return len(im.index), nil
}

// FileAt returns the i-th file in path order (see NumFiles).
func (im *Image) FileAt(i int) Entry {
	f := im.index[i]
	return Entry{Path: f.path, Size: f.size}
}

// Open returns the contents of the file at path (as listed by Files).
// Reading it returns ErrCorrupt naming path when the image ends before the
// file's extent does (a truncated image), never short contents.
func (im *Image) Open(p string) (io.Reader, error) {
	if err := im.load(); err != nil {
		return nil, err
	}
	i := sort.Search(len(im.index), func(i int) bool { return im.index[i].path >= p })
	if i == len(im.index) || im.index[i].path != p {
		return nil, fmt.Errorf("media: %q: %w", p, ErrNotFound)
	}
	f := im.index[i]
	return &fullReader{r: io.NewSectionReader(im.ra, f.off, f.size), path: p, left: f.size}, nil
}

// fullReader returns ErrCorrupt if its source ends before left bytes.
type fullReader struct {
	r    io.Reader
	path string
	left int64 // bytes still expected
}

func (fr *fullReader) Read(p []byte) (int, error) {
	if fr.left <= 0 {
		return 0, io.EOF
	}
	n, err := fr.r.Read(p)
	fr.left -= int64(n)
	switch {
	case err == io.EOF && fr.left > 0:
		return n, readErr(fmt.Sprintf("%q (%d bytes missing)", fr.path, fr.left), io.ErrUnexpectedEOF)
	case err != nil && err != io.EOF:
		return n, readErr(fmt.Sprintf("%q", fr.path), err)
	}
	return n, err
}

// load reads the whole tree once into im.index.
func (im *Image) load() (err error) {
	defer recoverCorrupt(&err)
	if im.loaded {
		return nil
	}
	var index []indexed
	if im.rr {
		index, err = im.rrIndex(im.rootLBA, im.rootBytes, im.rrSkip)
	} else {
		err = im.walk(func(p string, f *iso9660.File) error {
			sr, ok := f.Reader().(*io.SectionReader)
			if !ok {
				return fmt.Errorf("media: %q: %w: no extent", p, ErrCorrupt)
			}
			_, off, n := sr.Outer()
			index = append(index, indexed{path: p, off: off, size: n})
			return nil
		})
	}
	if err != nil {
		return err
	}
	sort.Slice(index, func(i, j int) bool { return index[i].path < index[j].path })
	for i := 1; i < len(index); i++ {
		if index[i].path == index[i-1].path {
			return fmt.Errorf("media: %q listed twice: a file of several extents (ECMA-119 §6.5.1), which this reader does not join: %w", index[i].path, ErrCorrupt)
		}
	}
	im.index = slices.Clip(index)
	im.loaded = true
	return nil
}

// walk calls fn for every regular file, depth first.
func (im *Image) walk(fn func(string, *iso9660.File) error) error {
	root, err := im.im.RootDir()
	if err != nil {
		return fmt.Errorf("media: root directory: %w", err)
	}
	budget := im.budget
	return walkDir(root, "", 1, &budget, fn)
}

func walkDir(d *iso9660.File, prefix string, depth int, budget *int64, fn func(string, *iso9660.File) error) error {
	if depth > maxReadDepth {
		return fmt.Errorf("media: %q: directories nest deeper than %d: %w", prefix, maxReadDepth, ErrCorrupt)
	}
	kids, err := children(d, prefix)
	if err != nil {
		return err
	}
	if *budget -= int64(len(kids)); *budget < 0 {
		return fmt.Errorf("media: %q: more directory records than the volume holds (a loop): %w", prefix, ErrCorrupt)
	}
	for _, k := range kids {
		p := path.Join(prefix, strings.TrimSuffix(k.Name(), ";1"))
		if k.IsDir() {
			// The library caches a directory's children in its *File,
			// which d's own cache keeps reachable: walking the original
			// kept the whole tree (every file's record, about 200 bytes a
			// file) until the walk ended. A copy takes the cache instead
			// and is garbage once its directory is walked
			// (TestWalkKeepsOneDirectory).
			kc := *k
			err = walkDir(&kc, p, depth+1, budget, fn)
		} else {
			err = fn(p, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// children reads directory d (at path prefix, "" for the root), turning a
// panic inside kdomanski/iso9660 or an image that ends early into
// ErrCorrupt naming the directory.
func children(d *iso9660.File, prefix string) (kids []*iso9660.File, err error) {
	name := "/" + prefix
	defer func() {
		if r := recover(); r != nil {
			kids, err = nil, fmt.Errorf("media: %w: directory %q: %v", ErrCorrupt, name, r)
		}
	}()
	kids, err = d.GetChildren()
	if err != nil {
		return nil, readErr(fmt.Sprintf("directory %q", name), err)
	}
	return kids, nil
}
