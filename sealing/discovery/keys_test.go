package discovery

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/pgp"
)

func TestReadSecretKeysConcatenatedAndRepeated(t *testing.T) {
	a, b, c := genKeys(t, "acme"), genKeys(t, "globex"), genKeys(t, "initech")
	both := append(append([]byte{}, a.armSec...), b.armSec...)
	fp := func(k keys) string { return pgp.Fingerprint(k.sec[0]) }
	cases := map[string]struct {
		files [][]byte
		want  []string
	}{
		"one file, two armored blocks": {[][]byte{both}, []string{fp(a), fp(b)}},
		"repeated --key":               {[][]byte{a.armSec, c.armSec}, []string{fp(a), fp(c)}},
		"both, and a key twice":        {[][]byte{both, c.armSec, a.armSec}, []string{fp(a), fp(b), fp(c)}},
		"text before the first block":  {[][]byte{append([]byte("acme and globex keys\n"), both...)}, []string{fp(a), fp(b)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			el, err := ReadSecretKeys(nil, tc.files...)
			if err != nil {
				t.Fatal(err)
			}
			if got := pgp.Fingerprints(el); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("keys = %v, want %v", got, tc.want)
			}
			for _, e := range el {
				if e.PrivateKey == nil {
					t.Errorf("%s: secret half lost", pgp.Fingerprint(e))
				}
			}
		})
	}
	if _, err := ReadSecretKeys(nil, a.armPub); !errors.Is(err, pgp.ErrNotSecret) {
		t.Errorf("public key as --key: err = %v, want ErrNotSecret", err)
	}
	if _, err := ReadSecretKeys(nil, []byte("no key here")); err == nil {
		t.Error("garbage read as a key")
	}
}

// The case: another tenant's key first in the file, the volume's
// tenant key second. Both must be used.
func TestRebuildWithSeveralKeysInOneFile(t *testing.T) {
	e, imgs := twoVolumes(t)
	other := genKeys(t, "globex")
	el, err := ReadSecretKeys(nil, append(append([]byte{}, other.armSec...), e.tenant.armSec...))
	if err != nil {
		t.Fatal(err)
	}
	tg := newTarget(t)
	res, err := RebuildCatalog(context.Background(), tg.j, tg.cat, RebuildOptions{Media: imgs, Keys: el, Signers: e.archive.pub})
	if err != nil || res.Messages != 5 || res.Indexed != 5 {
		t.Fatalf("rebuild with globex+acme keys: %+v, %v", res, err)
	}
}

// With only a wrong key, the refusal names the key the volume needs.
func TestWrongKeyNamesRecipientKeyIDs(t *testing.T) {
	e, imgs := twoVolumes(t)
	other := genKeys(t, "globex")
	need := pgp.Fingerprint(e.tenant.sec[0])
	tg := newTarget(t)
	_, err := RebuildCatalog(context.Background(), tg.j, tg.cat, RebuildOptions{Media: imgs, Keys: other.sec, Signers: e.archive.pub})
	var ke *KeyError
	if !errors.Is(err, ErrRebuildRefused) || !errors.As(err, &ke) {
		t.Fatalf("err = %v, want ErrRebuildRefused with *KeyError", err)
	}
	if !reflect.DeepEqual(ke.Need, []string{need}) || !strings.Contains(err.Error(), KeyID(need)) ||
		!strings.Contains(err.Error(), KeyID(pgp.Fingerprint(other.sec[0]))) {
		t.Errorf("error %q does not name needed key ID %s and the given one", err, KeyID(need))
	}
	if tenants, msgs := tg.counts(t); tenants != 0 || msgs != 0 {
		t.Errorf("refused rebuild imported %d tenants, %d messages", tenants, msgs)
	}

	// export from the disc with the wrong key: each failure names it too
	out := filepath.Join(t.TempDir(), "out")
	_, err = Export(context.Background(), e.j, e.cat, catalog.Query{}, ExportOptions{Media: imgs, Keys: other.sec, Out: out, Signer: e.archive.sec[0]})
	var inc *IncompleteError
	if !errors.As(err, &inc) || len(inc.Failures) != 5 {
		t.Fatalf("export with wrong key: %v", err)
	}
	for _, f := range inc.Failures {
		if !strings.Contains(f.Reason, KeyID(need)) {
			t.Errorf("failure %s/%d reason %q does not name key ID %s", f.Tenant, f.Seq, f.Reason, KeyID(need))
		}
	}
}
