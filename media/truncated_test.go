package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// truncatedOffsets lists every 2048-byte boundary of an image of size
// bytes (sector 0 up to, but not including, the full length) plus a
// mid-sector offset in each sector.
func truncatedOffsets(size int) []int {
	var out []int
	for off := 0; off < size; off += media.SectorSize {
		out = append(out, off, off+media.SectorSize/2+1)
	}
	return out
}

// Gap 3 of the hardening pass: kdomanski/iso9660 panicked (GetChildren)
// on truncated images. Every truncation must give either ErrCorrupt
// naming what could not be read, or the complete, correct contents —
// never a panic and never short file contents without an error.
func TestTruncatedImageIsCorruptNotPanic(t *testing.T) {
	files := []media.File{
		memFile("A/B/C.TXT", bytes.Repeat([]byte("c"), 3000)),
		memFile("A/D.TXT", []byte("d")),
		memFile("E.BIN", bytes.Repeat([]byte{0xe5}, 5000)),
		memFile("F", nil),
	}
	img := imageBytes(t, files)
	w := map[string][]byte{}
	for _, f := range files {
		r, _ := f.Open()
		w[f.Path], _ = io.ReadAll(r)
	}
	var corrupt, whole int
	for _, n := range truncatedOffsets(len(img)) {
		t.Run(fmt.Sprintf("at%d", n), func(t *testing.T) {
			got, err := readAllFiles(bytes.NewReader(img[:n]))
			if err != nil {
				if !errors.Is(err, media.ErrCorrupt) {
					t.Fatalf("truncated at %d: %v, want ErrCorrupt", n, err)
				}
				corrupt++
				return
			}
			if len(got) != len(w) {
				t.Fatalf("truncated at %d: read %d files without error, want %d", n, len(got), len(w))
			}
			for p, data := range w {
				if !bytes.Equal(got[p], data) {
					t.Fatalf("truncated at %d: %s read %d bytes without error, want %d", n, p, len(got[p]), len(data))
				}
			}
			whole++
		})
	}
	if corrupt == 0 {
		t.Fatal("no truncation was reported as ErrCorrupt")
	}
	t.Logf("%d truncations corrupt, %d read whole (cut in trailing padding)", corrupt, whole)
}

// Errors name the file or directory that could not be read.
func TestTruncatedImageErrorNamesPath(t *testing.T) {
	img := imageBytes(t, []media.File{memFile("DIR/LAST.BIN", bytes.Repeat([]byte("x"), 9000))})
	im, err := media.OpenImage(bytes.NewReader(img[:len(img)-3*media.SectorSize]))
	if err != nil {
		t.Fatal(err)
	}
	r, err := im.Open("DIR/LAST.BIN")
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	if !errors.Is(err, media.ErrCorrupt) || !strings.Contains(err.Error(), "DIR/LAST.BIN") {
		t.Fatalf("reading a file cut short: %v, want ErrCorrupt naming DIR/LAST.BIN", err)
	}
}

// readAllFiles opens the image and reads every file; any error is returned.
func readAllFiles(r io.ReaderAt) (map[string][]byte, error) {
	im, err := media.OpenImage(r)
	if err != nil {
		return nil, err
	}
	es, err := im.Files()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range es {
		f, err := im.Open(e.Path)
		if err != nil {
			return nil, err
		}
		if out[e.Path], err = io.ReadAll(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}
