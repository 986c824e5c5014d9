package sealing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

// bodiesIntact fails t unless every message of the fixture still has its
// body in the journal, byte-exact.
func bodiesIntact(t *testing.T, f *fixture) {
	t.Helper()
	for seq, want := range f.raw {
		r, err := f.j.OpenBody(f.ctx, f.tenant, seq)
		if err != nil {
			t.Fatalf("body of %d: %v", seq, err)
		}
		got := readAll(t, r)
		r.Close()
		if string(got) != string(want) {
			t.Fatalf("body of %d differs from what was ingested", seq)
		}
	}
}

// refused fails t unless err is a *RefusedError for reason.
func refused(t *testing.T, err error, reason string, contains ...string) *RefusedError {
	t.Helper()
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason != reason || !errors.Is(err, journal.ErrNotVerified) {
		t.Fatalf("err = %v, want a refusal (%s)", err, reason)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("refusal %q lacks %q", err, c)
		}
	}
	return re
}

// TestReleaseTrustedAnEarlierVerification (issue 10, fault 1: release
// deleted 40 bodies on the strength of the OK that seal recorded, after a
// bit of a message file in the image had flipped). Release re-hashes the
// image file now; a mismatch refuses, keeps every body, names the copy and
// records its failure.
func TestReleaseTrustedAnEarlierVerification(t *testing.T) {
	f := newFixture(t)
	f.ingest(40, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	files, _ := imageFiles(t, img)
	flipBit(t, img, offsetOf(t, img, firstMsg(files))+100)

	_, err := Release(f.ctx, f.j, label, ReleaseOptions{})
	refused(t, err, RefusedDamaged, img, "SHA-256")
	bodiesIntact(t, f)
	v, _ := f.j.VolumeMeta(f.ctx, label)
	last := v.Verifications[len(v.Verifications)-1]
	if last.OK || last.Copy != copyID(img) || last.Kind != KindImage || last.Method != "hash" {
		t.Fatalf("failed re-check recorded as %+v", last)
	}
	// by path: the file is not the image sealed
	_, err = Release(f.ctx, f.j, img, ReleaseOptions{})
	refused(t, err, RefusedNotThisVolume, "is not the image sealed as "+label)
	bodiesIntact(t, f)
}

// TestReleaseImageFileFaults: truncated, appended to (1 byte, 1 sector)
// or swapped, the image file on record refuses release by label; a
// restored one releases.
func TestReleaseImageFileFaults(t *testing.T) {
	f := newFixture(t)
	f.ingest(4, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	good, _ := os.ReadFile(img)
	other := newFixture(t) // another data directory, same tenant and label
	other.ingest(4, 2000)
	swapped, _ := os.ReadFile(other.seal("dvd5").Images[0].Path)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"truncated", good[:len(good)-2048]},
		{"1 byte appended", append(append([]byte(nil), good...), 0)},
		{"1 sector appended", append(append([]byte(nil), good...), make([]byte, 2048)...)},
		{"swapped", swapped},
	} {
		if err := os.WriteFile(img, c.b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Release(f.ctx, f.j, label, ReleaseOptions{})
		refused(t, err, RefusedDamaged, img)
		bodiesIntact(t, f)
		// a failed re-check withdrew the seal's verification: verify again
		os.WriteFile(img, good, 0o644)
		if rep := f.verify(true, img); !rep.OK {
			t.Fatalf("%s: restored image: %s", c.name, checks(rep))
		}
	}
	if r, err := Release(f.ctx, f.j, label, ReleaseOptions{}); err != nil || r.Released != 4 {
		t.Fatalf("release of the restored image: %+v %v", r, err)
	}
}

// TestReleaseCountedOneFileTwice (issue 10, fault 2: cp image copy2.iso,
// verify --data copy2.iso satisfied release --copies 2). The image counts
// once however many files hold it; the refusal says another copy is
// missing and how to make one.
func TestReleaseCountedOneFileTwice(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	copy2 := filepath.Join(t.TempDir(), "copy2.iso")
	b, _ := os.ReadFile(img)
	os.WriteFile(copy2, b, 0o644)
	if rep := f.verify(true, copy2); !rep.OK {
		t.Fatal(checks(rep))
	}
	for _, arg := range []string{label, img, copy2} {
		_, err := Release(f.ctx, f.j, arg, ReleaseOptions{Copies: 2})
		re := refused(t, err, RefusedTooFew, "1 distinct copy verified of 2 required", "burn or push another copy and verify it", "counts once")
		if re.Counted != 1 {
			t.Fatalf("%s: counted %d", arg, re.Counted)
		}
	}
	bodiesIntact(t, f)
}

// TestReleaseSwappedCopyBesideAGoodOne (issue 10, fault 1: a swapped copy
// was trusted when another good copy was on record). Every copy counted
// and reachable is re-checked; one that does not match refuses.
func TestReleaseSwappedCopyBesideAGoodOne(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	drive := filepath.Join(t.TempDir(), "drive.img")
	b, _ := os.ReadFile(img)
	os.WriteFile(drive, append(b, make([]byte, 300*1024)...), 0o644) // a disc is longer than its image
	v, _ := f.j.VolumeMeta(f.ctx, label)
	readBack := func() { // the disc's read-back verification, as burn records it
		t.Helper()
		if err := f.j.AddVerification(f.ctx, label, journal.Verification{Copy: "stdio:" + copyID(drive), Kind: KindDisc, Method: "deep", OK: true,
			ImageSHA256: v.ImageSHA256}); err != nil {
			t.Fatal(err)
		}
	}
	readBack()
	other := newFixture(t)
	other.ingest(3, 2000)
	swapped, _ := os.ReadFile(other.seal("dvd5").Images[0].Path)
	os.WriteFile(img, swapped, 0o644)
	_, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 1})
	refused(t, err, RefusedDamaged, img)
	// the disc in the drive is read back too: a flipped bit refuses
	os.WriteFile(img, b, 0o644)
	f.verify(true, img)
	flipBit(t, drive, int64(len(b))/2)
	_, err = Release(f.ctx, f.j, label, ReleaseOptions{Copies: 2})
	refused(t, err, RefusedDamaged, "stdio:"+copyID(drive), "read back")
	bodiesIntact(t, f)
	// bytes after the image on the disc are no finding; the disc is read for ImageBytes
	os.WriteFile(drive, append(b, 0xff), 0o644)
	readBack()
	if r, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 2}); err != nil || r.Released != 3 {
		t.Fatalf("release with image and disc: %+v %v", r, err)
	}
}

