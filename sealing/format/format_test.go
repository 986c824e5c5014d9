package format

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/internal/keytest"
	"github.com/archiver/archiver/sealing/pgp"
)

type keys struct {
	pub, sec openpgp.EntityList
}

func newKeys(t *testing.T) keys {
	t.Helper()
	k := keytest.New(t, "K")
	return keys{k.Pub, k.Sec}
}

// buildDir writes a 3-message volume into a directory and returns it with
// the raw messages by seq.
func buildDir(t *testing.T, tenant, signer keys) (string, map[uint64][]byte) {
	t.Helper()
	dir := t.TempDir()
	raw := map[uint64][]byte{}
	var index []IndexEntry
	var sums []Sum
	for seq := uint64(5); seq <= 7; seq++ {
		msg := []byte(fmt.Sprintf("From: a@example.com\r\nSubject: m%d\r\n\r\n%s\r\n", seq, strings.Repeat("body ", int(seq)*100)))
		raw[seq] = msg
		p := MessagePath(seq)
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		var ct bytes.Buffer
		s, err := EncryptMessage(&ct, bytes.NewReader(msg), tenant.pub, true)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, p), ct.Bytes(), 0o644)
		sums = append(sums, Sum{Path: p, SHA256: s.CipherSHA256})
		index = append(index, IndexEntry{Seq: seq, JSeq: seq + 100, Received: time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC),
			Envelope: Envelope{MailFrom: "a@example.com", RcptTo: []string{"b@example.com"}}, Subject: fmt.Sprintf("m%d", seq),
			Size: s.PlainSize, SHA256: Hex(s.PlainSHA256), Path: p})
	}
	m := &Manifest{Tenant: "acme", Period: "2026-11", SetID: "ACME-2026-11-X", Index: 1, Count: 1,
		Label: Label("acme", "2026-11", 1, 1), FirstSeq: 5, LastSeq: 7, Messages: 3, Signer: pgp.Fingerprint(signer.sec[0]),
		Sealed: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Cipher: "AES256", Compression: "ZLIB"}
	meta, err := BuildMeta(m, index, sums, tenant.pub, signer.sec[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range meta.Files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if got := sha256.Sum256(meta.Files[SumsFile]); got != meta.SumsSHA256 {
		t.Fatal("SumsSHA256")
	}
	return dir, raw
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Label("acme", "2026-11", 1, 2), "ACME_202611_V01OF02"},
		{Label("very-long.tenant-name-here", "2026-11", 3, 12), "VERY_LONG_TENANT_202611_V03OF12"},
		{Label("x", "until-2026-11-15", 1, 1), "X_U20261115_V01OF01"},
		{ImageName("acme", "2026-11", 1, 2), "acme-2026-11-v01of02.iso"},
		{MessagePath(42), "MSG/0000000/0000000042.PGP"},
		{MessagePath(1234567), "MSG/0001234/0001234567.PGP"},
	} {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
		if len(c.got) > MaxLabel {
			t.Errorf("%q too long", c.got)
		}
	}
	from, until, err := MonthPeriod("2026-12")
	if err != nil || !from.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !until.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("MonthPeriod %v %v %v", from, until, err)
	}
	if _, _, err := MonthPeriod("2026-13"); err == nil {
		t.Error("month 13 accepted")
	}
}

