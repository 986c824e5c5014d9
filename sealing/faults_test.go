package sealing

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/internal/keytest"
	"github.com/archiver/archiver/sealing/pgp"
)

// imageFiles reads every file of an image with the independent reader.
func imageFiles(t testing.TB, path string) (map[string][]byte, *format.Manifest) {
	t.Helper()
	im, c, err := media.OpenImageFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	es, err := im.Files()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range es {
		r, err := im.Open(e.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Path] = readAll(t, r)
	}
	m, err := format.ParseManifest(out[format.ManifestFile])
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

// remaster rewrites the image at path from its files after edit, with the
// same volume descriptor fields.
func remaster(t testing.TB, path string, edit func(files map[string][]byte)) {
	t.Helper()
	files, m := imageFiles(t, path)
	edit(files)
	var list []media.File
	for p, b := range files {
		b := b
		list = append(list, media.File{Path: p, Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	l, err := media.Plan(media.VolumeInfo{VolumeID: m.Label, VolumeSetID: m.SetID, SetSize: m.Count, SeqNum: m.Index, Recorded: m.Sealed}, list)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// offsetOf returns the offset in the image of the bytes of file p.
func offsetOf(t testing.TB, path, p string) int64 {
	t.Helper()
	files, _ := imageFiles(t, path)
	img, _ := os.ReadFile(path)
	i := bytes.Index(img, files[p])
	if i < 0 || len(files[p]) == 0 {
		t.Fatalf("%s not found in image", p)
	}
	return int64(i)
}

func flipBit(t testing.TB, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x04
	os.WriteFile(path, b, 0o644)
}

func firstMsg(files map[string][]byte) string {
	for p := range files {
		if strings.HasPrefix(p, "MSG/") {
			return p
		}
	}
	return ""
}

// TestFaults: each fault of issue 4 item 8 makes verify --data fail with a
// precise finding, records a failed verification, and Release refuses the
// volume so no body is freed.
func TestFaults(t *testing.T) {
	type env struct {
		f    *fixture
		imgs []string
	}
	msgPath := func(e env, k int) string { files, _ := imageFiles(e.f.t, e.imgs[k]); return firstMsg(files) }
	cases := []struct {
		name   string
		victim int // volume index (0-based) whose release must be refused
		fault  func(e env) (sources []string, want []string)
	}{
		{"flipped bit in a message file", 1, func(e env) ([]string, []string) {
			p := msgPath(e, 1)
			flipBit(e.f.t, e.imgs[1], offsetOf(e.f.t, e.imgs[1], p)+100)
			return e.imgs, []string{"hash " + p, "decrypt " + p, "image "}
		}},
		{"flipped bit in SHA256SUMS", 0, func(e env) ([]string, []string) {
			flipBit(e.f.t, e.imgs[0], offsetOf(e.f.t, e.imgs[0], format.SumsFile)+70)
			return e.imgs, []string{"signature " + format.SumsSigFile, "image "}
		}},
		{"flipped bit in a directory record", 0, func(e env) ([]string, []string) {
			p := msgPath(e, 0)
			name := p[strings.LastIndex(p, "/")+1:]
			img, _ := os.ReadFile(e.imgs[0])
			i := bytes.Index(img, []byte(name+";1"))
			flipBit(e.f.t, e.imgs[0], int64(i+5))
			return e.imgs, []string{"missing " + p, "extra "}
		}},
		{"flipped bit in the primary volume descriptor", 0, func(e env) ([]string, []string) {
			flipBit(e.f.t, e.imgs[0], 16*2048+40) // volume identifier
			return e.imgs, []string{"manifest ", "image "}
		}},
		{"truncated image", 2, func(e env) ([]string, []string) {
			fi, _ := os.Stat(e.imgs[2])
			os.Truncate(e.imgs[2], fi.Size()/2)
			return e.imgs, []string{"image "}
		}},
		{"missing file", 1, func(e env) ([]string, []string) {
			p := msgPath(e, 1)
			remaster(e.f.t, e.imgs[1], func(fs map[string][]byte) { delete(fs, p) })
			return e.imgs, []string{"missing " + p, "decrypt " + p}
		}},
		{"extra file", 1, func(e env) ([]string, []string) {
			remaster(e.f.t, e.imgs[1], func(fs map[string][]byte) { fs["MSG/0000000/0000000999.PGP"] = []byte("extra") })
			return e.imgs, []string{"extra MSG/0000000/0000000999.PGP"}
		}},
		{"file swapped between two volumes", 0, func(e env) ([]string, []string) {
			p0, p1 := msgPath(e, 0), msgPath(e, 1)
			other, _ := imageFiles(e.f.t, e.imgs[1])
			remaster(e.f.t, e.imgs[0], func(fs map[string][]byte) { fs[p0] = other[p1] })
			return e.imgs, []string{"hash " + p0, "decrypt " + p0}
		}},
		{"signature by another key", 0, func(e env) ([]string, []string) {
			el := keytest.New(e.f.t, "Mallory").Sec
			remaster(e.f.t, e.imgs[0], func(fs map[string][]byte) {
				var sig bytes.Buffer
				pgp.SignDetached(&sig, el[0], bytes.NewReader(fs[format.SumsFile]))
				fs[format.SumsSigFile] = sig.Bytes()
			})
			return e.imgs, []string{"signature " + format.SumsSigFile}
		}},
		{"volume missing from a set", 0, func(e env) ([]string, []string) {
			return []string{e.imgs[0], e.imgs[2]}, []string{"set ", "chain "}
		}},
		{"volume of another set", 0, func(e env) ([]string, []string) {
			// seal December as a second set; give volume 1 of Nov with volume 2 of Dec
			e.f.setClock(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
			e.f.ingest(12, 20000)
			o := e.f.opts("50")
			o.Period = "2026-12"
			res, err := Seal(e.f.ctx, e.f.j, o)
			if err != nil || len(res.Images) < 2 {
				e.f.t.Fatalf("december: %v", err)
			}
			return []string{e.imgs[0], res.Images[1].Path}, []string{"set ", "chain "}
		}},
		{"volume of another tenant", 0, func(e env) ([]string, []string) {
			f2 := newFixture(e.f.t)
			f2.tenant = "acme" // same tenant name, another archive: unknown to this journal
			f2.ingest(12, 20000)
			res := f2.seal("50")
			return append(e.imgs, res.Images[0].Path), []string{"journal ", "set "}
		}},
		{"gap in the sequence", 0, func(e env) ([]string, []string) {
			e.f.setClock(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
			e.f.ingest(3, 20000)
			o := e.f.opts("dvd5")
			o.Period = "2026-12"
			if _, err := Seal(e.f.ctx, e.f.j, o); err != nil {
				e.f.t.Fatal(err)
			}
			e.f.setClock(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
			e.f.ingest(3, 20000)
			o.Period = "2027-01"
			jan, err := Seal(e.f.ctx, e.f.j, o)
			if err != nil {
				e.f.t.Fatal(err)
			}
			return append(e.imgs, jan.Images[0].Path), []string{"chain "}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.ingest(12, 20000)
			res := f.seal("50")
			if len(res.Images) < 3 {
				t.Fatalf("want ≥3 volumes, got %d", len(res.Images))
			}
			e := env{f, paths(res)}
			sources, want := c.fault(e)
			rep := f.verify(true, sources...)
			got := checks(rep)
			if rep.OK {
				t.Fatal("verify passed")
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("findings %q lack %q", got, w)
				}
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			if !strings.Contains(text.String(), "verify: FAILED") {
				t.Errorf("text report: %s", text.String())
			}
			label := res.Images[c.victim].Label
			if _, err := Release(f.ctx, f.j, label, ReleaseOptions{}); !errors.Is(err, journal.ErrNotVerified) {
				t.Fatalf("release of %s: %v", label, err)
			}
			v, _ := f.j.Volume(f.ctx, label)
			if !v.Released.IsZero() {
				t.Fatal("volume released")
			}
			if _, err := f.j.OpenBody(f.ctx, "acme", v.FirstSeq); err != nil {
				t.Fatalf("body gone: %v", err)
			}
		})
	}
}
