package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// releaseFixture is a data directory with n acme messages sealed into one
// image (seal records its own deep verification).
type releaseFixture struct {
	root, data, img, label string
	sums                   []string // sorted SHA-256 of every message as ingested
}

const matrixLabel = "ACME_U20990101_V01OF01"

// sealForRelease seals n generated messages (fixed Date headers) in a new
// data directory under root.
func sealForRelease(t *testing.T, root string, n int) releaseFixture {
	t.Helper()
	f := releaseFixture{root: root, data: filepath.Join(root, "data"), label: matrixLabel}
	archiver(t, 0, "init", "--data", f.data)
	archiver(t, 0, "tenant", "add", "--data", f.data, "acme", "--domain", "acme.example")
	mail := filepath.Join(root, "mail")
	os.MkdirAll(mail, 0o755)
	for i := range n {
		msg := fmt.Sprintf("From: bob@other.example\r\nTo: alice@acme.example\r\nSubject: matrix %d\r\nMessage-ID: <%d.matrix@other.example>\r\n"+
			"Date: Tue, 3 Nov 2026 10:%02d:00 +0000\r\n\r\n%s", i, i, i%60, strings.Repeat(fmt.Sprintf("line of message %d\r\n", i), 40+i*7))
		os.WriteFile(filepath.Join(mail, fmt.Sprintf("%03d.eml", i)), []byte(msg), 0o644)
		f.sums = append(f.sums, fmt.Sprintf("%x", sha256.Sum256([]byte(msg))))
	}
	sort.Strings(f.sums)
	archiver(t, 0, "ingest", "--data", f.data, "--date-from-header", mail)
	out := filepath.Join(root, "images")
	archiver(t, 0, "seal", "--data", f.data, "--tenant", "acme", "--until", "2099-01-01", "--media", "cd700", "--out", out)
	f.img = filepath.Join(out, "acme-until-2099-01-01-v01of01.iso")
	return f
}

// bodiesInJournal fails t unless export (from the journal, no disc given)
// returns every message byte-exact.
func (f releaseFixture) bodiesInJournal(t *testing.T) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "prod")
	archiver(t, 0, "export", "--data", f.data, "--tenant", "acme", "--out", out)
	emls, _ := filepath.Glob(filepath.Join(out, "*.eml"))
	var got []string
	for _, p := range emls {
		b, _ := os.ReadFile(p)
		got = append(got, fmt.Sprintf("%x", sha256.Sum256(b)))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(f.sums, " ") {
		t.Fatalf("export from the journal: %d messages, not the %d ingested byte for byte", len(got), len(f.sums))
	}
}

// extent returns the offset and size of the first message file in img.
func extent(t *testing.T, img string) (int64, int64) {
	t.Helper()
	im, c, err := media.OpenImageFile(img)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	es, err := im.Files()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(img)
	for _, e := range es {
		if !strings.HasPrefix(e.Path, "MSG/") || e.Size%media.SectorSize == 0 {
			continue
		}
		r, _ := im.Open(e.Path)
		b, _ := io.ReadAll(r)
		if i := bytes.Index(raw, b); i > 0 {
			return int64(i), e.Size
		}
	}
	t.Fatal("no message file found")
	return 0, 0
}

func flipAt(t *testing.T, p string, off int64) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x10
	os.WriteFile(p, b, 0o644)
}

