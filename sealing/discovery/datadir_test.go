package discovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/pgp"
)

var testJournalOpts = journal.Options{MinFreeBytes: -1, Actor: "test"}

// openData opens a rebuilt data directory the way the CLI does.
func openData(t *testing.T, data string) (*journal.Journal, *catalog.Catalog) {
	t.Helper()
	j, err := journal.Open(filepath.Join(data, "journal"), testJournalOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cat, err := catalog.Open(filepath.Join(data, "catalog"), j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return j, cat
}

// Recovery on a new machine with nothing but the discs and the tenant key:
// the discs' signer (trusted on first use) becomes DATA/keys/archive.pub.asc,
// so verify --data has its trusted key; search answers as before, and an
// unsigned export (no archive secret key here) produces every message.
func TestRebuildDataDirTrustsSignerOnFirstUse(t *testing.T) {
	e, imgs := twoVolumes(t)
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "new", "data")
	res, err := RebuildDataDir(ctx, data, testJournalOpts, RebuildOptions{Media: imgs, Keys: e.tenant.sec})
	if err != nil {
		t.Fatalf("RebuildDataDir: %v (%+v)", err, res)
	}
	archiveFP := pgp.Fingerprint(e.archive.sec[0])
	pubPath := filepath.Join(data, "keys", "archive.pub.asc")
	if res.Signer != archiveFP || res.SignerTrusted || res.TrustedKeyFile != pubPath || res.Messages != 5 || res.Indexed != 5 {
		t.Fatalf("result = %+v; want signer %s, trust on first use, key file %s", res, archiveFP, pubPath)
	}
	trusted, err := sealing.ArchivePublicKey(data)
	if err != nil || pgp.Fingerprint(trusted[0]) != archiveFP || trusted[0].PrivateKey != nil {
		t.Fatalf("DATA's trusted archive key: %v, %v; want public key %s", trusted, err, archiveFP)
	}
	for _, img := range imgs { // the stored key verifies the discs' signatures
		vr, err := sealing.OpenVolume(img)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := vr.Volume().VerifySignature(trusted)
		vr.Close()
		if err != nil || fp != archiveFP {
			t.Errorf("%s: SHA256SUMS.ASC with the stored key: %s, %v", img, fp, err)
		}
	}
	j, cat := openData(t, data)
	for _, q := range rebuildQueries {
		want, _ := e.cat.Search(ctx, q)
		got, err := cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := describe(got), describe(want); !reflect.DeepEqual(a, b) {
			t.Errorf("query %+v: rebuilt %v, original %v", q, a, b)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(ctx, j, cat, catalog.Query{}, ExportOptions{Media: imgs, Keys: e.tenant.sec, Out: out, NoSign: true})
	if err != nil || p.Produced != 5 || p.Signed {
		t.Fatalf("unsigned export after rebuild: %+v, %v", p, err)
	}
}

// A refused rebuild (wrong key, untrusted signer, an archive key in DATA
// that did not sign the discs) creates nothing: an absent data directory
// stays absent, an empty one stays empty.
func TestRebuildDataDirRefusalCreatesNothing(t *testing.T) {
	e, imgs := twoVolumes(t)
	impostor := genKeys(t, "impostor")
	withKey := func(t *testing.T, dir string) {
		if err := pgp.WriteKeyPair(filepath.Join(dir, "keys"), pgp.ArchiveKeyName, impostor.armPub, impostor.armSec); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]struct {
		opts    RebuildOptions
		prepare func(t *testing.T, dir string) // nil: dir absent
		keyErr  bool                           // also a *KeyError
	}{
		"wrong key, absent dir":   {RebuildOptions{Media: imgs, Keys: impostor.sec}, nil, true},
		"wrong key, empty dir":    {RebuildOptions{Media: imgs, Keys: impostor.sec}, func(t *testing.T, d string) { os.MkdirAll(d, 0o700) }, true},
		"untrusted --signer":      {RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: impostor.pub}, nil, false},
		"other archive key there": {RebuildOptions{Media: imgs, Keys: e.tenant.sec}, withKey, false},
		"first volume missing":    {RebuildOptions{Media: imgs[1:], Keys: e.tenant.sec}, nil, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			if c.prepare != nil {
				c.prepare(t, data)
			}
			before := listTreeOrNil(t, data)
			_, err := RebuildDataDir(context.Background(), data, testJournalOpts, c.opts)
			var ke *KeyError
			if !errors.Is(err, ErrRebuildRefused) || c.keyErr != errors.As(err, &ke) {
				t.Fatalf("err = %v, want ErrRebuildRefused (with *KeyError: %v)", err, c.keyErr)
			}
			if after := listTreeOrNil(t, data); !reflect.DeepEqual(after, before) {
				t.Errorf("refused rebuild changed %s: before %v, after %v", data, before, after)
			}
		})
	}
}

// A rebuild that fails after it created the directories removes them;
// what was there before (an earlier rebuild's journal, catalog and key)
// is left alone.
func TestRebuildDataDirFailureRemovesOnlyWhatItCreated(t *testing.T) {
	e, imgs := twoVolumes(t)
	parent := t.TempDir()
	data := filepath.Join(parent, "data")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	// the checks pass (they read only the discs), the import then fails
	if _, err := RebuildDataDir(cancelled, data, testJournalOpts, RebuildOptions{Media: imgs, Keys: e.tenant.sec}); !errors.Is(err, context.Canceled) {
		t.Fatalf("rebuild with a cancelled context: err = %v, want context.Canceled from the import", err)
	}
	if got := listTreeOrNil(t, parent); len(got) != 0 {
		t.Fatalf("failed rebuild left %v", got)
	}
	if _, err := RebuildDataDir(context.Background(), data, testJournalOpts, RebuildOptions{Media: imgs, Keys: e.tenant.sec}); err != nil {
		t.Fatal(err)
	}
	before := listTreeOrNil(t, filepath.Join(data, "keys"))
	// the same discs again: the journal already holds them
	_, err := RebuildDataDir(context.Background(), data, testJournalOpts, RebuildOptions{Media: imgs, Keys: e.tenant.sec})
	if !errors.Is(err, journal.ErrExists) {
		t.Fatalf("second rebuild of the same discs: err = %v, want journal.ErrExists", err)
	}
	if after := listTreeOrNil(t, filepath.Join(data, "keys")); !reflect.DeepEqual(after, before) {
		t.Errorf("keys changed: %v → %v", before, after)
	}
	_, cat := openData(t, data)
	got, err := cat.Search(context.Background(), catalog.Query{Text: "falcon"})
	if err != nil || len(got) == 0 {
		t.Fatalf("earlier rebuild's catalog lost: %d hits, %v", len(got), err)
	}
	if res, err := RebuildDataDir(context.Background(), filepath.Join(parent, "d2"), testJournalOpts, RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: e.archive.pub}); err != nil || !res.SignerTrusted {
		t.Errorf("rebuild with --signer: %+v, %v; want SignerTrusted", res, err)
	}
}

// listTreeOrNil lists files and directories under dir; nil when absent.
func listTreeOrNil(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if out == nil {
		out = []string{}
	}
	return out
}
