package pgp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// genArmored is this package's one key generator for tests (other
// packages use sealing/internal/keytest, which imports this one): a fresh
// armored pair for "name <name@example.com>" with algorithm algo ("" for
// the default).
func genArmored(t testing.TB, name, algo string) (pub, sec []byte) {
	t.Helper()
	pub, sec, err := GenerateKey(name, strings.ToLower(name)+"@example.com", KeyOptions{Algorithm: algo})
	if err != nil {
		t.Fatal(err)
	}
	return pub, sec
}

// genKey is genArmored, parsed: recipients and unlocked secret key.
func genKey(t testing.TB, algo string) (openpgp.EntityList, openpgp.EntityList) {
	t.Helper()
	pub, sec := genArmored(t, "Test", algo)
	pl, err := ReadRecipients([][]byte{pub})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := ReadSecret(sec, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pl, sl
}

func TestGeneratedKeyPreferences(t *testing.T) {
	for _, algo := range []string{AlgoCurve25519, AlgoRSA3072} {
		t.Run(algo, func(t *testing.T) {
			pub, _ := genKey(t, algo)
			e := pub[0]
			if e.PrimaryKey.Version != 4 {
				t.Errorf("version %d, want 4", e.PrimaryKey.Version)
			}
			wantAlgo := packet.PubKeyAlgoEdDSA
			if algo != AlgoCurve25519 {
				wantAlgo = packet.PubKeyAlgoRSA
			}
			if e.PrimaryKey.PubKeyAlgo != wantAlgo {
				t.Errorf("primary algo %d, want %d", e.PrimaryKey.PubKeyAlgo, wantAlgo)
			}
			sig, _ := e.PrimarySelfSignature()
			if !slices.Equal(sig.PreferredSymmetric, []uint8{uint8(packet.CipherAES256)}) {
				t.Errorf("PreferredSymmetric %v", sig.PreferredSymmetric)
			}
			if !slices.Equal(sig.PreferredCompression, []uint8{uint8(packet.CompressionZLIB)}) {
				t.Errorf("PreferredCompression %v", sig.PreferredCompression)
			}
			if !sig.SEIPDv1 || sig.SEIPDv2 || len(sig.PreferredCipherSuites) != 0 {
				t.Errorf("features v1=%v v2=%v suites=%v", sig.SEIPDv1, sig.SEIPDv2, sig.PreferredCipherSuites)
			}
			ek, ok := e.EncryptionKey(e.PrimaryKey.CreationTime)
			if !ok {
				t.Fatal("no encryption subkey")
			}
			if algo == AlgoCurve25519 && ek.PublicKey.PubKeyAlgo != packet.PubKeyAlgoECDH {
				t.Errorf("subkey algo %d, want ECDH", ek.PublicKey.PubKeyAlgo)
			}
		})
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	pub2, sec2 := genKey(t, "")
	msg := bytes.Repeat([]byte("Subject: hello\r\n\r\nbody line\r\n"), 1000)
	var ct bytes.Buffer
	w, algs, err := Encrypt(&ct, append(pub1, pub2...), EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if algs != (Algorithms{Cipher: "AES256", Compression: "ZLIB"}) {
		t.Errorf("algorithms %+v", algs)
	}
	w.Write(msg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if ct.Len() >= len(msg)/4 {
		t.Errorf("ciphertext %d bytes for %d compressible bytes", ct.Len(), len(msg))
	}
	for _, sec := range []openpgp.EntityList{sec1, sec2} {
		r, err := Decrypt(bytes.NewReader(ct.Bytes()), sec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(got) != sha256.Sum256(msg) {
			t.Fatal("plaintext differs")
		}
	}
	// a flipped bit in the encrypted data is detected (MDC or decrypt error)
	bad := slices.Clone(ct.Bytes())
	bad[len(bad)-30] ^= 1
	r, err := Decrypt(bytes.NewReader(bad), sec1)
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Fatal("tampered ciphertext decrypted without error")
	}
	// a third key cannot decrypt
	_, sec3 := genKey(t, "")
	if _, err := Decrypt(bytes.NewReader(ct.Bytes()), sec3); err == nil {
		t.Fatal("decrypted with a key that is not a recipient")
	}
}

func TestSignVerify(t *testing.T) {
	_, sec := genKey(t, "")
	other, _ := genKey(t, "")
	pubOnly, err := ReadKeys(mustArmor(t, sec[0]))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("abc  FILE\n")
	var sig bytes.Buffer
	if err := SignDetached(&sig, sec[0], bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sig.String(), "-----BEGIN PGP SIGNATURE-----") {
		t.Errorf("not armored: %q", sig.String()[:30])
	}
	e, err := VerifyDetached(pubOnly, bytes.NewReader(data), bytes.NewReader(sig.Bytes()))
	if err != nil || Fingerprint(e) != Fingerprint(sec[0]) {
		t.Fatalf("verify: %v", err)
	}
	if _, err := VerifyDetached(pubOnly, strings.NewReader("abd  FILE\n"), bytes.NewReader(sig.Bytes())); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("altered data: %v", err)
	}
	if _, err := VerifyDetached(other, bytes.NewReader(data), bytes.NewReader(sig.Bytes())); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
}

func mustArmor(t *testing.T, e *openpgp.Entity) []byte {
	b, err := ArmorPublic(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPassphraseAndKeyFiles(t *testing.T) {
	dir := t.TempDir()
	pub, sec, err := GenerateKey("Archive", "archive@example.com", KeyOptions{Passphrase: []byte("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(dir, ArchiveKeyName, pub, sec); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(dir, ArchiveKeyName, pub, sec); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("overwrite: %v", err)
	}
	secPath, _ := KeyPaths(dir, ArchiveKeyName)
	fi, err := os.Stat(secPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret mode %v %v", fi.Mode(), err)
	}
	if _, err := LoadSigner(secPath, nil); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("no passphrase: %v", err)
	}
	if _, err := LoadSigner(secPath, []byte("wrong")); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	pf := filepath.Join(dir, "pass")
	os.WriteFile(pf, []byte("s3cret\n"), 0o600)
	pp, err := Passphrase(pf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSigner(secPath, pp)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ExportPublic(dir, ArchiveKeyName)
	if err != nil || !bytes.Equal(exp, pub) {
		t.Fatalf("export: %v", err)
	}
	el, _ := ReadKeys(exp)
	if Fingerprint(el[0]) != Fingerprint(s) || len(Fingerprint(s)) != 40 {
		t.Fatalf("fingerprints %s %s", Fingerprint(el[0]), Fingerprint(s))
	}
	t.Setenv(PassphraseEnv, "fromenv")
	if pp, _ := Passphrase(""); string(pp) != "fromenv" {
		t.Fatalf("env passphrase %q", pp)
	}
}

// aes128OnlyKeys returns a fresh key pair, plus the public key of a second
// one whose self-signatures allow only AES-128 and no compression.
func aes128OnlyKeys(t *testing.T) (pub, sec, old openpgp.EntityList) {
	t.Helper()
	pub, sec = genKey(t, "")
	e := sec[0]
	for _, id := range e.Identities {
		id.SelfSignature.PreferredSymmetric = []uint8{uint8(packet.CipherAES128)}
		id.SelfSignature.PreferredCompression = []uint8{uint8(packet.CompressionNone)}
		if err := id.SelfSignature.SignUserId(id.UserId.Id, e.PrimaryKey, e.PrivateKey, nil); err != nil {
			t.Fatal(err)
		}
	}
	armored, _ := ArmorPublic(e)
	old, _ = ReadRecipients([][]byte{armored})
	return pub, sec, old
}

// TestRecipientPreferencesWin: a recipient key that lists only AES-128 and
// no compression gets exactly that, and Encrypt reports it.
func TestRecipientPreferencesWin(t *testing.T) {
	pub, sec, old := aes128OnlyKeys(t)
	var ct bytes.Buffer
	w, algs, err := Encrypt(&ct, append(old, pub...), EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello hello hello hello"))
	w.Close()
	if algs != (Algorithms{Cipher: "AES128", Compression: "none"}) {
		t.Fatalf("algorithms %+v", algs)
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(ct.Bytes()), sec, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(md.UnverifiedBody)
	if string(got) != "hello hello hello hello" || md.SignedBy != nil {
		t.Fatalf("got %q", got)
	}
	// the session key's cipher on the wire is AES-128 (RFC 4880 §9.2: 7)
	p, err := packet.NewReader(bytes.NewReader(ct.Bytes())).Next()
	if err != nil {
		t.Fatal(err)
	}
	ek, ok := p.(*packet.EncryptedKey)
	if !ok {
		t.Fatalf("first packet %T", p)
	}
	if err := ek.Decrypt(sec[0].Subkeys[0].PrivateKey, nil); err != nil {
		t.Fatal(err)
	}
	if ek.CipherFunc != packet.CipherAES128 {
		t.Fatalf("cipher %v on the wire", ek.CipherFunc)
	}
}

// TestWirePackets: PKESK v3 per recipient, then SEIPD version 1 with MDC
// (tag 18), never AEAD — what gpg 2.2 reads.
func TestWirePackets(t *testing.T) {
	pub1, _ := genKey(t, "")
	pub2, _ := genKey(t, AlgoRSA3072)
	var ct bytes.Buffer
	w, _, err := Encrypt(&ct, append(pub1, pub2...), EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte("x"), 200000)) // several partial-length chunks
	w.Close()
	pr := packet.NewReader(bytes.NewReader(ct.Bytes()))
	var keys int
	for {
		p, err := pr.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch p := p.(type) {
		case *packet.EncryptedKey:
			if p.Version != 3 {
				t.Fatalf("PKESK version %d", p.Version)
			}
			keys++
			continue
		case *packet.SymmetricallyEncrypted:
			if p.Version != 1 || !p.IntegrityProtected || keys != 2 {
				t.Fatalf("SEIPD version %d protected %v after %d keys", p.Version, p.IntegrityProtected, keys)
			}
			return
		default:
			t.Fatalf("unexpected packet %T", p)
		}
	}
}
