package sealing

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/sealing/format"
)

// sealOne seals n messages on one volume and returns the image path.
func sealOne(t *testing.T, n int) (*fixture, string) {
	t.Helper()
	f := newFixture(t)
	f.ingest(n, 3000)
	res := f.seal("dvd5")
	if len(res.Images) != 1 {
		t.Fatalf("%d images", len(res.Images))
	}
	return f, res.Images[0].Path
}

// findingsText lists a report's findings one a line.
func findingsText(r *Report) string {
	var b strings.Builder
	for _, f := range r.AllFindings() {
		fmt.Fprintln(&b, f.String())
	}
	return b.String()
}

// TestTrailingData (issue 10, item 4): bytes appended to an image file
// passed verify --data and --signer, and the deep check printed the
// original image's SHA-256. They are a finding, and the image SHA-256
// reported is of the whole file.
func TestTrailingData(t *testing.T) {
	f, img := sealOne(t, 4)
	orig, _ := os.ReadFile(img)
	sectors := len(orig) / 2048
	for _, extra := range []int{1, 2048, 1 << 20} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			long := filepath.Join(t.TempDir(), "long.iso")
			b := append(append([]byte(nil), orig...), bytes.Repeat([]byte{0}, extra)...)
			os.WriteFile(long, b, 0o644)
			want := fmt.Sprintf("image: %s: %d bytes beyond the volume size (%d sectors)", "ACME_202611_V01OF01", extra, sectors)
			for _, data := range []bool{false, true} {
				rep := f.verify(data, long)
				if rep.OK || !strings.Contains(findingsText(rep), want) {
					t.Fatalf("--data=%v: %s", data, findingsText(rep))
				}
				if data && rep.Volumes[0].ImageSHA256 != sha256.Sum256(b) {
					t.Fatalf("image SHA-256 %x is not the file's", rep.Volumes[0].ImageSHA256)
				}
			}
		})
	}
}

// jolietRecord returns the offset in img of the Joliet directory record
// of the file named name (UCS-2 identifier).
func jolietRecord(t testing.TB, img []byte, name string) int {
	t.Helper()
	var id []byte
	for _, r := range name {
		id = append(id, byte(r>>8), byte(r))
	}
	at := bytes.Index(img, id)
	if at < 33 || int(img[at-1]) != len(id) {
		t.Fatalf("no Joliet record of %s", name)
	}
	return at - 33
}

// TestJolietExtentSwap (issue 10, item 5): the Joliet record of message
// 1 repointed at message 2's extent. bsdtar and 7z read Joliet and so
// extract message 2's bytes under message 1's name (the officer's
// sha256sum -c fails), while verify --signer and --key said OK: verify
// must find that the two trees differ.
func TestJolietExtentSwap(t *testing.T) {
	f, img := sealOne(t, 3)
	b, _ := os.ReadFile(img)
	r1, r2 := jolietRecord(t, b, "0000000001.PGP"), jolietRecord(t, b, "0000000002.PGP")
	copy(b[r1+2:r1+18], b[r2+2:r2+18]) // extent and size, both byte orders
	os.WriteFile(img, b, 0o644)
	files, _ := imageFiles(t, img) // the primary tree
	const m1 = "MSG/0000000/0000000001.PGP"
	for _, tool := range []string{"bsdtar", "7z"} {
		bin := testtool.Require(t, tool)
		dir := t.TempDir()
		args := []string{"-xf", img, "-C", dir}
		if tool == "7z" {
			args = []string{"x", "-o" + dir, img}
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", tool, err, out)
		}
		got, err := os.ReadFile(filepath.Join(dir, m1))
		if err != nil || bytes.Equal(got, files[m1]) {
			t.Fatalf("%s extracted message 1 unchanged (%v): the fault is not what officers' tools see", tool, err)
		}
	}
	for _, keys := range []bool{false, true} {
		o := VerifyOptions{Signer: f.signPub}
		if keys {
			o.Keys = f.secret
		}
		rep, err := Verify(f.ctx, []string{img}, o)
		if err != nil {
			t.Fatal(err)
		}
		want := "structure: ACME_202611_V01OF01: " + m1 + ": the primary tree records its extent at sector"
		if rep.OK || !strings.Contains(findingsText(rep), want) {
			t.Fatalf("--key=%v: %s", keys, findingsText(rep))
		}
	}
}

