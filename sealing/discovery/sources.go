package discovery

import (
	"fmt"
	"io"
	"sort"

	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/format"
)

// volumes is a set of opened media (sealing.VolumeReader), by label.
type volumes struct {
	byLabel map[string]*format.Volume
	source  map[string]string // label → the media path it came from
	closers []io.Closer
}

// openVolumes opens every path with sealing.OpenVolume: an image file or
// device (ISO 9660), or a directory holding an extracted disc tree. A path that cannot be opened
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
	vr, err := sealing.OpenVolume(p)
	if err != nil {
		return nil, nil, err
	}
	return vr.Volume(), vr, nil
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