func TestSumsRoundTripAndRejects(t *testing.T) {
	in := []Sum{{Path: "B", SHA256: sha256.Sum256([]byte("b"))}, {Path: "A/C.PGP", SHA256: sha256.Sum256([]byte("a"))}}
	b := FormatSums(in)
	want := fmt.Sprintf("%x  A/C.PGP\n%x  B\n", sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b")))
	if string(b) != want {
		t.Fatalf("FormatSums:\n%s", b)
	}
	out, err := ParseSums(b)
	if err != nil || !bytes.Equal(FormatSums(out), b) {
		t.Fatalf("round trip: %v", err)
	}
	h := strings.Repeat("a", 64)
	for _, bad := range []string{"", h + "  B", h + " B\n", h + "  ../B\n", h + "  /B\n", h + "  B\n" + h + "  A\n",
		h + "  B\n" + h + "  B\n", strings.ToUpper(h) + "  B\n", h[:63] + "  B\n"} {
		if _, err := ParseSums([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestVolumeGood(t *testing.T) {
	tenant, signer := newKeys(t), newKeys(t)
	dir, raw := buildDir(t, tenant, signer)
	v, err := OpenVolume(DirTree(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fp, err := v.VerifySignature(signer.pub); err != nil || fp != pgp.Fingerprint(signer.pub[0]) {
		t.Fatalf("signature: %v", err)
	}
	if f := v.CheckSumsList(nil); len(f) != 0 {
		t.Fatalf("sums findings: %v", f)
	}
	n := 0
	cnt, f := v.CheckMessages(tenant.sec, func(r MessageResult) {
		n++
		if r.SHA256 != sha256.Sum256(raw[r.Seq]) {
			t.Errorf("seq %d differs", r.Seq)
		}
	})
	if len(f) != 0 || n != 3 || cnt != 3 {
		t.Fatalf("messages: %d %v", n, f)
	}
	ix, err := v.Index(tenant.sec)
	if err != nil || len(ix) != 3 {
		t.Fatalf("index: %d %v", len(ix), err)
	}
	rc, err := v.OpenMessage(ix[1].Path, tenant.sec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, raw[6]) {
		t.Fatalf("OpenMessage: %v", err)
	}
	readme, _ := v.ReadFile(ReadmeFile)
	for _, want := range []string{"Tenant:             acme", "1 of 1", "5 to 7", pgp.Fingerprint(signer.pub[0]), "gpg --verify SHA256SUMS.ASC SHA256SUMS", "sha256sum -c SHA256SUMS", "gpg --decrypt MSG/0000000/0000000005.PGP"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README lacks %q", want)
		}
	}
}

func findingChecks(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Check+" "+f.File)
	}
	return strings.Join(s, "; ")
}

func TestVolumeFaults(t *testing.T) {
	tenant, signer, other := newKeys(t), newKeys(t), newKeys(t)
	p6 := MessagePath(6)
	cases := []struct {
		name string
		edit func(dir string)
		sig  bool   // expect signature failure
		sums string // expected finding "check file" in CheckSumsList
		msgs string // expected finding in CheckMessages
	}{
		{"flip bit in message", func(d string) { flip(t, filepath.Join(d, p6), 40) }, false, "hash " + p6, "decrypt " + p6},
		{"flip bit in SHA256SUMS", func(d string) { flip(t, filepath.Join(d, SumsFile), 3) }, true, "sums " + SumsFile, ""},
		{"missing message", func(d string) { os.Remove(filepath.Join(d, p6)) }, false, "missing " + p6, "missing " + p6},
		{"extra file", func(d string) { os.WriteFile(filepath.Join(d, "MSG/0000000/0000000099.PGP"), []byte("x"), 0o644) }, false, "extra MSG/0000000/0000000099.PGP", "extra MSG/0000000/0000000099.PGP"},
		{"truncated message", func(d string) { os.Truncate(filepath.Join(d, p6), 20) }, false, "hash " + p6, "decrypt " + p6},
		{"resigned by other key", func(d string) {
			sb, _ := os.ReadFile(filepath.Join(d, SumsFile))
			var sig bytes.Buffer
			pgp.SignDetached(&sig, other.sec[0], bytes.NewReader(sb))
			os.WriteFile(filepath.Join(d, SumsSigFile), sig.Bytes(), 0o644)
		}, true, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := buildDir(t, tenant, signer)
			c.edit(dir)
			v, err := OpenVolume(DirTree(dir))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.VerifySignature(signer.pub)
			if (err != nil) != c.sig {
				t.Errorf("signature error %v, want failure=%v", err, c.sig)
			}
			sf := findingChecks(v.CheckSumsList(nil))
			if c.sums == "" && sf != "" || !strings.Contains(sf, c.sums) {
				t.Errorf("sums findings %q, want %q", sf, c.sums)
			}
			_, mf := v.CheckMessages(tenant.sec, nil)
			if got := findingChecks(mf); c.msgs == "" && got != "" || !strings.Contains(got, c.msgs) {
				t.Errorf("message findings %q, want %q", got, c.msgs)
			}
		})
	}
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x10
	os.WriteFile(path, b, 0o644)
}
