package pgp

import (
	"bytes"
	"crypto/rand"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/archiver/archiver/sealing/internal/gpgtest"
)

// probeCases are messages on both sides of the compression probe: text
// compresses, random octets (a zip or JPEG sent as 8-bit data) and
// messages too short to gain from ZLIB do not; only the first ProbeSize
// octets decide.
func probeCases(t testing.TB) []struct {
	name       string
	msg        []byte
	compressed bool
} {
	text := func(n int) []byte {
		return bytes.Repeat([]byte("Subject: probe\r\n\r\nwords of mail text 0123456789\r\n"), n/48+1)[:n]
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	return []struct {
		name       string
		msg        []byte
		compressed bool
	}{
		{"empty", nil, false},
		{"tiny", []byte("x"), false},
		{"short-header", []byte("Subject: a\r\n\r\nb\r\n"), false},
		{"text", text(20000), true},
		{"random", random(30000), false},
		{"text-probe-size", text(ProbeSize), true},
		{"random-probe-size", random(ProbeSize), false},
		{"random-then-text", append(random(ProbeSize), text(300000)...), false},
		{"text-then-random", append(text(ProbeSize), random(300000)...), true},
		{"text-large", text(1 << 20), true},
	}
}

// innerTag decrypts ct with sec by hand and returns the tag of the first
// packet inside the SEIPD packet: 8 (Compressed Data) or 11 (Literal Data).
func innerTag(t *testing.T, ct []byte, sec openpgp.EntityList) byte {
	t.Helper()
	pr := packet.NewReader(bytes.NewReader(ct))
	var key []byte
	var cipher packet.CipherFunction
	for {
		p, err := pr.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch p := p.(type) {
		case *packet.EncryptedKey:
			for _, k := range sec.KeysById(p.KeyId) {
				if p.Decrypt(k.PrivateKey, nil) == nil {
					key, cipher = p.Key, p.CipherFunc
				}
			}
		case *packet.SymmetricallyEncrypted:
			r, err := p.Decrypt(cipher, key)
			if err != nil {
				t.Fatal(err)
			}
			var first [1]byte
			if _, err := io.ReadFull(r, first[:]); err != nil {
				t.Fatal(err)
			}
			if first[0]&0x40 != 0 {
				return first[0] & 0x3F
			}
			return (first[0] >> 2) & 0x0F
		}
	}
}

// TestCompressionProbe: a message whose first 64 KiB ZLIB does not shrink
// is written without a Compressed Data packet, every other one with it,
// and both decrypt to the exact bytes with go-crypto (Decrypt), the
// Decrypter, and per-message and per-volume encryption alike; the
// compressed ones are smaller than the stored ones would be.
func TestCompressionProbe(t *testing.T) {
	pub, sec := genKey(t, "")
	v, err := NewVolumeEncrypter(pub, EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecrypter(sec)
	for _, tc := range probeCases(t) {
		for _, enc := range []struct {
			name string
			f    func(io.Writer) (io.WriteCloser, Algorithms, error)
		}{
			{"Encrypt", func(w io.Writer) (io.WriteCloser, Algorithms, error) {
				return Encrypt(w, pub, EncryptOptions{Compress: true})
			}},
			{"VolumeEncrypter", v.Encrypt},
		} {
			var ct bytes.Buffer
			w, algs, err := enc.f(&ct)
			if err != nil {
				t.Fatal(err)
			}
			for rest := tc.msg; len(rest) > 0; { // odd write sizes cross the probe boundary
				n := min(len(rest), 7777)
				if _, err := w.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if algs.Compression != "ZLIB" {
				t.Fatalf("%s: algorithms %+v", enc.name, algs)
			}
			want := byte(11)
			if tc.compressed {
				want = 8
			}
			if got := innerTag(t, ct.Bytes(), sec); got != want {
				t.Errorf("%s/%s: first inner packet has tag %d, want %d", tc.name, enc.name, got, want)
			}
			if tc.compressed && ct.Len() > len(tc.msg)*9/10 {
				t.Errorf("%s/%s: %d octets of ciphertext for %d of text", tc.name, enc.name, ct.Len(), len(tc.msg))
			}
			if !tc.compressed && ct.Len() > len(tc.msg)+len(tc.msg)/1000+200 { // PKESK, SEIPD and literal headers, MDC
				t.Errorf("%s/%s: %d octets of ciphertext for %d stored", tc.name, enc.name, ct.Len(), len(tc.msg))
			}
			for _, dec := range []func(io.Reader) (io.Reader, error){
				func(r io.Reader) (io.Reader, error) { return Decrypt(r, sec) }, d.Decrypt,
			} {
				got, err := readAllOrErr(dec(bytes.NewReader(ct.Bytes())))
				if err != nil || !bytes.Equal(got, tc.msg) {
					t.Fatalf("%s/%s: decrypted %d octets (want %d): %v", tc.name, enc.name, len(got), len(tc.msg), err)
				}
			}
		}
	}
}

// TestCompressionProbeLevels: every ZLIB level the options accept gives a
// message gpg-compatible readers inflate (levels outside 1…9 fall back to
// the default one).
func TestCompressionProbeLevels(t *testing.T) {
	pub, sec := genKey(t, "")
	msg := bytes.Repeat([]byte("Subject: level\r\n\r\nsome words 42\r\n"), 5000)
	for _, lvl := range []int{0, 1, 2, 6, 9, math.MaxInt8, -3} {
		var ct bytes.Buffer
		w, _, err := Encrypt(&ct, pub, EncryptOptions{Compress: true, Level: lvl})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if innerTag(t, ct.Bytes(), sec) != 8 {
			t.Errorf("level %d: not compressed", lvl)
		}
		got, err := readAllOrErr(Decrypt(bytes.NewReader(ct.Bytes()), sec))
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("level %d: %v", lvl, err)
		}
	}
}

// TestGPGCompressionProbe: gpg 2.2 decrypts both shapes the probe writes
// (ZLIB from github.com/klauspost/compress, and stored literal data) to
// the exact bytes.
func TestGPGCompressionProbe(t *testing.T) {
	g := gpgtest.New(t)
	pub, _ := g.QuickGenKey("Ed <ed@example.com>", "future-default")
	to, err := ReadRecipients([][]byte{pub})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range probeCases(t) {
		var ct bytes.Buffer
		w, _, err := Encrypt(&ct, to, EncryptOptions{Compress: true})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(tc.msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, tc.name+".pgp")
		os.WriteFile(f, ct.Bytes(), 0o644)
		if out := g.Must(nil, "--decrypt", f); !bytes.Equal(out, tc.msg) {
			t.Errorf("%s: gpg decrypted %d octets, want %d", tc.name, len(out), len(tc.msg))
		}
	}
}
