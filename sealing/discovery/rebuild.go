package discovery

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// Importer is what RebuildCatalog needs from the (empty) journal of the new
// data directory; *journal.Journal implements it.
type Importer interface {
	// AddTenant registers a tenant; journal.ErrExists when it exists.
	AddTenant(ctx context.Context, t journal.Tenant) error
	// ImportSealed records, in one transaction, a volume read back from a
	// disc and its messages as Released records without bodies, each with
	// a new Rev so the catalog's change feed sees it. journal.ErrExists if
	// the label or any tenant/seq is already present.
	ImportSealed(ctx context.Context, v journal.Volume, msgs []journal.Message) error
}

var (
	_ Importer = (*journal.Journal)(nil)
	_ Journal  = (*journal.Journal)(nil)
)

// RebuildOptions configures RebuildCatalog and RebuildDataDir.
type RebuildOptions struct {
	Media []string           // every image, device or disc directory to import
	Keys  openpgp.EntityList // tenant secret keys, to decrypt INDEX.PGP and the messages
	// Signers are the trusted archive public keys. Empty: each disc's own
	// SIGNER.ASC is used (trust on first use), all discs must name the same
	// key, and the fingerprint (RebuildResult.Signer) must be checked by the
	// operator against a copy kept elsewhere.
	Signers openpgp.EntityList
}

// RebuildResult reports a rebuild.
type RebuildResult struct {
	Signer string // fingerprint that signed every disc (40 hex, RFC 4880 §12.2)
	// SignerKey is the signer's armored public key, from Signers or from
	// the discs' SIGNER.ASC; RebuildDataDir stores it as the data
	// directory's trusted archive key.
	SignerKey []byte
	// SignerTrusted: the signature was checked against a key the operator
	// gave (Signers, or the data directory's keys/archive.pub.asc). False
	// means trust on first use: compare Signer with a copy kept elsewhere.
	SignerTrusted bool
	// TrustedKeyFile is DATA/keys/archive.pub.asc when RebuildDataDir
	// stored (or found) it; "" from RebuildCatalog.
	TrustedKeyFile string
	Volumes        []string // labels imported, in chain order
	Messages       int      // message records imported
	Indexed        int      // messages whose body text was indexed from disc
	Findings       []format.Finding
}

// ErrRebuildRefused: a disc failed its signature, file hashes or chain
// check, or its index could not be decrypted with the keys given (then
// the error wraps a *KeyError); nothing was imported.
var ErrRebuildRefused = errors.New("discovery: rebuild refused")

// RebuildCatalog recreates tenants, volume and message records and the
// catalog in a new data directory from sealed discs alone. First every
// disc is checked: SHA256SUMS.ASC against the archive key, every file
// against SHA256SUMS, complete volume sets, and each tenant's chain
// (followed by its PrevSums links from its first volume, as verify
// follows them: format.CheckVolumeChain), and
// every INDEX.PGP is decrypted. Any finding refuses the rebuild
// (ErrRebuildRefused, result lists them) before anything is written. Then
// it imports each volume through imp, syncs cat, and indexes every
// message's decrypted body (checked against the SHA-256 in the index) so
// that search and export from the discs work again.
func RebuildCatalog(ctx context.Context, imp Importer, cat *catalog.Catalog, opts RebuildOptions) (*RebuildResult, error) {
	res := &RebuildResult{}
	r, err := prepareRebuild(opts, res)
	if err != nil {
		return res, err
	}
	defer r.close()
	return res, r.run(ctx, imp, cat)
}

// rebuild is a checked rebuild: every disc verified and every index
// decrypted into import plans; nothing written yet.
type rebuild struct {
	vs    *volumes
	plans []importPlan
	keys  openpgp.EntityList
	res   *RebuildResult
}

// prepareRebuild opens and checks every disc and plans every import. It
// writes nothing. On error the volumes are closed.
func prepareRebuild(opts RebuildOptions, res *RebuildResult) (*rebuild, error) {
	vs, err := openVolumes(opts.Media)
	if err != nil {
		return nil, err
	}
	res.SignerTrusted = len(opts.Signers) > 0
	chain, err := checkDiscs(vs, opts.Signers, res)
	if err != nil {
		vs.Close()
		return nil, err
	}
	r := &rebuild{vs: vs, keys: opts.Keys, res: res}
	for _, v := range chain {
		p, err := planImport(v, vs.source[v.Manifest().Label], opts.Keys)
		if err != nil {
			vs.Close()
			return nil, fmt.Errorf("%w: %w", ErrRebuildRefused, err)
		}
		p.vol.Signer = res.Signer
		r.plans = append(r.plans, p)
	}
	return r, nil
}

func (r *rebuild) close() { r.vs.Close() }

// run imports the planned volumes through imp and indexes them into cat.
func (r *rebuild) run(ctx context.Context, imp Importer, cat *catalog.Catalog) error {
	res := r.res
	for _, p := range r.plans {
		if err := importVolume(ctx, imp, p, r.keys); err != nil {
			return err
		}
		res.Volumes = append(res.Volumes, p.vol.Label)
		res.Messages += len(p.msgs)
	}
	if err := cat.Sync(ctx); err != nil {
		return err
	}
	dec := pgp.NewDecrypter(r.keys) // one KEK derivation per volume and key, not per message
	for _, p := range r.plans {
		v := r.vs.byLabel[p.vol.Label]
		for _, m := range p.msgs {
			ok, err := indexFromDisc(ctx, cat, v, m, dec)
			if err != nil {
				return err
			}
			if !ok {
				res.Findings = append(res.Findings, format.Finding{Check: format.CheckPlaintext, Volume: p.vol.Label,
					File: m.Path, Seq: m.Seq, Detail: "does not decrypt to the SHA-256 in the index; metadata indexed only"})
				continue
			}
			res.Indexed++
		}
	}
	return nil
}

// indexFromDisc indexes m with its body read from v; false (metadata
// indexed only) when the body does not decrypt or hash as recorded.
func indexFromDisc(ctx context.Context, cat *catalog.Catalog, v *format.Volume, m journal.Message, dec *pgp.Decrypter) (bool, error) {
	rc, err := v.OpenMessageWith(m.Path, dec)
	if err != nil {
		return false, cat.Index(ctx, m, nil)
	}
	defer rc.Close()
	h := sha256.New()
	tee := io.TeeReader(rc, h)
	if err := cat.Index(ctx, m, tee); err != nil {
		return false, err
	}
	_, rerr := io.Copy(io.Discard, tee)
	var got [32]byte
	copy(got[:], h.Sum(nil))
	if rerr != nil || got != m.SHA256 {
		return false, cat.Index(ctx, m, nil)
	}
	return true, nil
}

func importVolume(ctx context.Context, imp Importer, p importPlan, keys openpgp.EntityList) error {
	t := journal.Tenant{Name: p.vol.Tenant, Created: time.Now().UTC()}
	for _, e := range keys {
		if contains(p.recipients, pgp.Fingerprint(e)) {
			if pub, err := pgp.ArmorPublic(e); err == nil {
				t.Recipients = append(t.Recipients, pub)
			}
		}
	}
	if err := imp.AddTenant(ctx, t); err != nil && !errors.Is(err, journal.ErrExists) {
		return fmt.Errorf("discovery: rebuild: tenant %s: %w", t.Name, err)
	}
	if err := imp.ImportSealed(ctx, p.vol, p.msgs); err != nil {
		return fmt.Errorf("discovery: rebuild: import %s: %w", p.vol.Label, err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
