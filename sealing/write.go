package sealing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// writeImages masters every planned volume to OutDir: NAME.iso.partial,
// fsync, rename to NAME.iso, fsync the directory.
func (s *sealer) writeImages(ctx context.Context) error {
	n := len(s.vols)
	prev := s.prev
	for i, vol := range s.vols {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := i + 1
		img, err := s.writeImage(vol, k, n, prev)
		if err != nil {
			return err
		}
		prev = img.sumsSHA
		vol.spans = nil // written: where its messages lie in the spool is not needed again
		if err := s.fault(FaultImage, k); err != nil {
			return err
		}
	}
	return nil
}

// volumeImage is what writeImage produced.
type volumeImage struct {
	vol      *volPlan
	manifest *format.Manifest
	path     string
	sha      [32]byte
	bytes    int64
	sumsSHA  [32]byte
}

func (s *sealer) manifest(vol *volPlan, k, n int, prev [32]byte) *format.Manifest {
	first, last := vol.msgs[0].seq, vol.msgs[len(vol.msgs)-1].seq
	algs := pgp.Choose(vol.to, true)
	return &format.Manifest{Tenant: s.opts.Tenant, Period: s.period, SetID: s.res.SetID, Index: k, Count: n,
		Label: format.Label(s.opts.Tenant, s.tag, k, n), FirstSeq: first, LastSeq: last, Messages: len(vol.msgs),
		PrevSums: format.Hex(prev), AuditSeq: s.audit.Seq, AuditHash: format.Hex(s.audit.Hash),
		Signer: pgp.Fingerprint(s.opts.Signer), Recipients: pgp.Fingerprints(s.recipients),
		VerifyKey: pgp.Fingerprint(vol.verifyPub[0]), Sealed: s.now, Cipher: algs.Cipher, Compression: algs.Compression}
}

func (s *sealer) writeImage(vol *volPlan, k, n int, prev [32]byte) (*volumeImage, error) {
	m := s.manifest(vol, k, n, prev)
	meta, err := s.buildMeta(m, vol, k)
	if err != nil {
		return nil, err
	}
	defer meta.close()
	files := &volumeFiles{spool: s.spool, msgs: vol.msgs, spans: vol.spans}
	for name, b := range meta.small {
		files.meta = append(files.meta, media.File{Path: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	for name, w := range meta.big {
		files.meta = append(files.meta, media.File{Path: name, Size: w.size, Open: func() (io.ReadCloser, error) { return io.NopCloser(w.reader()), nil }})
	}
	info := media.VolumeInfo{VolumeID: m.Label, VolumeSetID: m.SetID, SetSize: n, SeqNum: k,
		Publisher: format.Publisher, Preparer: format.Publisher, Application: format.Application, Recorded: s.now}
	layout, err := media.PlanList(info, files)
	if err != nil {
		return nil, fmt.Errorf("sealing: plan %s: %w", m.Label, err)
	}
	if err := media.CheckCapacity(layout.Sectors(), s.opts.Profile); err != nil {
		return nil, fmt.Errorf("sealing: %s: packing estimate exceeded (bug): %w", m.Label, err)
	}
	name := format.ImageName(s.opts.Tenant, s.tag, k, n)
	img := &volumeImage{vol: vol, manifest: m, path: filepath.Join(s.opts.OutDir, name), sumsSHA: meta.sumsSHA}
	if img.sha, img.bytes, err = s.writeFile(layout, img.path, k); err != nil {
		return nil, err
	}
	s.built = append(s.built, img)
	s.log.Info("image written", "path", img.path, "label", m.Label, "sha256", fmt.Sprintf("%x", img.sha), "messages", len(vol.msgs))
	return img, nil
}

// volumeFiles is a volume's files for media.PlanList: its messages by
// index, each path derived from its seq and its data a section of the
// spool, then the metadata files. A []media.File (path string, closure and
// reader per message) was about 100 bytes a message.
type volumeFiles struct {
	spool *os.File
	msgs  []placed
	spans []span
	meta  []media.File
}

func (x *volumeFiles) Len() int { return len(x.msgs) + len(x.meta) }

func (x *volumeFiles) File(i int) media.File {
	if i >= len(x.msgs) {
		return x.meta[i-len(x.msgs)]
	}
	sp := x.spans[i]
	return media.File{Path: format.MessagePath(x.msgs[i].seq), Size: sp.size, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.NewSectionReader(x.spool, sp.off, sp.size)), nil
	}}
}

// writeFile streams layout to path.partial, fsyncs, renames, and fsyncs
// the directory. It returns the image's SHA-256 and size in bytes.
func (s *sealer) writeFile(layout *media.Layout, path string, k int) ([32]byte, int64, error) {
	var sum [32]byte
	partial := path + ".partial"
	// O_EXCL: stale partials were removed under the OutDir lock, so one
	// that exists now is not this seal's to truncate
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return sum, 0, fmt.Errorf("sealing: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		os.Remove(partial)
		return sum, 0, fmt.Errorf("sealing: %w", err)
	}
	s.images = append(s.images, ownFile{path: partial, info: fi})
	h := sha256.New()
	bar := newBar(s.opts.Progress, layout.Size(), "writing "+filepath.Base(path))
	n, err := layout.WriteTo(io.MultiWriter(f, h, barWriter{bar}))
	bar.done()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, 0, fmt.Errorf("sealing: write %s: %w", partial, err)
	}
	if err := s.fault(FaultPartial, k); err != nil {
		return sum, 0, err
	}
	// stale images of this round were removed under the OutDir lock: one
	// that exists now is another seal's, and must not be replaced
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		return sum, 0, fmt.Errorf("sealing: %s exists; another seal is writing to %s? (%v)", path, s.opts.OutDir, err)
	}
	if err := os.Rename(partial, path); err != nil {
		return sum, 0, fmt.Errorf("sealing: %w", err)
	}
	s.images[len(s.images)-1].path = path
	if err := syncDir(filepath.Dir(path)); err != nil {
		return sum, 0, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}

type barWriter struct{ b bar }

func (w barWriter) Write(p []byte) (int, error) { w.b.add(int64(len(p))); return len(p), nil }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sealing: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sealing: fsync %s: %w", dir, err)
	}
	return nil
}
