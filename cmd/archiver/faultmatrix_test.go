package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// TestVerifyFaultMatrix (issue 10, "Tests"): seal a small volume, then
// damage a copy of its image in each way below, and run the real
// `archiver verify` on it twice: with --data (the journal) and with
// --signer alone (an officer with the disc and the archive's public
// key). Every fault must fail both (exit 3): none of these needs the
// journal to be seen, since every byte of the image is either hashed
// through SHA256SUMS, or structure that verify checks, or must be zero
// (docs/FORMAT.md §2.1). The 50 bit flips land anywhere in the image
// (fixed seed, one flip per copy); the tally is printed.
func TestVerifyFaultMatrix(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	archiver(t, 0, "ingest", "--data", data, filepath.Join(testtool.RepoRoot(t), "testdata", "mail"))
	archiver(t, 0, "seal", "--data", data, "--tenant", "acme", "--until", "2099-01-01", "--out", filepath.Join(dir, "images"))
	good := filepath.Join(dir, "images", "acme-until-2099-01-01-v01of01.iso")
	img, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	signer := filepath.Join(data, "keys", "archive.pub.asc")
	// the good image passes both ways (else the matrix proves nothing)
	for _, mode := range []string{"--data", "--signer"} {
		if code, out, errs := verifyCopy(t, data, signer, mode, good); code != 0 {
			t.Fatalf("good image, verify %s: exit %d\n%s%s", mode, code, out, errs)
		}
	}

	type fault struct {
		name  string
		image []byte
		// needsJournal: only the journal's records can show it (none of
		// the faults below: kept so the tally says so)
		needsJournal bool
		want         string // in the --signer report, when given
	}
	var faults []fault
	rng := rand.New(rand.NewPCG(10, 2026))
	for i := range 50 {
		b := slices.Clone(img)
		off, bit := rng.IntN(len(b)), rng.IntN(8)
		b[off] ^= 1 << bit
		faults = append(faults, fault{name: fmt.Sprintf("flip %02d: byte %d (sector %d byte %d) bit %d, %s", i, off, off/2048, off%2048, bit, region(t, img, off)), image: b})
	}
	faults = append(faults,
		fault{name: "truncated by one sector", image: img[:len(img)-2048]},
		fault{name: "truncated to half", image: img[:len(img)/2]},
		fault{name: "1 byte appended", image: append(slices.Clone(img), 0), want: "1 bytes beyond the volume size"},
		fault{name: "1 sector appended", image: append(slices.Clone(img), make([]byte, 2048)...), want: "2048 bytes beyond the volume size"},
		fault{name: "1 MiB appended", image: append(slices.Clone(img), make([]byte, 1<<20)...), want: "1048576 bytes beyond the volume size"},
		fault{name: "message files swapped", image: remasterImage(t, img, func(fs map[string][]byte) {
			a, b := "MSG/0000000/0000000001.PGP", "MSG/0000000/0000000002.PGP"
			fs[a], fs[b] = fs[b], fs[a]
		}), want: "hash: "},
		fault{name: "Joliet extent swapped", image: jolietSwap(t, img, "0000000001.PGP", "0000000002.PGP"),
			want: "structure: ACME_U20990101_V01OF01: MSG/0000000/0000000001.PGP: the primary tree records its extent"},
		fault{name: "manifest re-signed by another key", image: remasterImage(t, img, func(fs map[string][]byte) {
			fs[format.ManifestFile] = bytes.Replace(fs[format.ManifestFile], []byte(`"messages"`), []byte(`"messages" `), 1)
			resign(t, fs)
		}), want: "signature: "},
	)

	var tally [2]int       // caught with --data, with --signer alone
	by := map[string]int{} // --signer: faults by the checks that found them
	for i, f := range faults {
		p := filepath.Join(dir, "copy.iso")
		if err := os.WriteFile(p, f.image, 0o644); err != nil {
			t.Fatal(err)
		}
		for k, mode := range []string{"--data", "--signer"} {
			code, out, errs := verifyCopy(t, data, signer, mode, p)
			switch {
			case code == 3:
				tally[k]++
			case mode == "--signer" && f.needsJournal:
			default:
				t.Errorf("%s: verify %s exit %d, want 3\n%s%s", f.name, mode, code, out, errs)
			}
			if code == 3 && !strings.Contains(out, "verify: FAILED") {
				t.Errorf("%s: verify %s exit 3 without a FAILED report:\n%s", f.name, mode, out)
			}
			if mode == "--signer" {
				if f.want != "" && !strings.Contains(out, f.want) {
					t.Errorf("%s: verify --signer does not say %q:\n%s", f.name, f.want, out)
				}
				found := reportChecks(out)
				by[found]++
				if i < 50 {
					faults[i].name += " → " + found
				}
			}
		}
	}
	t.Logf("fault matrix: %d faults; caught with --data %d/%d, with --signer alone %d/%d",
		len(faults), tally[0], len(faults), tally[1], len(faults))
	for _, f := range faults[:50] {
		t.Logf("  %s", f.name)
	}
	for k, n := range by {
		t.Logf("  --signer found %d by %s", n, k)
	}
}

