package sealing

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/sealing/internal/gpgtest"
)

// TestVectorsExternalReaders reads the signature and SHA256SUMS vectors of
// testdata/vectors with bsdtar, gpg and SHA-256 alone, so their labels do
// not rest on archiver's own verify (cmd/archiver's TestVerifyVectors runs
// that): gpg accepts SHA256SUMS.ASC of ok-good and fail-hash-swapped with
// the archive key and rejects the other two; every SHA256SUMS line holds
// except the swapped files and the edited line.
func TestVectorsExternalReaders(t *testing.T) {
	bsdtar := testtool.Require(t, "bsdtar")
	dir := filepath.Join("testdata", "vectors")
	pub, err := os.ReadFile(filepath.Join(dir, "archive.pub.asc"))
	if err != nil {
		t.Fatal(err)
	}
	g := gpgtest.New(t)
	g.Must(pub, "--import")
	for _, c := range []struct {
		image  string
		sigOK  bool
		badSum int // SHA256SUMS lines whose file differs
	}{
		{"ok-good.iso", true, 0},
		{"fail-hash-swapped.iso", true, 2},
		{"fail-signature-other-signer.iso", false, 0},
		{"fail-signature-sums-edited.iso", false, 1},
	} {
		t.Run(c.image, func(t *testing.T) {
			x := t.TempDir()
			if out, err := exec.Command(bsdtar, "-xf", filepath.Join(dir, c.image), "-C", x).CombinedOutput(); err != nil {
				t.Fatalf("bsdtar: %v\n%s", err, out)
			}
			sums := filepath.Join(x, "SHA256SUMS")
			_, stderr, err := g.Run(nil, "--verify", filepath.Join(x, "SHA256SUMS.ASC"), sums)
			if (err == nil) != c.sigOK {
				t.Fatalf("gpg --verify: %v, want success %v\n%s", err, c.sigOK, stderr)
			}
			f, err := os.Open(sums)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			bad, lines := 0, 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				sum, name, ok := strings.Cut(sc.Text(), "  ")
				if !ok {
					t.Fatalf("SHA256SUMS line %q", sc.Text())
				}
				b, err := os.ReadFile(filepath.Join(x, filepath.FromSlash(name)))
				if err != nil {
					t.Fatal(err)
				}
				lines++
				if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
					bad++
				}
			}
			if lines < 6 || bad != c.badSum {
				t.Fatalf("%d SHA256SUMS lines, %d differ; want %d differing", lines, bad, c.badSum)
			}
		})
	}
}
