package media_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// auditBytes audits an image held in memory.
func auditBytes(t testing.TB, img []byte, o media.AuditOptions) *media.Audit {
	t.Helper()
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	a, err := im.Audit(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func auditTree() []media.File {
	return []media.File{
		genFile("README.TXT", 1851, 1), genFile("MANIFEST.JSON", 635, 2), genFile("SHA256SUMS", 4096, 3),
		genFile("SHA256SUMS.ASC", 300, 4), genFile("MSG/0000000/0000000001.PGP", 2000, 5),
		genFile("MSG/0000000/0000000002.PGP", 0, 6), genFile("MSG/0000000/0000000003.PGP", 7000, 7),
		genFile("MSG/0000001/0000001000.PGP", 17, 8),
	}
}

// TestAuditCleanImage: an image as written has no fault, and the audit
// decodes its descriptor fields; with a hash it hashes the whole image.
func TestAuditCleanImage(t *testing.T) {
	for _, files := range [][]media.File{auditTree(), sealerTree(), nil} {
		img := imageBytes(t, files)
		a := auditBytes(t, img, media.AuditOptions{Size: int64(len(img))})
		if a.FaultCount != 0 || a.Beyond != 0 || a.Missing != 0 {
			t.Fatalf("faults on a clean image: %d %q beyond %d missing %d", a.FaultCount, a.Faults, a.Beyond, a.Missing)
		}
		if a.Sectors*2048 != int64(len(img)) || a.Info.VolumeID != "ARCHIVER_TEST" || a.Info.Publisher != "ACME Corp" || !a.Info.Recorded.Equal(sealTime) {
			t.Fatalf("audit %+v", a)
		}
		h := sha256.New()
		a = auditBytes(t, img, media.AuditOptions{Hash: h, Size: -1})
		if a.FaultCount != 0 || a.Read != int64(len(img)) || [32]byte(h.Sum(nil)) != sha256.Sum256(img) {
			t.Fatalf("hash pass: %q read %d", a.Faults, a.Read)
		}
	}
}

// TestAuditEveryStructureByte: flipping a bit of any byte that is not
// file data (system area, descriptors, path tables, directories, file
// slack) is a fault of the audit, or changes the descriptor fields the
// audit decodes (Audit.Info, which the caller compares with what it
// expects), in both reading modes. This is the proof that no byte of the
// image goes unchecked: the file data is the caller's (SHA256SUMS) to
// check. Every non-zero byte is tried, and every 17th zero byte (zeros
// are checked by the same comparisons); -short tries a third of these.
func TestAuditEveryStructureByte(t *testing.T) {
	files := auditTree()
	img := imageBytes(t, files)
	data := dataBytes(t, img, files)
	checked := 0
	want := auditBytes(t, img, media.AuditOptions{Size: -1}).Info
	for off := range img {
		// every non-zero byte; of the zeros (padding, slack, the system
		// area), checked by the same comparisons, every 17th
		if data[off] || img[off] == 0 && off%17 != 0 || testing.Short() && off%3 != 0 {
			continue
		}
		bit := byte(1) << (off % 8)
		img[off] ^= bit
		im, err := media.OpenImage(bytes.NewReader(img))
		if err == nil {
			var a *media.Audit
			if a, err = im.Audit(media.AuditOptions{Size: int64(len(img))}); err == nil && a.FaultCount == 0 && a.Info == want {
				t.Errorf("byte %d (sector %d byte %d) bit %#x: no fault", off, off/2048, off%2048, bit)
			}
			if off%7 == 0 { // the hashing pass too, on a sample
				if a, err = im.Audit(media.AuditOptions{Hash: sha256.New()}); err == nil && a.FaultCount == 0 && a.Info == want {
					t.Errorf("hash pass: byte %d bit %#x: no fault", off, bit)
				}
			}
		}
		img[off] ^= bit
		checked++
	}
	t.Logf("%d of %d bytes are structure, padding or slack; each flip was found", checked, len(img))
}

// dataBytes marks the bytes of the image that are file contents.
func dataBytes(t testing.TB, img []byte, files []media.File) []bool {
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]bool, len(img))
	for _, f := range files {
		if f.Size == 0 {
			continue
		}
		r, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(r)
		at := -1
		for s := 0; s+b.Len() <= len(img); s += 2048 {
			if bytes.Equal(img[s:s+b.Len()], b.Bytes()) {
				at = s
			}
		}
		if at < 0 {
			t.Fatalf("%s not found", f.Path)
		}
		for i := at; i < at+b.Len(); i++ {
			out[i] = true
		}
	}
	_ = im
	return out
}

// TestAuditBeyondAndShort: bytes after the volume space of an image file
// are counted (Beyond), a device reads exactly the volume space, and a
// short image is Missing.
func TestAuditBeyondAndShort(t *testing.T) {
	img := imageBytes(t, auditTree())
	for _, extra := range []int{1, 2048, 1 << 20} {
		long := append(append([]byte(nil), img...), make([]byte, extra)...)
		if a := auditBytes(t, long, media.AuditOptions{Size: int64(len(long))}); a.Beyond != int64(extra) {
			t.Errorf("+%d: Beyond %d", extra, a.Beyond)
		}
		h := sha256.New()
		a := auditBytes(t, long, media.AuditOptions{Hash: h, Size: -1})
		if a.Beyond != int64(extra) || a.Read != int64(len(long)) || [32]byte(h.Sum(nil)) != sha256.Sum256(long) {
			t.Errorf("+%d hashed: Beyond %d Read %d", extra, a.Beyond, a.Read)
		}
		h.Reset()
		a = auditBytes(t, long, media.AuditOptions{Hash: h, Device: true})
		if a.Beyond != 0 || a.Read != int64(len(img)) || [32]byte(h.Sum(nil)) != sha256.Sum256(img) || a.FaultCount != 0 {
			t.Errorf("+%d device: Beyond %d Read %d %q", extra, a.Beyond, a.Read, a.Faults)
		}
	}
	short := img[:len(img)-2048]
	if a := auditBytes(t, short, media.AuditOptions{Size: int64(len(short))}); a.Missing != 2048 {
		t.Errorf("short: Missing %d", a.Missing)
	}
	if a := auditBytes(t, short, media.AuditOptions{Hash: sha256.New()}); a.Missing != 2048 {
		t.Errorf("short hashed: Missing %d", a.Missing)
	}
}

// TestAuditJolietExtentSwap: a Joliet record pointed at another file's
// extent is a fault naming the file.
func TestAuditJolietExtentSwap(t *testing.T) {
	img := imageBytes(t, auditTree())
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	es, _ := im.Files()
	_ = es
	name := ucs2("0000000001.PGP")
	at := bytes.Index(img, name) // the Joliet record's identifier
	if at < 0 {
		t.Fatal("no Joliet record")
	}
	rec := at - 33
	other := bytes.Index(img, ucs2("0000000003.PGP")) - 33
	copy(img[rec+2:rec+18], img[other+2:other+18]) // extent and size, both byte orders
	a := auditBytes(t, img, media.AuditOptions{Size: int64(len(img))})
	if !strings.Contains(strings.Join(a.Faults, "\n"), "MSG/0000000/0000000001.PGP: the primary tree records its extent at sector") {
		t.Fatalf("faults %q", a.Faults)
	}
}

func ucs2(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}
