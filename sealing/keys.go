package sealing

import (
	"fmt"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// KeysDir returns DATA/keys.
func KeysDir(dataDir string) string { return filepath.Join(dataDir, "keys") }

// InitArchiveKey generates the archive signing key into
// DATA/keys/archive.secret.asc (0600) and archive.pub.asc unless they
// exist (then it does nothing and returns created=false). It returns the
// fingerprint.
func InitArchiveKey(dataDir, name, email string, opts pgp.KeyOptions) (fingerprint string, created bool, err error) {
	dir := KeysDir(dataDir)
	if pub, err := pgp.ExportPublic(dir, pgp.ArchiveKeyName); err == nil {
		el, err := pgp.ReadKeys(pub)
		if err != nil {
			return "", false, err
		}
		return pgp.Fingerprint(el[0]), false, nil
	}
	pub, sec, err := pgp.GenerateKey(name, email, opts)
	if err != nil {
		return "", false, err
	}
	if err := pgp.WriteKeyPair(dir, pgp.ArchiveKeyName, pub, sec); err != nil {
		return "", false, err
	}
	el, _ := pgp.ReadKeys(pub)
	return pgp.Fingerprint(el[0]), true, nil
}

// LoadArchiveSigner loads DATA/keys/archive.secret.asc with passphrase.
func LoadArchiveSigner(dataDir string, passphrase []byte) (*openpgp.Entity, error) {
	sec, _ := pgp.KeyPaths(KeysDir(dataDir), pgp.ArchiveKeyName)
	return pgp.LoadSigner(sec, passphrase)
}

// ArchivePublicKey reads DATA/keys/archive.pub.asc (the trusted signer for
// verify --data).
func ArchivePublicKey(dataDir string) (openpgp.EntityList, error) {
	b, err := pgp.ExportPublic(KeysDir(dataDir), pgp.ArchiveKeyName)
	if err != nil {
		return nil, fmt.Errorf("sealing: archive key: %w (run archiver init)", err)
	}
	return pgp.ReadKeys(b)
}

// GenerateTenantKey makes a key for tenant (tenant add without
// --recipient), storing DATA/keys/TENANT.secret.asc (0600) and .pub.asc,
// and returns the armored public key to record in journal.Tenant.Recipients.
func GenerateTenantKey(dataDir, tenant string, opts pgp.KeyOptions) ([]byte, error) {
	pub, sec, err := pgp.GenerateKey("archiver tenant "+tenant, "", opts)
	if err != nil {
		return nil, err
	}
	if err := pgp.WriteKeyPair(KeysDir(dataDir), tenant, pub, sec); err != nil {
		return nil, err
	}
	return pub, nil
}
