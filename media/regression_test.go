package media_test

// Regression tests for the failures measured in kdomanski/iso9660 v0.4.0's
// writer and go-diskfs v1.9.4 (issue 3), which our writer must never show.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// kdomanski's writer records no path tables (PVD path table size 0), and
// libarchive (bsdtar, macOS Archive Utility, Windows tar) then lists
// nothing and exits 0.
func TestRegressionPathTablesPresentBsdtarLists(t *testing.T) {
	files := sealerTree()
	img, _ := master(t, testInfo(), files)
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, vd := range []int{16, 17} {
		b := data[vd*media.SectorSize:]
		size := binary.LittleEndian.Uint32(b[132:136])
		l := binary.LittleEndian.Uint32(b[140:144])
		m := binary.BigEndian.Uint32(b[148:152])
		if size == 0 || l < 18 || m < 18 || l == m {
			t.Errorf("descriptor %d: path table size %d, L at %d, M at %d", vd, size, l, m)
		}
	}
	if got := bsdtarListAll(t, img); len(got) < len(files) {
		t.Fatalf("bsdtar -tf listed %v, want at least %d files", got, len(files))
	}
}

// kdomanski's writer dates every file 2049-01-01; ours records the seal
// time in every directory record and in the volume descriptors.
func TestRegressionRecordingDates(t *testing.T) {
	img, _ := master(t, testInfo(), sealerTree())
	out := string(run(t, "isoinfo", "-d", "-i", img))
	for _, l := range bsdtarListLong(t, img) {
		if !strings.Contains(l, "Nov 29") {
			t.Errorf("bsdtar shows %q, want the seal date Nov 29", l)
		}
	}
	data, _ := os.ReadFile(img)
	pvd := data[16*media.SectorSize:]
	if got := string(pvd[813:829]); got != "2026112921301500" {
		t.Errorf("creation date %q", got)
	}
	if !strings.Contains(out, "Volume set size is: 2") || !strings.Contains(out, "Volume set sequence number is: 1") {
		t.Errorf("isoinfo -d lacks the volume set fields:\n%s", out)
	}
}

func bsdtarListLong(t *testing.T, img string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(run(t, "bsdtar", "-tvf", img))), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// kdomanski's writer lowercases and mangles names (Manifest.JSON.asc
// became manifest_json.asc) so that two names could collide silently.
// Ours keeps the name in Joliet and refuses a collision.
func TestRegressionNoSilentCollision(t *testing.T) {
	files := []media.File{memFile("Manifest.JSON.asc", []byte("a")), memFile("manifest.json.asc", []byte("b"))}
	if _, err := media.Plan(testInfo(), files); !errors.Is(err, media.ErrCollision) {
		t.Fatalf("Plan = %v, want ErrCollision", err)
	}
	files = files[:1]
	img, _ := master(t, testInfo(), files)
	if got := bsdtarListAll(t, img); len(got) != 1 || got[0] != "Manifest.JSON.asc" {
		t.Fatalf("bsdtar lists %v", got)
	}
}

// kdomanski's reader cuts names at ';' ("semi;colon.txt" reads as "semi"):
// our writer refuses ';' in names so that never happens.
func TestRegressionSemicolonRefused(t *testing.T) {
	_, err := media.Plan(testInfo(), []media.File{memFile("semi;colon.txt", nil)})
	if !errors.Is(err, media.ErrName) {
		t.Fatalf("Plan = %v, want ErrName", err)
	}
}

// go-diskfs with Joliet lost a subdirectory in isoinfo -l and garbled
// names in 7z: every subdirectory must appear in both volumes.
func TestRegressionSubdirectoriesInBothVolumes(t *testing.T) {
	files := []media.File{
		memFile("A/B/C.TXT", []byte("c")), memFile("A/D.TXT", []byte("d")),
		memFile("E/F.TXT", []byte("f")), memFile("Ü/g.txt", []byte("g")),
	}
	img, _ := master(t, testInfo(), files)
	for _, joliet := range []bool{false, true} {
		if got := isoinfoList(t, img, joliet); len(got) != len(files) {
			t.Errorf("isoinfo (Joliet %v) lists %v", joliet, keys(got))
		}
	}
	if got := sevenList(t, img); got["Ü/g.txt"].Size != 1 || len(got) != len(files) {
		t.Errorf("7z lists %v", keys(got))
	}
}

// kdomanski/iso9660 loops forever on a System Use entry of length 0 in the
// root "." record (found by FuzzOpenImage, corpus eb58b4b13706dd58): a
// damaged disc must give ErrCorrupt instead of hanging verification.
func TestRegressionSUSPZeroLengthEntry(t *testing.T) {
	data := imageBytes(t, sealerTree())
	root := int(binary.LittleEndian.Uint32(data[16*media.SectorSize+158:]))
	sec := data[root*media.SectorSize : (root+1)*media.SectorSize]
	grown := append(append(append([]byte(nil), sec[:34]...), 'S', 'P', 0, 1), sec[34:media.SectorSize-4]...)
	grown[0] = 38 // the "." record now carries a 4-byte System Use area
	copy(sec, grown)
	_, err := media.OpenImage(bytes.NewReader(data))
	if !errors.Is(err, media.ErrCorrupt) {
		t.Fatalf("OpenImage = %v, want ErrCorrupt", err)
	}
}
