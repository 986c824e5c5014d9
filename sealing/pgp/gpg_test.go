package pgp

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/archiver/archiver/sealing/internal/gpgtest"
)

// TestGPGInterop: gpg 2.2 decrypts what we encrypt to our keys and to its
// own RSA and ed25519/cv25519 keys, verifies our signatures, and our code
// decrypts with gpg-made secret keys.
func TestGPGInterop(t *testing.T) {
	g := gpgtest.New(t)
	ourPub, ourSec := genArmored(t, "Ours", "")
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

// TestGPGVolumeEncrypter: gpg 2.2 decrypts every message of one
// VolumeEncrypter to the exact plaintext, with a key we generated, with
// its own cv25519 key (its KDF parameters) and with its RSA key; `gpg
// --show-session-key` reports a different session key per message, and a
// message's session key does not open another message of the volume
// (`--override-session-key`, what a court production discloses).
func TestGPGVolumeEncrypter(t *testing.T) {
	g := gpgtest.New(t)
	ourPub, ourSec := genArmored(t, "Ours", "")
	g.Must(ourSec, "--import")
	rsaPub, _ := g.QuickGenKey("RSA <rsa@example.com>", "rsa3072")
	edPub, _ := g.QuickGenKey("Ed <ed@example.com>", "future-default")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		keys [][]byte
	}{
		{"ours", [][]byte{ourPub}},
		{"gpg-cv25519", [][]byte{edPub}},
		{"all", [][]byte{ourPub, rsaPub, edPub}},
	} {
		to, err := ReadRecipients(tc.keys)
		if err != nil {
			t.Fatal(err)
		}
		v, err := NewVolumeEncrypter(to, EncryptOptions{Compress: true})
		if err != nil {
			t.Fatal(err)
		}
		plain, ct := volumeMessages(t, v, 4)
		var sessionKeys []string
		for i := range ct {
			f := filepath.Join(dir, fmt.Sprintf("%s-%d.pgp", tc.name, i))
			if err := os.WriteFile(f, ct[i], 0o644); err != nil {
				t.Fatal(err)
			}
			out, stderr, err := g.Run(nil, "--show-session-key", "--decrypt", f)
			if err != nil {
				t.Fatalf("%s message %d: gpg --decrypt: %v\n%s", tc.name, i, err, stderr)
			}
			if !bytes.Equal(out, plain[i]) {
				t.Fatalf("%s message %d: gpg decrypted %d bytes, want the %d of the plaintext", tc.name, i, len(out), len(plain[i]))
			}
			if bytes.Contains(bytes.ToUpper(stderr), []byte("WARNING")) {
				t.Errorf("%s message %d: gpg warns:\n%s", tc.name, i, stderr)
			}
			m := regexp.MustCompile(`session key: '([0-9]+:[0-9A-F]+)'`).FindSubmatch(stderr)
			if m == nil {
				t.Fatalf("%s message %d: no session key in gpg's output:\n%s", tc.name, i, stderr)
			}
			sessionKeys = append(sessionKeys, string(m[1]))
		}
		for i := range sessionKeys {
			for j := 0; j < i; j++ {
				if sessionKeys[i] == sessionKeys[j] {
					t.Fatalf("%s: messages %d and %d have the same session key %s", tc.name, j, i, sessionKeys[i])
				}
			}
		}
		// message 0's session key opens message 0 alone
		f0, f1 := filepath.Join(dir, tc.name+"-0.pgp"), filepath.Join(dir, tc.name+"-1.pgp")
		if out := g.Must(nil, "--override-session-key", sessionKeys[0], "--decrypt", f0); !bytes.Equal(out, plain[0]) {
			t.Fatalf("%s: --override-session-key on its own message gave other bytes", tc.name)
		}
		if out, _, err := g.Run(nil, "--override-session-key", sessionKeys[0], "--decrypt", f1); err == nil || bytes.Contains(out, plain[1][:20]) {
			t.Fatalf("%s: message 0's session key decrypted message 1 (err %v)", tc.name, err)
		}
	}
}

// TestGPGMessagesWithDecrypter: the Decrypter reads messages gpg 2.2
// encrypts to its own cv25519 key (its own path: one derivation per
// message, gpg's padding) and to its RSA key (go-crypto's path).
func TestGPGMessagesWithDecrypter(t *testing.T) {
	g := gpgtest.New(t)
	_, rsaSec := g.QuickGenKey("RSA <rsa@example.com>", "rsa3072")
	_, edSec := g.QuickGenKey("Ed <ed@example.com>", "future-default")
	msg := bytes.Repeat([]byte("Received: x\r\nSubject: from gpg\r\n\r\n\x00\xffbody\r\n"), 300)
	for _, tc := range []struct {
		uid     string
		sec     []byte
		ladders int64
	}{
		{"ed@example.com", edSec, 2},
		{"rsa@example.com", rsaSec, 0},
	} {
		el, err := ReadSecret(tc.sec, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecrypter(el)
		for i := 0; i < 2; i++ {
			ct := g.Must(msg, "--encrypt", "--recipient", tc.uid, "--output", "-")
			got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct)))
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s message %d: %v", tc.uid, i, err)
			}
			bad := bytes.Clone(ct)
			bad[len(bad)-3] ^= 1
			if _, err := readAllOrErr(d.Decrypt(bytes.NewReader(bad))); err == nil {
				t.Fatalf("%s: tampered gpg message decrypted", tc.uid)
			}
		}
		if n := d.ladders.Load(); n != tc.ladders {
			t.Errorf("%s: %d derivations for 2 messages (and 2 tampered copies), want %d", tc.uid, n, tc.ladders)
		}
	}
}