// TestReleaseResolvedNamesLoosely (issue 10, fault 3: a path that does not
// exist matched a volume by its base name and answered "already
// released"; an image of another data directory with the same label got
// the same answer).
func TestReleaseResolvedNamesLoosely(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	other := newFixture(t)
	other.ingest(3, 2000)
	foreign := other.seal("dvd5").Images[0].Path // same label, other keys
	if filepath.Base(foreign) != filepath.Base(img) {
		t.Fatalf("want the same image name, got %s and %s", foreign, img)
	}
	missing := filepath.Join(t.TempDir(), filepath.Base(img))
	check := func() {
		t.Helper()
		for _, arg := range []string{missing, "stdio:" + missing, filepath.Dir(img), "NO_SUCH_LABEL"} {
			_, err := Release(f.ctx, f.j, arg, ReleaseOptions{Copies: 2})
			var ne *NameError
			if !errors.As(err, &ne) || errors.Is(err, journal.ErrReleased) {
				t.Fatalf("release %s: err = %v, want a NameError", arg, err)
			}
			if err := CheckReleaseArg(f.ctx, f.j, arg); !errors.As(err, &ne) {
				t.Fatalf("CheckReleaseArg %s: %v", arg, err)
			}
		}
		_, err := Release(f.ctx, f.j, foreign, ReleaseOptions{})
		refused(t, err, RefusedNotThisVolume, foreign, "is not the image sealed as "+label)
	}
	check()
	bodiesIntact(t, f)
	// the label and the recorded image name still work
	for _, arg := range []string{filepath.Base(img), label} {
		if err := CheckReleaseArg(f.ctx, f.j, arg); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
	}
	if r, err := Release(f.ctx, f.j, filepath.Base(img), ReleaseOptions{}); err != nil || r.Released != 3 {
		t.Fatalf("release by image name: %+v %v", r, err)
	}
	check() // after release: still no "already released" for what is not this volume
	var are *AlreadyReleasedError
	if _, err := Release(f.ctx, f.j, img, ReleaseOptions{}); !errors.As(err, &are) {
		t.Fatalf("release of the released image again: %v", err)
	}
}

