// Package keytest makes the OpenPGP key pairs tests outside sealing/pgp
// need, the way archiver makes them (pgp.GenerateKey: EdDSA primary,
// Curve25519 ECDH subkey unless an algorithm is asked for), armored and
// parsed, failing the test on any error. sealing/pgp's own tests cannot
// import it (it imports sealing/pgp) and have their own genKey.
package keytest

import (
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// Key is one generated key pair.
type Key struct {
	PubArmor, SecArmor []byte             // ASCII-armored public and (unprotected) secret key
	Pub                openpgp.EntityList // the public key, as pgp.ReadRecipients reads it
	Sec                openpgp.EntityList // the unlocked secret key, as pgp.ReadSecret reads it
}

// Signer is the secret key's entity, for signing.
func (k Key) Signer() *openpgp.Entity { return k.Sec[0] }

// New generates a fresh key pair for the user ID "name <name@example.com>"
// (spaces in name become dots in the address).
func New(t testing.TB, name string) Key {
	t.Helper()
	return NewWith(t, name, pgp.KeyOptions{})
}

// NewWith is New with key options (algorithm, passphrase: a protected
// secret key is unlocked with opts.Passphrase).
func NewWith(t testing.TB, name string, opts pgp.KeyOptions) Key {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	pub, sec, err := pgp.GenerateKey(name, email, opts)
	if err != nil {
		t.Fatalf("keytest: generate %s: %v", name, err)
	}
	k := Key{PubArmor: pub, SecArmor: sec}
	if k.Pub, err = pgp.ReadRecipients([][]byte{pub}); err != nil {
		t.Fatalf("keytest: read %s public key: %v", name, err)
	}
	if k.Sec, err = pgp.ReadSecret(sec, opts.Passphrase); err != nil {
		t.Fatalf("keytest: read %s secret key: %v", name, err)
	}
	return k
}
