package discovery

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// ReadSecretKeys reads tenant secret keys from one or more key files (the
// contents of each repeated --key), each of which may hold several keys:
// concatenated armored blocks (`cat a.asc b.asc`), one armored keyring, or
// binary packets. Every key is unlocked with passphrase (nil for
// unprotected keys). A key given twice is kept once. Errors: pgp.ErrNoKey,
// pgp.ErrNotSecret, pgp.ErrPassphrase (wrapped, naming the fingerprint).
func ReadSecretKeys(passphrase []byte, files ...[]byte) (openpgp.EntityList, error) {
	var all openpgp.EntityList
	seen := map[string]bool{}
	for i, f := range files {
		el, err := pgp.ReadSecret(f, passphrase)
		if err != nil {
			return nil, fmt.Errorf("discovery: key file %d: %w", i+1, err)
		}
		for _, e := range el {
			if fp := pgp.Fingerprint(e); !seen[fp] {
				seen[fp] = true
				all = append(all, e)
			}
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("discovery: %w", pgp.ErrNoKey)
	}
	return all, nil
}

// KeyError: a volume's INDEX.PGP or a message on it could not be
// decrypted with the tenant secret keys given. Need lists the recipient
// key fingerprints the volume's MANIFEST.JSON names (40 hex, RFC 4880
// §12.2); Have the fingerprints given. KeyID gives the 16-hex key ID gpg
// shows.
type KeyError struct {
	Volume string
	Need   []string
	Have   []string
	Err    error
}

func (e *KeyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "volume %s is encrypted to tenant key(s) %s", e.Volume, describeKeys(e.Need))
	if len(e.Have) == 0 {
		b.WriteString("; no tenant secret key was given (--key)")
	} else {
		fmt.Fprintf(&b, "; the key(s) given are %s", describeKeys(e.Have))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *KeyError) Unwrap() error { return e.Err }

// KeyID returns the 64-bit key ID of a fingerprint: its last 16 hex digits
// (RFC 4880 §12.2).
func KeyID(fingerprint string) string {
	if len(fingerprint) <= 16 {
		return fingerprint
	}
	return fingerprint[len(fingerprint)-16:]
}

func describeKeys(fps []string) string {
	if len(fps) == 0 {
		return "(none listed)"
	}
	parts := make([]string, len(fps))
	for i, fp := range fps {
		parts[i] = fmt.Sprintf("%s (fingerprint %s)", KeyID(fp), fp)
	}
	return strings.Join(parts, ", ")
}

// keyError wraps err in a *KeyError when none of keys is among the
// volume's recipients (the usual cause: the wrong tenant's key, or none);
// otherwise it returns err as is.
func keyError(label string, recipients []string, keys openpgp.EntityList, err error) error {
	have := pgp.Fingerprints(keys)
	for _, h := range have {
		for _, r := range recipients {
			if strings.EqualFold(h, r) {
				return err
			}
		}
	}
	need := append([]string(nil), recipients...)
	sort.Strings(need)
	return &KeyError{Volume: label, Need: need, Have: have, Err: err}
}
