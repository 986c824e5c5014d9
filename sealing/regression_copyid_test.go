package sealing

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/journal"
)

// TestReleaseCopiesOneFileTwoSpellings (bug: a verification's copy was the
// source string as given, so the sealed image verified again through a
// symbolic link and through DIR/./NAME counted as three distinct copies,
// and release --copies 2 or 3 deleted the bodies with one copy in existence).
func TestReleaseCopiesOneFileTwoSpellings(t *testing.T) {
	f := newFixture(t)
	f.ingest(2, 1000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	link := filepath.Join(t.TempDir(), "link.iso")
	if err := os.Symlink(img, link); err != nil {
		t.Fatal(err)
	}
	unclean := filepath.Dir(img) + string(filepath.Separator) + "." + string(filepath.Separator) + filepath.Base(img)
	for _, src := range []string{link, unclean} {
		if rep := f.verify(true, src); !rep.OK {
			t.Fatalf("%s: %s", src, checks(rep))
		}
	}
	v, err := f.j.Volume(f.ctx, label)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.Verifications); n != 3 {
		t.Fatalf("%d verifications recorded, want 3", n)
	}
	want, _ := filepath.EvalSymlinks(img)
	for _, ver := range v.Verifications {
		if ver.Copy != want {
			t.Errorf("verification recorded as copy %q, want %q (the same file)", ver.Copy, want)
		}
	}
	if _, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 2}); !errors.Is(err, journal.ErrNotVerified) {
		t.Fatalf("release --copies 2 with one file verified under three names: err = %v, want ErrNotVerified", err)
	}
	if _, err := f.j.OpenBody(f.ctx, "acme", 1); err != nil {
		t.Fatalf("body gone after a refused release: %v", err)
	}
}

func TestCopyID(t *testing.T) {
	dir := t.TempDir()
	real, _ := filepath.EvalSymlinks(dir)
	img := filepath.Join(real, "a.iso")
	if err := os.WriteFile(img, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		img:                             img,
		real + "/./a.iso":               img,
		real + "//a.iso":                img,
		"stdio:" + real + "/x/../a.iso": "stdio:" + img,
		real + "/missing/../gone.iso":   filepath.Join(real, "gone.iso"),
	} {
		if got := copyID(in); got != want {
			t.Errorf("copyID(%q) = %q, want %q", in, got, want)
		}
	}
}
