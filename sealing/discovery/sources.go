package discovery

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
)

// imageTree is a format.Tree over an ISO 9660 image read by package media.
type imageTree struct{ im *media.Image }

func (t imageTree) Files() ([]format.TreeFile, error) {
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

func (t imageTree) Open(p string) (io.ReadCloser, error) {
	r, err := t.im.Open(p)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(r), nil
}

// volumes is a set of opened media, by volume label.
type volumes struct {
	byLabel map[string]*format.Volume
	source  map[string]string // label → the media path it came from
	closers []io.Closer
}

// openVolumes opens every path: an image file or device (ISO 9660), or a
// directory holding an extracted disc tree. A path that cannot be opened
// is an error naming it; two media with one label keep the first.
func openVolumes(paths []string) (*volumes, error) {
	vs := &volumes{byLabel: map[string]*format.Volume{}, source: map[string]string{}}
	for _, p := range paths {
		v, c, err := openVolume(p)
		if err != nil {
			vs.Close()
			return nil, fmt.Errorf("discovery: media %s: %w", p, err)
		}
		if c != nil {
			vs.closers = append(vs.closers, c)
		}
		label := v.Manifest().Label
		if _, dup := vs.byLabel[label]; !dup {
			vs.byLabel[label] = v
			vs.source[label] = p
		}
	}
	return vs, nil
}

func openVolume(p string) (*format.Volume, io.Closer, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		v, err := format.OpenVolume(format.DirTree(p))
		return v, nil, err
	}
	im, c, err := media.OpenImageFile(p)
	if err != nil {
		return nil, nil, err
	}
	v, err := format.OpenVolume(imageTree{im})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if id := im.VolumeID(); id != v.Manifest().Label {
		c.Close()
		return nil, nil, fmt.Errorf("volume id %q but MANIFEST.JSON label %q", id, v.Manifest().Label)
	}
	return v, c, nil
}

// labels returns the labels present, sorted.
func (vs *volumes) labels() []string {
	out := make([]string, 0, len(vs.byLabel))
	for l := range vs.byLabel {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func (vs *volumes) Close() error {
	for _, c := range vs.closers {
		c.Close()
	}
	return nil
}