// TestZeroBytesFlipped (issue 10, item 6): a flipped bit in the system
// area, in a directory's unused bytes or in a file's slack was caught
// only by the journal's image hash. verify --signer alone must find it.
func TestZeroBytesFlipped(t *testing.T) {
	f, img := sealOne(t, 3)
	orig, _ := os.ReadFile(img)
	files, _ := imageFiles(t, img)
	sums := offsetOf(t, img, format.SumsFile)
	dirEnd := jolietRecord(t, orig, "0000000003.PGP") + 33 + 28 + 1 // after the last record of MSG/0000000
	cases := map[string]int64{
		"system area":               1000,
		"descriptor reserved bytes": 16*2048 + 1500,
		"directory after records":   int64(dirEnd) + 10,
		"file slack":                sums + int64(len(files[format.SumsFile])) + 3,
	}
	for name, off := range cases {
		t.Run(name, func(t *testing.T) {
			if orig[off] != 0 {
				t.Fatalf("byte %d is %#x, not zero", off, orig[off])
			}
			os.WriteFile(img, orig, 0o644)
			flipBit(t, img, off)
			rep := f.verify(false, img)
			if rep.OK || !strings.Contains(checks(rep), format.CheckStructure) {
				t.Fatalf("%s: %s", name, findingsText(rep))
			}
		})
	}
}

// TestSignatureFileEveryByte (issue 10, item 6): SHA256SUMS.ASC had
// bytes a flip of which still verified (the armor's dashes, CRC and END
// line, the signature's 16-bit hash prefix): verify --signer missed
// them. Each byte of it flipped (two of its bits in turn) is now a
// signature finding.
func TestSignatureFileEveryByte(t *testing.T) {
	f, img := sealOne(t, 2)
	files, _ := imageFiles(t, img)
	dir := t.TempDir()
	for p, b := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(fp), 0o755)
		os.WriteFile(fp, b, 0o644)
	}
	asc := files[format.SumsSigFile]
	sigPath := filepath.Join(dir, format.SumsSigFile)
	for i := range asc {
		for _, bit := range []int{i % 8, (i + 3) % 8} {
			b := append([]byte(nil), asc...)
			b[i] ^= 1 << bit
			os.WriteFile(sigPath, b, 0o644)
			v, err := format.OpenVolume(format.DirTree(dir))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.VerifySignature(f.signPub); err == nil {
				t.Errorf("byte %d (%q) bit %d flipped: the signature still verifies", i, asc[i], bit)
			}
		}
	}
	os.WriteFile(sigPath, append(asc, '\n'), 0o644)
	if v, _ := format.OpenVolume(format.DirTree(dir)); v != nil {
		if _, err := v.VerifySignature(f.signPub); err == nil {
			t.Error("a byte appended to SHA256SUMS.ASC: the signature still verifies")
		}
	}
}

// TestRockRidgeRebuild (issue 10, item 5): a disc's files rebuilt into an
// image by `xorriso -as mkisofs -R -J` were rejected with a misleading
// "listed twice" (the image reader lost Rock Ridge names). Its files are
// now read by their names and all verify; the image is refused for what
// it is: not the volume as sealed (its structures and descriptor fields
// are xorriso's), naming Rock Ridge.
func TestRockRidgeRebuild(t *testing.T) {
	xorriso := testtool.Require(t, "xorriso")
	f := newFixture(t)
	f.ingest(40, 3000) // a MSG directory of more than one sector
	res := f.seal("dvd5")
	files, _ := imageFiles(t, res.Images[0].Path)
	dir := t.TempDir()
	for p, b := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(fp), 0o755)
		os.WriteFile(fp, b, 0o644)
	}
	img := filepath.Join(t.TempDir(), "rebuild.iso")
	if out, err := exec.Command(xorriso, "-as", "mkisofs", "-R", "-J", "-quiet", "-o", img, dir).CombinedOutput(); err != nil {
		t.Fatalf("xorriso: %v\n%s", err, out)
	}
	rep := f.verify(false, img)
	text := findingsText(rep)
	if rep.OK || !strings.Contains(text, "structure: ACME_202611_V01OF01: the root directory's records carry Rock Ridge") {
		t.Fatalf("rebuild: %s", text)
	}
	for _, f := range rep.AllFindings() {
		iso := f.Check == format.CheckManifest && strings.HasPrefix(f.Detail, "ISO ") // xorriso's own descriptor fields
		if f.Check != format.CheckStructure && !iso {
			t.Errorf("the rebuild's files should verify: %s", f)
		}
	}
}
