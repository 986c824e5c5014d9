package main

import (
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/archiver/archiver/sealing/discovery"
	"github.com/archiver/archiver/sealing/pgp"
)

// readSecretKeys reads the tenant secret key files of repeated --key flags
// (paths relative to the caller's cwd), unlocked with the passphrase of
// passFile or $ARCHIVER_PASSPHRASE (discovery.ReadSecretKeys).
func readSecretKeys(e *env, paths []string, passFile string) (openpgp.EntityList, error) {
	pass, err := passphrase(e, passFile)
	if err != nil {
		return nil, err
	}
	files := make([][]byte, 0, len(paths))
	for _, k := range paths {
		b, err := os.ReadFile(e.abs(k))
		if err != nil {
			return nil, err
		}
		files = append(files, b)
	}
	keys, err := discovery.ReadSecretKeys(pass, files...)
	if err != nil {
		return nil, withHint(fmt.Errorf("--key: %w", err), "pass --passphrase-file FILE or set %s", pgp.PassphraseEnv)
	}
	return keys, nil
}
