package media_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/media"
)

// Files opened from disk take the copy_file_range path; the image must be
// bit-identical to the one mastered from in-memory readers.
func TestOSFilesSameImageAsReaders(t *testing.T) {
	files := sealerTree()
	dir := t.TempDir()
	var onDisk []media.File
	for i, f := range files {
		p := filepath.Join(dir, filepath.Base(f.Path)+string(rune('a'+i)))
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		onDisk = append(onDisk, media.File{Path: f.Path, Size: f.Size,
			Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	a, _ := master(t, testInfo(), files)
	b, _ := master(t, testInfo(), onDisk)
	if fileSum(t, a) != fileSum(t, b) {
		t.Fatal("image from os.Files differs from image from readers")
	}
}

type failWriter struct{ after int }

var errDisk = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := max(w.after, 0)
		w.after = 0
		return n, errDisk
	}
	w.after -= len(p)
	return len(p), nil
}

func TestWriteToErrors(t *testing.T) {
	l, err := media.Plan(testInfo(), sealerTree())
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{0, 16 * 2048, 20 * 2048, int(l.Size()) - 100} {
		n, err := l.WriteTo(&failWriter{after: after})
		if !errors.Is(err, errDisk) || n != int64(after) {
			t.Errorf("failing after %d bytes: WriteTo = %d, %v", after, n, err)
		}
	}
	openErr := errors.New("gone")
	bad := []media.File{{Path: "A", Size: 1, Open: func() (io.ReadCloser, error) { return nil, openErr }}}
	if l, err = media.Plan(testInfo(), bad); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteTo(io.Discard); !errors.Is(err, openErr) {
		t.Errorf("Open failing: %v", err)
	}
	readErr := errors.New("bad sector")
	broken := []media.File{genFile("A", 3<<20, 1), {Path: "B", Size: 3 << 20, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(genReader(2, 1<<20), iotest{readErr})), nil
	}}, genFile("C", 5, 3)}
	if l, err = media.Plan(testInfo(), broken); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteTo(io.Discard); !errors.Is(err, readErr) {
		t.Errorf("reader failing: %v", err)
	}
	if l, err = media.Plan(testInfo(), []media.File{{Path: "A", Size: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteTo(io.Discard); err == nil {
		t.Error("nil Open accepted")
	}
}

// iotest is a reader that always fails with err.
type iotest struct{ err error }

func (r iotest) Read([]byte) (int, error) { return 0, r.err }
