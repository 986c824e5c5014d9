package keytest

import (
	"bytes"
	"io"
	"testing"

	"github.com/archiver/archiver/sealing/pgp"
)

// TestNew: a generated pair encrypts to its public key and decrypts with
// its secret key, and two calls give two different keys.
func TestNew(t *testing.T) {
	a, b := New(t, "Acme Corp"), New(t, "Acme Corp")
	if pgp.Fingerprint(a.Pub[0]) == pgp.Fingerprint(b.Pub[0]) {
		t.Fatal("two calls gave the same key")
	}
	if pgp.Fingerprint(a.Pub[0]) != pgp.Fingerprint(a.Signer()) {
		t.Fatal("public and secret halves differ")
	}
	var ct bytes.Buffer
	w, _, err := pgp.Encrypt(&ct, a.Pub, pgp.EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: keytest\r\n\r\nbody\r\n"))
	w.Close()
	r, err := pgp.Decrypt(&ct, a.Sec)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); string(got) != "Subject: keytest\r\n\r\nbody\r\n" {
		t.Fatalf("decrypted %q", got)
	}
	p := NewWith(t, "Locked", pgp.KeyOptions{Passphrase: []byte("s3cret")})
	if p.Signer().PrivateKey.Encrypted {
		t.Fatal("protected secret key left locked")
	}
}
