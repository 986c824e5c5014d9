package media_test

import (
	"bytes"
	"io"
	"regexp"
	"testing"

	"github.com/archiver/archiver/media"
)

var isoSafePath = regexp.MustCompile(`^([A-Z0-9_]{1,31}/)*[A-Z0-9_]+(\.[A-Z0-9_]+)?$`)

// FuzzPlanOnePath: for any path Plan accepts, the Planner agrees, the image
// is exactly the planned size, the kdomanski reader lists exactly one file
// of the right size, and an ISO-safe path comes back unchanged.
func FuzzPlanOnePath(f *testing.F) {
	for _, s := range []string{"MSG/0000000001.PGP", "SHA256SUMS", "Manifest.JSON.asc", "a/b.c/d",
		"日本/語.txt", ".x", "x.", "A/B/C/D/E/F/G/H", "semi;colon", "a//b", " ", "\x00"} {
		f.Add(s, uint16(3000))
	}
	f.Fuzz(func(t *testing.T, path string, size uint16) {
		files := []media.File{memFile(path, make([]byte, size))}
		l, err := media.Plan(testInfo(), files)
		p := media.NewPlanner(testInfo())
		perr := p.Add(path, int64(size))
		if (err == nil) != (perr == nil) {
			t.Fatalf("Plan: %v, Planner: %v", err, perr)
		}
		if err != nil {
			return
		}
		if p.Sectors() != l.Sectors() {
			t.Fatalf("Plan %d sectors, Planner %d", l.Sectors(), p.Sectors())
		}
		var buf bytes.Buffer
		if _, err := l.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != l.Sectors()*media.SectorSize {
			t.Fatalf("wrote %d bytes, planned %d sectors", buf.Len(), l.Sectors())
		}
		im, err := media.OpenImage(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		es, err := im.Files()
		if err != nil || len(es) != 1 || es[0].Size != int64(size) {
			t.Fatalf("Files = %v, %v", es, err)
		}
		if len(path) <= 30 && isoSafePath.MatchString(path) && es[0].Path != path {
			t.Fatalf("ISO-safe %q read back as %q", path, es[0].Path)
		}
	})
}

// FuzzOpenImage: the reader and the audit never panic or hang on a
// damaged image; they return errors (ErrCorrupt for what
// kdomanski/iso9660 cannot parse) or faults, and the undamaged image has
// none.
func FuzzOpenImage(f *testing.F) {
	img := imageBytes(f, []media.File{memFile("A/B.TXT", []byte("b")), memFile("C", nil)})
	f.Add(img[16*media.SectorSize:], img[23*media.SectorSize:])
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		f.Fatal(err)
	}
	ok, err := im.Audit(media.AuditOptions{Size: -1})
	if err != nil {
		f.Fatal(err)
	}
	want := ok.Info
	f.Fuzz(func(t *testing.T, descriptors, dirs []byte) {
		data := append([]byte(nil), img...)
		copy(data[16*media.SectorSize:], descriptors)
		copy(data[23*media.SectorSize:], dirs)
		im, err := media.OpenImage(bytes.NewReader(data))
		if err != nil {
			return
		}
		es, err := im.Files()
		if err != nil {
			return
		}
		for _, e := range es {
			if r, err := im.Open(e.Path); err == nil {
				io.Copy(io.Discard, r)
			}
		}
		a, err := im.Audit(media.AuditOptions{Size: int64(len(data))})
		if err == nil && bytes.Equal(data, img) && a.FaultCount != 0 {
			t.Fatalf("faults in the undamaged image: %q", a.Faults)
		}
		if err == nil && !bytes.Equal(data, img) && a.FaultCount == 0 && a.Info == want {
			t.Fatalf("a damaged image passed the audit")
		}
		if _, err := im.Audit(media.AuditOptions{Hash: io.Discard}); err != nil {
			t.Fatal(err)
		}
	})
}
