package media_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/media"
)

// Interop the other way: media.Image reads images made by xorriso and
// genisoimage (with Rock Ridge, which the kdomanski reader uses for names).
func TestImageReadsOtherMasters(t *testing.T) {
	files := []media.File{
		genFile("README.TXT", 37, 1), genFile("MSG/0000000001.PGP", 2048, 2),
		genFile("MSG/0000000002.PGP", 0, 3), genFile("MSG/SUB/deep.bin", 70000, 4),
	}
	src := t.TempDir()
	for _, f := range files {
		p := filepath.Join(src, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w := expect(t, files)
	for _, tool := range []string{"xorriso", "genisoimage"} {
		t.Run(tool, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "other.iso")
			args := []string{"-R", "-J", "-quiet", "-o", img, src}
			if tool == "xorriso" {
				args = append([]string{"-as", "mkisofs"}, args...)
			}
			run(t, tool, args...)
			checkOwnReader(t, img, w)
			im, c, err := media.OpenImageFile(img)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if im.VolumeID() == "" {
				t.Error("no volume ID")
			}
		})
	}
}

func TestImageVolumeIDAndNotFound(t *testing.T) {
	img, _ := master(t, testInfo(), sealerTree())
	im, c, err := media.OpenImageFile(img)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if im.VolumeID() != "ARCHIVER_TEST" {
		t.Fatalf("VolumeID = %q", im.VolumeID())
	}
	if _, err := im.Open("MSG/NOPE.PGP"); err == nil {
		t.Fatal("Open of a missing file succeeded")
	}
	if _, _, err := media.OpenImageFile(filepath.Join(t.TempDir(), "missing.iso")); err == nil {
		t.Fatal("OpenImageFile of a missing file succeeded")
	}
	if _, err := media.OpenImage(io.NewSectionReader(zeroReader{}, 0, 40*2048)); err == nil {
		t.Fatal("OpenImage of zeros succeeded")
	}
}

type zeroReader struct{}

func (zeroReader) ReadAt(p []byte, _ int64) (int, error) { clear(p); return len(p), nil }
