package pgp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// PassphraseEnv names the environment variable holding a secret key's
// passphrase when no passphrase file is given.
const PassphraseEnv = "ARCHIVER_PASSPHRASE"

// Errors returned by this package.
var (
	// ErrNoKey: the armored input held no usable key.
	ErrNoKey = errors.New("pgp: no key found")
	// ErrNotSecret: a secret key was required but only a public key was given.
	ErrNotSecret = errors.New("pgp: not a secret key")
	// ErrPassphrase: the secret key is protected and the passphrase is missing or wrong.
	ErrPassphrase = errors.New("pgp: secret key passphrase missing or wrong")
	// ErrCannotEncrypt: a recipient key has no valid encryption subkey.
	ErrCannotEncrypt = errors.New("pgp: key cannot encrypt")
	// ErrBadSignature: a detached signature does not verify with the given keys.
	ErrBadSignature = errors.New("pgp: bad signature")
)

// Passphrase returns the passphrase from file (its first line, without the
// line end) when file is not empty, else from $ARCHIVER_PASSPHRASE; nil when
// neither is set.
func Passphrase(file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("pgp: passphrase file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return []byte(strings.TrimSuffix(line, "\r")), nil
	}
	if v, ok := os.LookupEnv(PassphraseEnv); ok {
		return []byte(v), nil
	}
	return nil, nil
}

// ReadKeys parses one or more armored (or binary) keys.
func ReadKeys(data []byte) (openpgp.EntityList, error) {
	var all openpgp.EntityList
	for _, block := range ArmorBlocks(data) {
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(block))
		if err != nil {
			el, err = openpgp.ReadKeyRing(bytes.NewReader(block))
		}
		if err != nil {
			return nil, fmt.Errorf("pgp: read keys: %w", err)
		}
		all = append(all, el...)
	}
	if len(all) == 0 {
		return nil, ErrNoKey
	}
	return all, nil
}

// armorBegin starts every ASCII-armored block (RFC 4880 §6.2).
var armorBegin = []byte("-----BEGIN PGP ")

// ArmorBlocks splits b at each line that begins an armored block, so that
// concatenated key files (`cat a.asc b.asc`) read as one keyring; input
// without armor (binary packets) is returned whole.
func ArmorBlocks(b []byte) [][]byte {
	var starts []int
	for off := 0; ; {
		i := bytes.Index(b[off:], armorBegin)
		if i < 0 {
			break
		}
		at := off + i
		if at == 0 || b[at-1] == '\n' {
			starts = append(starts, at)
		}
		off = at + len(armorBegin)
	}
	if len(starts) == 0 {
		return [][]byte{b}
	}
	out := make([][]byte, 0, len(starts))
	for k, s := range starts {
		end := len(b)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		out = append(out, b[s:end])
	}
	return out
}

// ReadRecipients parses the armored public keys of a tenant and checks that
// each can encrypt now.
func ReadRecipients(armored [][]byte) (openpgp.EntityList, error) {
	var all openpgp.EntityList
	for i, a := range armored {
		el, err := ReadKeys(a)
		if err != nil {
			return nil, fmt.Errorf("recipient %d: %w", i+1, err)
		}
		for _, e := range el {
			if _, ok := e.EncryptionKey(time.Now()); !ok {
				return nil, fmt.Errorf("recipient %s: %w", Fingerprint(e), ErrCannotEncrypt)
			}
		}
		all = append(all, el...)
	}
	if len(all) == 0 {
		return nil, ErrNoKey
	}
	return all, nil
}

// ReadSecret parses armored secret keys and unlocks them with passphrase
// (nil for unprotected keys). ErrNotSecret if any key lacks its secret half.
func ReadSecret(armored, passphrase []byte) (openpgp.EntityList, error) {
	el, err := ReadKeys(armored)
	if err != nil {
		return nil, err
	}
	for _, e := range el {
		if e.PrivateKey == nil {
			return nil, fmt.Errorf("%s: %w", Fingerprint(e), ErrNotSecret)
		}
		if err := unlock(e, passphrase); err != nil {
			return nil, err
		}
	}
	return el, nil
}

func unlock(e *openpgp.Entity, passphrase []byte) error {
	if !e.PrivateKey.Encrypted && !anySubkeyEncrypted(e) {
		return nil
	}
	if len(passphrase) == 0 {
		return fmt.Errorf("%s: %w", Fingerprint(e), ErrPassphrase)
	}
	if err := e.DecryptPrivateKeys(passphrase); err != nil {
		return fmt.Errorf("%s: %w: %v", Fingerprint(e), ErrPassphrase, err)
	}
	return nil
}

func anySubkeyEncrypted(e *openpgp.Entity) bool {
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil && s.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

// LoadSigner reads the armored secret key file at path (the archive signing
// key, DATA/keys/archive.secret.asc) and unlocks it.
func LoadSigner(path string, passphrase []byte) (*openpgp.Entity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pgp: signer: %w", err)
	}
	el, err := ReadSecret(b, passphrase)
	if err != nil {
		return nil, fmt.Errorf("pgp: signer %s: %w", path, err)
	}
	if _, ok := el[0].SigningKey(time.Now()); !ok {
		return nil, fmt.Errorf("pgp: signer %s: key cannot sign", path)
	}
	return el[0], nil
}

// Fingerprint returns the v4 fingerprint of e's primary key as 40 upper-case
// hex digits (RFC 4880 §12.2), the form gpg prints.
func Fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// Fingerprints returns the fingerprints of el, in order.
func Fingerprints(el openpgp.EntityList) []string {
	out := make([]string, len(el))
	for i, e := range el {
		out[i] = Fingerprint(e)
	}
	return out
}
