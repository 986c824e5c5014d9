package media_test

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/archiver/archiver/media"
)

// The writer's bytes for fixed trees (mapped and ISO-safe names, files
// before and after directories, empty files, depth 7, shard directories,
// input shuffled) are those of the writer before PlanList and the compact
// tree (commit 223bc2b, which gave these hashes): the image is a function
// of its inputs only, and refactoring the writer must not change it.
func TestImageBytesUnchanged(t *testing.T) {
	golden := []string{
		"10c0b3afd8c52ac32e2941565757d8421972043fa5d163f1c8c75dcc7f210dcd",
		"c030cfbfe5ccf061bd57f186c0f4cadd3ab883b479ba80140e695982cadc4e85",
		"99c74614af9103f24e68afb871aefdab282c3c3cb942e27e075b23d38bfa9db6",
		"ef298d71e3eb9b62ee7132c426ed834d25f4fa3a86df37c3898910f1c4f3667f",
	}
	rng := rand.New(rand.NewPCG(7, 9))
	names := []string{"a.txt", "A_B", "Manifest.JSON.asc", "dir.with.dots/x", ".hidden", "über/größe.txt", "MSG/0000001/0000001234.PGP",
		"MSG/0000001/0000001000.PGP", "MSG/0000000/0000000999.PGP", "Z/Y/X/W/V/U/T", "q/y", "README.TXT", "SHA256SUMS", "SHA256SUMS.ASC", "INDEX.PGP",
		"mixed Case Name.tXt", "long" + fmt.Sprint(rng.Uint64()) + "name-with-dashes.tar.gz", "AB.C", "A.D", "A_C", "A.B", "NAME", "NAME.X", "empty"}
	for round := range 4 {
		var files []media.File
		perm := rng.Perm(len(names))
		for _, i := range perm {
			size := int64(rng.IntN(5000))
			if names[i] == "empty" {
				size = 0
			}
			files = append(files, genFile(names[i], size, uint64(i)))
		}
		for k := range 3000 {
			files = append(files, genFile(fmt.Sprintf("BIG/%07d/%010d.PGP", k/1000, k*7), int64(rng.IntN(3000)), uint64(1000+k)))
		}
		if round%2 == 1 {
			rng.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
		}
		l, err := media.Plan(testInfo(), files)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := l.WriteTo(h); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != golden[round] {
			t.Errorf("tree %d: image SHA-256 %s, want %s", round, got, golden[round])
		}
	}
}
