package sealing

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// mergeSums writes exactly what format.FormatSums writes for the same
// entries: message lines (in path order, shards included) merged with the
// metadata files, which sort before, between and after them.
func TestMergeSumsMatchesFormatSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 999, 2500} {
		var all []format.Sum
		var lines bytes.Buffer
		seq := uint64(0)
		for range n {
			seq += 1 + uint64(rng.IntN(700))
			var sha [32]byte
			for i := range sha {
				sha[i] = byte(rng.Uint32())
			}
			p := format.MessagePath(seq)
			all = append(all, format.Sum{Path: p, SHA256: sha})
			lines.Write(sumsLine(sha, p))
		}
		var meta []format.Sum
		for i, name := range []string{format.ReadmeFile, format.IndexFile, format.SignerFile, format.ManifestFile, "A", "MSG/0000000/0000000000.A", "ZZZ"} {
			meta = append(meta, format.Sum{Path: name, SHA256: sha256.Sum256([]byte{byte(i)})})
		}
		all = append(all, meta...)
		var got bytes.Buffer
		m, err := mergeSums(&got, &lines, meta)
		if err != nil {
			t.Fatal(err)
		}
		if want := format.FormatSums(all); !bytes.Equal(got.Bytes(), want) || m != int64(len(want)) {
			t.Fatalf("%d messages: merged SHA256SUMS (%d bytes, %d counted) differs from format.FormatSums (%d bytes)", n, got.Len(), m, len(want))
		}
	}
	// lines out of path order are a bug, reported, never written unsorted
	var lines bytes.Buffer
	lines.Write(sumsLine([32]byte{1}, format.MessagePath(2)))
	lines.Write(sumsLine([32]byte{2}, format.MessagePath(1)))
	if _, err := mergeSums(io.Discard, &lines, nil); err == nil || !strings.Contains(err.Error(), "path order") {
		t.Fatalf("unsorted message lines: err = %v", err)
	}
}

// buildMeta makes the same metadata files as format.BuildMetaFrom: the
// manifest, README and SIGNER.ASC byte for byte, SHA256SUMS as
// format.FormatSums of the messages and the files made, INDEX.PGP
// decrypting to the plain index, and a signature that verifies.
func TestBuildMetaMatchesFormat(t *testing.T) {
	f := newFixture(t)
	pub, err := pgp.ArmorPublic(f.signer)
	if err != nil {
		t.Fatal(err)
	}
	s := &sealer{opts: SealOptions{Signer: f.signer}, signerPub: pub, work: t.TempDir(), recipients: nil, now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	tenant, err := pgp.ReadKeys(tenantPub)
	if err != nil {
		t.Fatal(err)
	}
	s.recipients = tenant
	vol, err := s.newVolume()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, x := range s.spools {
			x.Close()
		}
	}()
	var plain bytes.Buffer
	var msgs []format.Sum
	for seq := uint64(990); seq < 1010; seq++ {
		line := []byte(fmt.Sprintf(`{"seq":%d,"path":%q}`+"\n", seq, format.MessagePath(seq)))
		plain.Write(line)
		vol.index.Write(line)
		sha := sha256.Sum256([]byte(fmt.Sprint(seq)))
		msgs = append(msgs, format.Sum{Path: format.MessagePath(seq), SHA256: sha})
		vol.sums.Write(sumsLine(sha, format.MessagePath(seq)))
	}
	m := &format.Manifest{Tenant: "acme", Period: "2026-11", SetID: "ACME_202611_0000", Index: 1, Count: 1, Label: "ACME_202611_V01OF01",
		FirstSeq: 990, LastSeq: 1009, Messages: 20, Sealed: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Cipher: "AES256", Compression: "ZLIB"}
	m2 := *m
	vm, err := s.buildMeta(m, vol, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.close()
	want, err := format.BuildMetaFrom(&m2, bytes.NewReader(plain.Bytes()), msgs, vol.to, f.signer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for name, b := range vm.small {
		got[name] = b
	}
	for name, w := range vm.big {
		b, err := io.ReadAll(w.reader())
		if err != nil {
			t.Fatal(err)
		}
		got[name] = b
	}
	if len(got) != len(want.Files) {
		t.Fatalf("files %d, format.BuildMetaFrom makes %d", len(got), len(want.Files))
	}
	for _, name := range []string{format.ManifestFile, format.ReadmeFile, format.SignerFile} {
		if !bytes.Equal(got[name], want.Files[name]) {
			t.Errorf("%s differs from format.BuildMetaFrom's", name)
		}
	}
	all := append([]format.Sum(nil), msgs...)
	for name, b := range got {
		if name != format.SumsFile && name != format.SumsSigFile {
			all = append(all, format.Sum{Path: name, SHA256: sha256.Sum256(b)})
		}
	}
	if sums := format.FormatSums(all); !bytes.Equal(got[format.SumsFile], sums) {
		t.Errorf("SHA256SUMS is not format.FormatSums of the files:\n%s\nwant\n%s", got[format.SumsFile], sums)
	}
	if vm.sumsSHA != sha256.Sum256(got[format.SumsFile]) {
		t.Error("sumsSHA is not the SHA-256 of SHA256SUMS")
	}
	if _, err := pgp.VerifyDetached(f.signPub, bytes.NewReader(got[format.SumsFile]), bytes.NewReader(got[format.SumsSigFile])); err != nil {
		t.Errorf("SHA256SUMS.ASC: %v", err)
	}
	r, err := pgp.Decrypt(bytes.NewReader(got[format.IndexFile]), f.secret)
	if err != nil {
		t.Fatal(err)
	}
	if ix, err := io.ReadAll(r); err != nil || !bytes.Equal(ix, plain.Bytes()) {
		t.Errorf("INDEX.PGP decrypts to %d bytes (%v), want the %d-byte plain index", len(ix), err, plain.Len())
	}
}
