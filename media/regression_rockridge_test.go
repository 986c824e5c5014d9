package media_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// TestRockRidgeMultiSectorDirectory (issue 10, item 5): a rebuild of a
// disc by `xorriso -as mkisofs -R` has Rock Ridge names, and the image
// reader read them only in the last sector of a directory: the other
// files came back by their mangled primary names ("00000010.PGP" for
// "0000000001.PGP"), which verify then called "listed twice" or missing.
// Every file must be listed by its own name with its own bytes, and the
// audit must say plainly that the image carries Rock Ridge.
func TestRockRidgeMultiSectorDirectory(t *testing.T) {
	var files []media.File
	for i := 1; i <= 60; i++ { // three sectors of records with Rock Ridge fields
		files = append(files, genFile(fmt.Sprintf("MSG/0000000/%010d.PGP", i), int64(100+i*37), uint64(i)))
	}
	files = append(files, genFile("SHA256SUMS", 3000, 99), genFile("SHA256SUMS.ASC", 300, 98))
	src := t.TempDir()
	writeTree(t, src, files)
	w := expect(t, files)
	for _, joliet := range []bool{false, true} {
		t.Run(fmt.Sprint("joliet=", joliet), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "rebuild.iso")
			args := []string{"-as", "mkisofs", "-R", "-quiet", "-o", img, src}
			if joliet {
				args = append(args[:3], append([]string{"-J"}, args[3:]...)...)
			}
			run(t, "xorriso", args...)
			checkOwnReader(t, img, w)
			im, c, err := media.OpenImageFile(img)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			a, err := im.Audit(media.AuditOptions{Size: -1})
			if err != nil {
				t.Fatal(err)
			}
			if a.FaultCount == 0 || !strings.Contains(a.Faults[0], "Rock Ridge") {
				t.Fatalf("audit of a Rock Ridge rebuild: %q", a.Faults)
			}
		})
	}
}

// writeTree writes files under dir.
func writeTree(t testing.TB, dir string, files []media.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
