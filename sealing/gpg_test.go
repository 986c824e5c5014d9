package sealing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/internal/gpgtest"
	"github.com/archiver/archiver/sealing/pgp"
)

// TestGPGReadsOurImage follows docs/FORMAT.md's worked example with real
// tools: bsdtar extracts the image, sha256sum -c passes, gpg 2.2 verifies
// SHA256SUMS.ASC and decrypts every message (with gpg-made RSA and
// ed25519/cv25519 tenant keys) to the journaled bytes, compared by SHA-256
// with the index and the originals.
func TestGPGReadsOurImage(t *testing.T) {
	bsdtar := testtool.Require(t, "bsdtar")
	sha256sum := testtool.Require(t, "sha256sum")
	g := gpgtest.New(t)
	rsaPub, _ := g.QuickGenKey("Officer RSA <rsa@acme.example>", "rsa3072")
	edPub, _ := g.QuickGenKey("Officer Ed <ed@acme.example>", "future-default")

	f := newFixture(t)
	f.tenant = "gpgco"
	if err := f.j.AddTenant(f.ctx, journal.Tenant{Name: "gpgco", Domains: []string{"gpg.example"}, Recipients: [][]byte{rsaPub, edPub}}); err != nil {
		t.Fatal(err)
	}
	f.raw = map[uint64][]byte{}
	for i := 0; i < 4; i++ {
		raw := []byte("From: x@gpg.example\r\nTo: y@gpg.example\r\nSubject: gpg " + strings.Repeat("z", i) + "\r\n\r\nbinary \x00\x01\xff body\r\n")
		st, err := f.j.Ingest(f.ctx, journal.Envelope{MailFrom: "x@gpg.example", RcptTo: []string{"y@gpg.example"}, Protocol: "smtp"}, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		f.raw[st[0].Seq] = raw
	}
	res := f.seal("dvd5")
	if len(res.Images) != 1 || res.Cipher != "AES256" || res.Compression != "ZLIB" {
		t.Fatalf("result %+v", res)
	}
	dir := t.TempDir()
	if out, err := exec.Command(bsdtar, "-xf", res.Images[0].Path, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("bsdtar: %v %s", err, out)
	}
	cmd := exec.Command(sha256sum, "-c", "--strict", format.SumsFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "FAILED") {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	g.Must(nil, "--import", filepath.Join(dir, format.SignerFile))
	_, stderr, err := g.Run(nil, "--status-fd", "2", "--verify", filepath.Join(dir, format.SumsSigFile), filepath.Join(dir, format.SumsFile))
	if err != nil || !strings.Contains(string(stderr), "[GNUPG:] VALIDSIG "+pgp.Fingerprint(f.signer)) {
		t.Fatalf("gpg --verify: %v\n%s", err, stderr)
	}
	index := g.Must(nil, "--decrypt", filepath.Join(dir, format.IndexFile))
	ix, err := format.ReadIndex(bytes.NewReader(index))
	if err != nil || len(ix) != 4 {
		t.Fatalf("index via gpg: %v (%d)", err, len(ix))
	}
	for _, e := range ix {
		plain := g.Must(nil, "--decrypt", filepath.Join(dir, filepath.FromSlash(e.Path)))
		sum := sha256.Sum256(plain)
		if hex.EncodeToString(sum[:]) != e.SHA256 || !bytes.Equal(plain, f.raw[e.Seq]) {
			t.Fatalf("seq %d: gpg output differs", e.Seq)
		}
	}
	// the extracted tree verifies as a directory source too
	rep, err := Verify(f.ctx, []string{dir}, VerifyOptions{Signer: f.signPub, Journal: f.j})
	if err != nil || !rep.OK || rep.Volumes[0].Method != "deep" {
		t.Fatalf("verify of extracted dir: %v %s", err, checks(rep))
	}
	if _, err := os.Stat(filepath.Join(dir, format.ReadmeFile)); err != nil {
		t.Fatal(err)
	}
}
