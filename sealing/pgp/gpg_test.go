package pgp

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/sealing/internal/gpgtest"
)

// TestGPGInterop: gpg 2.2 decrypts what we encrypt to our keys and to its
// own RSA and ed25519/cv25519 keys, verifies our signatures, and our code
// decrypts with gpg-made secret keys.
func TestGPGInterop(t *testing.T) {
	g := gpgtest.New(t)
	ourPub, ourSec, err := GenerateKey("Ours", "ours@example.com", KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.Must(ourSec, "--import")
	rsaPub, rsaSec := g.QuickGenKey("RSA <rsa@example.com>", "rsa3072")
	edPub, edSec := g.QuickGenKey("Ed <ed@example.com>", "future-default")

	to, err := ReadRecipients([][]byte{ourPub, rsaPub, edPub})
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("Received: x\r\nSubject: interop\r\n\r\n\x00\xffbody\r\n"), 500)
	var ct bytes.Buffer
	w, algs, err := Encrypt(&ct, to, EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(msg)
	w.Close()
	if algs.Cipher != "AES256" || algs.Compression != "ZLIB" {
		t.Errorf("algorithms with gpg keys: %+v", algs)
	}
	f := filepath.Join(t.TempDir(), "m.pgp")
	os.WriteFile(f, ct.Bytes(), 0o644)
	out := g.Must(nil, "--decrypt", f)
	if sha256.Sum256(out) != sha256.Sum256(msg) {
		t.Fatal("gpg decrypted different bytes")
	}
	for _, sec := range [][]byte{rsaSec, edSec} {
		el, err := ReadSecret(sec, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Decrypt(bytes.NewReader(ct.Bytes()), el)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		if !bytes.Equal(got, msg) {
			t.Fatal("our decrypt with gpg key differs")
		}
	}
	// detached signature
	signer, _ := ReadSecret(ourSec, nil)
	data := []byte("0000  MSG/X.PGP\n")
	var sig bytes.Buffer
	SignDetached(&sig, signer[0], bytes.NewReader(data))
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "S"), data, 0o644)
	os.WriteFile(filepath.Join(d, "S.ASC"), sig.Bytes(), 0o644)
	g.Must(nil, "--verify", filepath.Join(d, "S.ASC"), filepath.Join(d, "S"))
	os.WriteFile(filepath.Join(d, "S"), []byte("0001  MSG/X.PGP\n"), 0o644)
	if _, _, err := g.Run(nil, "--verify", filepath.Join(d, "S.ASC"), filepath.Join(d, "S")); err == nil {
		t.Fatal("gpg verified a signature over altered data")
	}
}