// reportChecks lists the checks named by a verify text report's findings.
func reportChecks(out string) string {
	var cs []string
	for _, line := range strings.Split(out, "\n") {
		if c, _, ok := strings.Cut(strings.TrimSpace(line), ": "); ok && !strings.Contains(c, " ") && !slices.Contains(cs, c) && c != "verify" {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	return strings.Join(cs, "+")
}

// verifyCopy runs archiver verify (--data DATA, or --signer PUB alone)
// on image and returns its exit code and output.
func verifyCopy(t *testing.T, data, signer, mode, image string) (int, string, string) {
	t.Helper()
	args := []string{"verify", "--data", data, image}
	if mode == "--signer" {
		args = []string{"verify", "--signer", signer, image}
	}
	cmd := exec.Command(archiverBin(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ARCHIVER_DATA=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// region names what the byte at off of img holds: a file of the image,
// or structure.
func region(t *testing.T, img []byte, off int) string {
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	es, _ := im.Files()
	for _, e := range es {
		r, _ := im.Open(e.Path)
		b, _ := io.ReadAll(r)
		for s := 0; s+len(b) <= len(img) && len(b) > 0; s += 2048 {
			if bytes.Equal(img[s:s+len(b)], b) {
				end := s + int(media.SectorSize)*((len(b)+2047)/2048)
				switch {
				case off >= s && off < s+len(b):
					return "in " + e.Path
				case off >= s+len(b) && off < end:
					return "in the slack of " + e.Path
				}
			}
		}
	}
	if off < 16*2048 {
		return "in the system area"
	}
	return "in the volume structures"
}

// remasterImage rewrites img from its files after edit, with the same
// volume descriptor fields.
func remasterImage(t *testing.T, img []byte, edit func(map[string][]byte)) []byte {
	t.Helper()
	im, err := media.OpenImage(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	a, err := im.Audit(media.AuditOptions{Size: int64(len(img))})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := im.Files()
	fs := map[string][]byte{}
	for _, e := range es {
		r, _ := im.Open(e.Path)
		fs[e.Path], _ = io.ReadAll(r)
	}
	edit(fs)
	var list []media.File
	for p, b := range fs {
		list = append(list, media.File{Path: p, Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	l, err := media.Plan(a.Info, list)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := l.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// resign rewrites SHA256SUMS for the files and signs it with a new key.
func resign(t *testing.T, fs map[string][]byte) {
	t.Helper()
	var sums []format.Sum
	for p, b := range fs {
		if p != format.SumsFile && p != format.SumsSigFile {
			sums = append(sums, format.Sum{Path: p, SHA256: sha256.Sum256(b)})
		}
	}
	slices.SortFunc(sums, func(a, b format.Sum) int { return strings.Compare(a.Path, b.Path) })
	fs[format.SumsFile] = format.FormatSums(sums)
	_, sec, err := pgp.GenerateKey("Mallory", "mallory@example.com", pgp.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	el, _ := pgp.ReadSecret(sec, nil)
	var sig bytes.Buffer
	if err := pgp.SignDetached(&sig, el[0], bytes.NewReader(fs[format.SumsFile])); err != nil {
		t.Fatal(err)
	}
	fs[format.SumsSigFile] = sig.Bytes()
}

// jolietSwap points the Joliet record of file a at file b's extent.
func jolietSwap(t *testing.T, img []byte, a, b string) []byte {
	t.Helper()
	out := slices.Clone(img)
	rec := func(name string) int {
		var id []byte
		for _, r := range name {
			id = append(id, byte(r>>8), byte(r))
		}
		at := bytes.Index(out, id)
		if at < 33 || int(out[at-1]) != len(id) {
			t.Fatalf("no Joliet record of %s", name)
		}
		return at - 33
	}
	ra, rb := rec(a), rec(b)
	copy(out[ra+2:ra+18], out[rb+2:rb+18])
	return out
}