// TestReleaseMissingImageFileNotCounted: an image file on record that no
// longer exists cannot be re-checked and does not count; the same image
// given by another path does.
func TestReleaseMissingImageFileNotCounted(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	res := f.seal("dvd5")
	img, label := res.Images[0].Path, res.Images[0].Label
	moved := filepath.Join(t.TempDir(), "moved.iso")
	if err := os.Rename(img, moved); err != nil {
		t.Fatal(err)
	}
	_, err := Release(f.ctx, f.j, label, ReleaseOptions{})
	refused(t, err, RefusedTooFew, "0 distinct copies verified of 1 required", img+" cannot be re-checked (no such file)")
	bodiesIntact(t, f)
	if r, err := Release(f.ctx, f.j, moved, ReleaseOptions{}); err != nil || r.Released != 3 {
		t.Fatalf("release of the moved image: %+v %v", r, err)
	}
}

// TestReleaseDistinctDiscs: distinct disc Copy strings count once each;
// two discs verified through one drive, and records without a Kind, are
// counted by what they are; offsite and directories do not count.
func TestReleaseDistinctDiscs(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	res := f.seal("dvd5")
	label := res.Images[0].Label
	v, _ := f.j.VolumeMeta(f.ctx, label)
	add := func(copy, kind string) {
		t.Helper()
		if err := f.j.AddVerification(f.ctx, label, journal.Verification{Copy: copy, Kind: kind, Method: "deep", OK: true, ImageSHA256: v.ImageSHA256}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(copies int) int {
		t.Helper()
		_, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: copies})
		return refused(t, err, RefusedTooFew).Counted
	}
	add("disc:"+label+"#1", KindDisc)
	add("disc:"+label+"#2", KindDisc)
	add("offsite:s3://bucket/x", KindOffsite)
	add(t.TempDir(), "") // an extracted directory
	if n := count(9); n != 3 {
		t.Fatalf("image and two discs: counted %d", n)
	}
	dir := filepath.Dir(res.Images[0].Path)
	add("/dev/sr-test-absent", "")                                          // a device, no disc in it
	add(filepath.Join(dir, "x.iso.readback-stdio__d_drive.img-11.iso"), "") // burn's read-back, drive d
	add(filepath.Join(dir, "x.iso.readback-stdio__d_drive.img-12.iso"), "") // the same drive again
	add(filepath.Join(dir, "readback", label+".copy1.iso"), "")             // run's read-back of disc 1, counted above
	if n := count(9); n != 5 {
		t.Fatalf("with legacy records: counted %d, want 5", n)
	}
	bodiesIntact(t, f)
	if r, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 5}); err != nil || r.Released != 3 {
		t.Fatalf("release: %+v %v", r, err)
	}
}

// TestKindOf: the kind and disc identity inferred for a recorded Copy.
func TestKindOf(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.iso")
	os.WriteFile(img, []byte("x"), 0o644)
	for _, c := range []struct{ copy, kind, disc string }{
		{img, KindImage, ""},
		{filepath.Join(dir, "gone.iso"), KindImage, ""},
		{dir, KindDirectory, ""},
		{"stdio:" + img, KindDisc, "stdio:" + img},
		{"mmc:/dev/sr0", KindDisc, "mmc:/dev/sr0"},
		{"/dev/sr0", KindDisc, "/dev/sr0"},
		{"disc:ACME_202611_V01OF01#2", KindDisc, "disc:ACME_202611_V01OF01#2"},
		{"offsite:s3://b/k", KindOffsite, ""},
		{"/out/a.iso.readback-_dev_sr0-123.iso", KindDisc, "drive:_dev_sr0"},
		{"/out/readback/ACME_202611_V01OF01.copy2.iso", KindDisc, "disc:ACME_202611_V01OF01#2"},
		{"/out/ACME_202611_V01OF01.copy2.iso", KindImage, ""}, // not in a readback directory
	} {
		if got := kindOf(c.copy); got != c.kind {
			t.Errorf("kindOf(%q) = %s, want %s", c.copy, got, c.kind)
		}
		if c.disc != "" && discIdentity(c.copy) != c.disc {
			t.Errorf("discIdentity(%q) = %s, want %s", c.copy, discIdentity(c.copy), c.disc)
		}
	}
	if d := DiscCopy("ACME_202611_V01OF01", 12); d.Copy != "disc:ACME_202611_V01OF01#12" || d.Kind != KindDisc {
		t.Errorf("DiscCopy = %+v", d)
	}
}
