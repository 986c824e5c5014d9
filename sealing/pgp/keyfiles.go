package pgp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrKeyExists: a key file is already there; key files are never overwritten.
var ErrKeyExists = errors.New("pgp: key file exists")

// Key file names under DATA/keys.
const (
	ArchiveKeyName = "archive" // archive.secret.asc + archive.pub.asc: the archive signing key
	SecretSuffix   = ".secret.asc"
	PublicSuffix   = ".pub.asc"
)

// KeyPaths returns DIR/NAME.secret.asc and DIR/NAME.pub.asc.
func KeyPaths(dir, name string) (secret, public string) {
	return filepath.Join(dir, name+SecretSuffix), filepath.Join(dir, name+PublicSuffix)
}

// WriteKeyPair stores an armored key pair as DIR/NAME.secret.asc (mode 0600)
// and DIR/NAME.pub.asc (0644), creating DIR (0700). It never overwrites:
// ErrKeyExists if either file exists. Files and DIR are fsynced.
func WriteKeyPair(dir, name string, armoredPublic, armoredSecret []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgp: key dir: %w", err)
	}
	sec, pub := KeyPaths(dir, name)
	for _, p := range []string{sec, pub} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%w: %s", ErrKeyExists, p)
		}
	}
	if err := writeNew(sec, armoredSecret, 0o600); err != nil {
		return err
	}
	return writeNew(pub, armoredPublic, 0o644)
}

// writeNew creates path exclusively with mode perm and fsyncs it and its
// directory.
func writeNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrKeyExists, path)
		}
		return fmt.Errorf("pgp: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("pgp: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("pgp: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pgp: close %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs dir, so that a file just created in it survives a crash:
// a tenant's public key is recorded in the journal (fsync'd) right after
// its secret key file is written, and mail sealed to a key whose secret
// file vanished could never be decrypted.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("pgp: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("pgp: fsync %s: %w", dir, err)
	}
	return nil
}

// ImportKey checks armored key material and stores it: a secret key as
// DIR/NAME.secret.asc + NAME.pub.asc, a public key as DIR/NAME.pub.asc only.
// It returns the fingerprint. Never overwrites (ErrKeyExists). NAME must
// be one file name element (no separator, not "." or ".."): callers
// validate it like a tenant name.
func ImportKey(dir, name string, armored, passphrase []byte) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("pgp: import: key name %q is not a file name", name)
	}
	el, err := ReadKeys(armored)
	if err != nil {
		return "", err
	}
	e := el[0]
	pub, err := ArmorPublic(e)
	if err != nil {
		return "", err
	}
	if e.PrivateKey == nil {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", err
		}
		_, p := KeyPaths(dir, name)
		return Fingerprint(e), writeNew(p, pub, 0o644)
	}
	if err := unlock(e, passphrase); err != nil {
		return "", err
	}
	return Fingerprint(e), WriteKeyPair(dir, name, pub, armored)
}

// ExportPublic returns the armored public key stored under DIR for NAME
// (from NAME.pub.asc, or derived from NAME.secret.asc).
func ExportPublic(dir, name string) ([]byte, error) {
	sec, pub := KeyPaths(dir, name)
	if b, err := os.ReadFile(pub); err == nil {
		return b, nil
	}
	b, err := os.ReadFile(sec)
	if err != nil {
		return nil, fmt.Errorf("pgp: export %s: %w", name, err)
	}
	el, err := ReadKeys(b)
	if err != nil {
		return nil, err
	}
	return ArmorPublic(el[0])
}
