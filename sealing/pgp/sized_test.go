package pgp

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/internal/gpgtest"
)

// sizedLines are JSON-Lines-like pieces: compressible text with random
// hex, 40 to 3,000 octets, deterministic.
func sizedLines(n int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for i := 0; i < n; i++ {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"seq":%d,"subject":"`, i)
		for l := 40 + rng.IntN(2960); b.Len() < l; {
			if rng.IntN(3) == 0 {
				fmt.Fprintf(&b, "%x", rng.Uint64())
			} else {
				b.WriteString("quarterly budget ")
			}
		}
		b.WriteString("\"}\n")
		out = append(out, b.Bytes())
	}
	return out
}

// buildSized writes lines into a SizedMessage, checking after each that
// SizeWith predicted the size and SizeBound bounded it, and returns the
// finished message and its plaintext.
func buildSized(t *testing.T, to openpgp.EntityList, lines [][]byte) (msg, plain []byte) {
	t.Helper()
	var spool bytes.Buffer
	m, err := NewSizedMessage(&spool, to, EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.SizeWith(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range lines {
		if want, err = m.SizeWith(l); err != nil {
			t.Fatal(err)
		}
		if b := m.SizeBound(int64(len(l))); b < want {
			t.Fatalf("line %d: bound %d < exact %d", i, b, want)
		}
		m.Write(l)
		plain = append(plain, l...)
	}
	size, err := m.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if size != want {
		t.Fatalf("finished size %d, SizeWith said %d", size, want)
	}
	var out bytes.Buffer
	n, err := m.WriteMessage(&out, bytes.NewReader(spool.Bytes()))
	if err != nil || n != size || int64(out.Len()) != size {
		t.Fatalf("WriteMessage: %d octets (%d buffered), size %d: %v", n, out.Len(), size, err)
	}
	return out.Bytes(), plain
}

// A SizedMessage's size is known exactly before each piece is written,
// across 2^16-octet chunk boundaries, and what it writes decrypts with
// our reader, with go-crypto's, and (TestGPGSizedMessage) with gpg.
func TestSizedMessageExactSize(t *testing.T) {
	pub, sec := genKey(t, "")
	_, _, old := aes128OnlyKeys(t)
	for name, to := range map[string]openpgp.EntityList{"zlib": pub, "none": append(old, pub...)} {
		for _, n := range []int{0, 1, 40, 700} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				msg, plain := buildSized(t, to, sizedLines(n))
				d := NewDecrypter(sec)
				r, err := d.Decrypt(bytes.NewReader(msg))
				if err != nil {
					t.Fatal(err)
				}
				if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("our reader: %d octets of %d, %v", len(got), len(plain), err)
				}
				md, err := openpgp.ReadMessage(bytes.NewReader(msg), sec, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := io.ReadAll(md.UnverifiedBody); err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("go-crypto: %d octets of %d, %v", len(got), len(plain), err)
				}
			})
		}
	}
}

// A flipped bit anywhere in the encrypted body fails the MDC.
func TestSizedMessageMDC(t *testing.T) {
	pub, sec := genKey(t, "")
	msg, _ := buildSized(t, pub, sizedLines(30))
	msg[len(msg)-30] ^= 1
	r, err := NewDecrypter(sec).Decrypt(bytes.NewReader(msg))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Fatal("a flipped bit decrypted without error")
	}
}

// TestGPGSizedMessage: gpg 2.2 decrypts a SizedMessage of several chunks
// to RSA and ed25519 keys, to the exact plaintext.
func TestGPGSizedMessage(t *testing.T) {
	g := gpgtest.New(t)
	rsaPub, _ := g.QuickGenKey("RSA <rsa@example.com>", "rsa3072")
	edPub, _ := g.QuickGenKey("Ed <ed@example.com>", "future-default")
	to, err := ReadRecipients([][]byte{rsaPub, edPub})
	if err != nil {
		t.Fatal(err)
	}
	msg, plain := buildSized(t, to, sizedLines(300))
	f := filepath.Join(t.TempDir(), "INDEX.PGP")
	os.WriteFile(f, msg, 0o644)
	if out := g.Must(nil, "--decrypt", f); !bytes.Equal(out, plain) {
		t.Fatalf("gpg decrypted %d octets, want %d", len(out), len(plain))
	}
}
