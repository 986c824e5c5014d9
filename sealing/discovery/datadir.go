package discovery

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/pgp"
)

// RebuildDataDir is the disaster-recovery rebuild of the data directory
// data (DATA) from discs alone (docs/catalog.md, "Recovery on a new
// machine"):
//
//  1. the trusted archive key is opts.Signers, else DATA/keys/archive.pub.asc
//     when present, else each disc's SIGNER.ASC (trust on first use:
//     RebuildResult.SignerTrusted is false and the operator must compare
//     RebuildResult.Signer with a copy kept elsewhere);
//  2. every disc and chain is checked and every INDEX.PGP decrypted
//     (RebuildCatalog's checks) BEFORE anything is created: a refusal
//     (ErrRebuildRefused, findings in the result; a *KeyError for a wrong
//     key) leaves the file system as it was;
//  3. DATA, DATA/journal and DATA/catalog are created as needed (an
//     existing journal, e.g. from another tenant's rebuild, is added to) and
//     the volumes imported and indexed;
//  4. the signer's public key becomes DATA/keys/archive.pub.asc, the trusted
//     archive key that verify --data uses. An existing archive key there
//     that is not the discs' signer refuses the rebuild in step 2.
//
// If step 3 or 4 fails, every file and directory this call created is
// removed again. jopts opens the journal (journal.ErrLocked when another
// process holds it).
func RebuildDataDir(ctx context.Context, data string, jopts journal.Options, opts RebuildOptions) (*RebuildResult, error) {
	res := &RebuildResult{}
	keysDir := sealing.KeysDir(data)
	existing, err := existingArchiveKey(keysDir)
	if err != nil {
		return res, err
	}
	if len(opts.Signers) == 0 && existing != nil {
		opts.Signers = existing
	}
	r, err := prepareRebuild(opts, res)
	if err != nil {
		return res, err
	}
	defer r.close()
	if existing != nil && pgp.Fingerprint(existing[0]) != res.Signer {
		return res, fmt.Errorf("%w: the discs are signed by %s, but %s already trusts archive key %s",
			ErrRebuildRefused, res.Signer, keysDir, pgp.Fingerprint(existing[0]))
	}
	var created []string
	undo := func(err error) (*RebuildResult, error) {
		for i := len(created) - 1; i >= 0; i-- {
			os.RemoveAll(created[i])
		}
		return res, err
	}
	if err := mkdirTracked(data, &created); err != nil {
		return undo(err)
	}
	jdir, cdir := filepath.Join(data, "journal"), filepath.Join(data, "catalog")
	track(jdir, &created)
	j, err := journal.Open(jdir, jopts)
	if err != nil {
		return undo(fmt.Errorf("discovery: rebuild: open journal: %w", err))
	}
	track(cdir, &created)
	cat, err := catalog.Open(cdir, j)
	if err != nil {
		j.Close()
		return undo(fmt.Errorf("discovery: rebuild: open catalog: %w", err))
	}
	err = r.run(ctx, j, cat)
	if cerr := cat.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("discovery: rebuild: close catalog: %w", cerr)
	}
	if jerr := j.Close(); err == nil && jerr != nil {
		err = fmt.Errorf("discovery: rebuild: close journal: %w", jerr)
	}
	if err != nil {
		return undo(err)
	}
	if res.TrustedKeyFile, err = storeSigner(keysDir, existing != nil, res, &created); err != nil {
		return undo(err)
	}
	return res, nil
}

// existingArchiveKey returns the archive key DATA/keys already holds, or
// nil when there is none.
func existingArchiveKey(keysDir string) (openpgp.EntityList, error) {
	sec, pub := pgp.KeyPaths(keysDir, pgp.ArchiveKeyName)
	if !exists(sec) && !exists(pub) {
		return nil, nil
	}
	b, err := pgp.ExportPublic(keysDir, pgp.ArchiveKeyName)
	if err != nil {
		return nil, fmt.Errorf("discovery: rebuild: %w", err)
	}
	el, err := pgp.ReadKeys(b)
	if err != nil {
		return nil, fmt.Errorf("discovery: rebuild: archive key in %s: %w", keysDir, err)
	}
	return el, nil
}

// storeSigner records the discs' signer as DATA/keys/archive.pub.asc
// unless the data directory already had that archive key.
func storeSigner(keysDir string, had bool, res *RebuildResult, created *[]string) (string, error) {
	sec, pub := pgp.KeyPaths(keysDir, pgp.ArchiveKeyName)
	if had {
		if exists(pub) {
			return pub, nil
		}
		return sec, nil
	}
	if len(res.SignerKey) == 0 {
		return "", fmt.Errorf("discovery: rebuild: no public key for signer %s", res.Signer)
	}
	if err := mkdirTracked(keysDir, created); err != nil {
		return "", err
	}
	track(pub, created)
	fp, err := pgp.ImportKey(keysDir, pgp.ArchiveKeyName, res.SignerKey, nil)
	if err != nil {
		return "", fmt.Errorf("discovery: rebuild: trusted archive key: %w", err)
	}
	if fp != res.Signer {
		return "", fmt.Errorf("discovery: rebuild: stored key %s is not the signer %s", fp, res.Signer)
	}
	return pub, nil
}

// mkdirTracked creates dir (0700) and its missing parents, recording the
// topmost directory it created.
func mkdirTracked(dir string, created *[]string) error {
	top := ""
	for d := filepath.Clean(dir); !exists(d); d = filepath.Dir(d) {
		top = d
		if filepath.Dir(d) == d {
			break
		}
	}
	if top == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("discovery: rebuild: %w", err)
	}
	*created = append(*created, top)
	return nil
}

// track records p for removal on failure when it does not exist yet.
func track(p string, created *[]string) {
	if !exists(p) {
		*created = append(*created, p)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
