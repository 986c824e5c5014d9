package discovery

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
)

// End to end with the real sealer: seal (which verifies deeply), release,
// then export from the images and rebuild a catalog from them.
func TestExportAndRebuildAfterRealSeal(t *testing.T) {
	october := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return october })
	for _, m := range testMessages {
		e.ingest(m)
	}
	ctx := context.Background()
	before := map[int][]string{}
	for i, q := range rebuildQueries {
		ms, err := e.cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		before[i] = describeMatch(ms)
	}
	prof, err := media.ParseProfile("cd700")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sealing.Seal(ctx, e.j, sealing.SealOptions{
		Tenant: "acme", Period: "2026-10", Profile: prof, OutDir: t.TempDir(), Signer: e.archive.sec[0],
		Now: func() time.Time { return october.Add(30 * 24 * time.Hour) },
	})
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if res.Empty || res.Messages != len(testMessages) {
		t.Fatalf("Seal sealed %d messages (empty %v), want %d", res.Messages, res.Empty, len(testMessages))
	}
	var imgs []string
	for _, im := range res.Images {
		imgs = append(imgs, im.Path)
		held, err := e.cat.Held(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.j.Release(ctx, im.Label, releaseOpts(held)); err != nil {
			t.Fatalf("Release %s: %v", im.Label, err)
		}
	}
	for i, q := range rebuildQueries {
		ms, err := e.cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeMatch(ms); !reflect.DeepEqual(got, before[i]) {
			t.Errorf("query %+v after seal and release = %v, before = %v", q, got, before[i])
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(ctx, e.j, e.cat, catalog.Query{}, ExportOptions{Media: imgs, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0]})
	if err != nil || p.Produced != len(testMessages) {
		t.Fatalf("Export from sealed images: %+v, %v", p, err)
	}
	for i := range testMessages {
		b, _ := os.ReadFile(filepath.Join(out, fmt.Sprintf("%06d.eml", i+1)))
		if !bytes.Equal(b, e.raw[uint64(i+1)]) {
			t.Errorf("%06d.eml differs from the original", i+1)
		}
	}
	rows := readCSV(t, filepath.Join(out, CSVFile))
	for _, r := range rows[1:] {
		if r[7] == "journal" {
			t.Errorf("row %s came from the journal after release", r[0])
		}
	}

	tg := newTarget(t)
	cat := tg.cat
	if r, err := RebuildCatalog(ctx, tg.j, cat, RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: e.archive.pub}); err != nil {
		t.Fatalf("RebuildCatalog: %v %+v", err, r)
	}
	for i, q := range rebuildQueries {
		ms, err := cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeMatch(ms); !reflect.DeepEqual(got, before[i]) {
			t.Errorf("query %+v after rebuild = %v, before = %v", q, got, before[i])
		}
	}
}