// TestReleaseFaultMatrix (issue 10, release side of the fault matrix):
// after each fault in the image file on record, release by label and by
// path refuses with exit 3 naming the image, and every body is still in
// the journal. A good image then releases (the matrix is not vacuous).
func TestReleaseFaultMatrix(t *testing.T) {
	root := t.TempDir()
	f := sealForRelease(t, root, 40)
	good, err := os.ReadFile(f.img)
	if err != nil {
		t.Fatal(err)
	}
	foreign := sealForRelease(t, filepath.Join(root, "other"), 40) // another data directory, same label
	swapped, _ := os.ReadFile(foreign.img)
	off, size := extent(t, f.img)
	faults := []struct {
		name  string
		apply func()
	}{
		{"bit flip in a message file", func() { flipAt(t, f.img, off+size/2) }},
		{"bit flip in a file's padding", func() { flipAt(t, f.img, off+size+1) }},
		{"bit flip in the system area", func() { flipAt(t, f.img, 1000) }},
		{"truncated by one sector", func() { os.Truncate(f.img, int64(len(good))-media.SectorSize) }},
		{"1 byte appended", func() { os.WriteFile(f.img, append(append([]byte(nil), good...), 0), 0o644) }},
		{"1 sector appended", func() {
			os.WriteFile(f.img, append(append([]byte(nil), good...), make([]byte, media.SectorSize)...), 0o644)
		}},
		{"swapped for another data directory's image", func() { os.WriteFile(f.img, swapped, 0o644) }},
	}
	for _, fault := range faults {
		fault.apply()
		for _, arg := range []string{f.label, f.img} {
			out := archiverErr(t, 3, "release", "--data", f.data, arg)
			if !strings.Contains(out, "REFUSED") || !strings.Contains(out, f.img) || !strings.Contains(out, "hint: ") {
				t.Errorf("%s: release %s:\n%s", fault.name, arg, out)
			}
		}
		f.bodiesInJournal(t)
		// restore; the failed re-check withdrew the earlier verification
		os.WriteFile(f.img, good, 0o644)
		if out := archiverErr(t, 3, "release", "--data", f.data, f.label); !strings.Contains(out, "failed its last verification") {
			t.Errorf("%s: release after restoring, before verifying again:\n%s", fault.name, out)
		}
		archiver(t, 0, "verify", "--data", f.data, f.img)
	}
	if out := archiver(t, 0, "release", "--data", f.data, f.img); !strings.Contains(out, "released "+f.img+": 40 bodies deleted") {
		t.Fatalf("release of the good image:\n%s", out)
	}
}

// TestReleaseCountedACopiedFileAsASecondCopy (issue 10, fault 2: cp image
// copy2.iso; verify --data copy2.iso satisfied release --copies 2). The
// refusal says a second copy is missing and names the command to make one.
func TestReleaseCountedACopiedFileAsASecondCopy(t *testing.T) {
	f := sealForRelease(t, t.TempDir(), 3)
	copy2 := filepath.Join(f.root, "copy2.iso")
	b, _ := os.ReadFile(f.img)
	os.WriteFile(copy2, b, 0o644)
	archiver(t, 0, "verify", "--data", f.data, copy2)
	for _, arg := range []string{copy2, f.label} {
		out := archiverErr(t, 3, "release", "--data", f.data, "--copies", "2", arg)
		if !strings.Contains(out, "1 distinct copy verified of 2 required") || !strings.Contains(out, "burn or push another copy") ||
			!strings.Contains(out, "hint: burn another copy and verify it: archiver burn") || strings.Contains(out, "released "+arg) {
			t.Errorf("release --copies 2 %s:\n%s", arg, out)
		}
	}
	f.bodiesInJournal(t)
}

// TestReleaseMatchedAPathByItsBaseName (issue 10, fault 3: release
// --copies 2 /path/that/does/not/exist.iso matched the volume by its base
// name and said "already released", exit 0; an image of another data
// directory with the same label got the same answer).
func TestReleaseMatchedAPathByItsBaseName(t *testing.T) {
	root := t.TempDir()
	f := sealForRelease(t, root, 3)
	foreign := sealForRelease(t, filepath.Join(root, "other"), 3)
	missing := filepath.Join(root, "nowhere", filepath.Base(f.img))
	check := func() {
		t.Helper()
		out := archiverErr(t, 1, "release", "--data", f.data, "--copies", "2", missing)
		if !strings.Contains(out, "does not exist") || !strings.Contains(out, "hint: ") || strings.Contains(out, "already released") {
			t.Errorf("release of a missing path:\n%s", out)
		}
		out = archiverErr(t, 3, "release", "--data", f.data, foreign.img)
		if !strings.Contains(out, "is not the image sealed as "+f.label) || strings.Contains(out, "already released") {
			t.Errorf("release of another data directory's image:\n%s", out)
		}
	}
	check()
	f.bodiesInJournal(t)
	archiver(t, 0, "release", "--data", f.data, filepath.Base(f.img)) // a recorded image name still works
	check()
}
