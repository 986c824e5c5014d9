package discovery

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
)

// A legal hold keeps matching bodies in the journal through release, so
// they export at once without the discs.
func TestHoldKeepsBodiesExportable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.j.AddHold(ctx, journal.Hold{Name: "case-1", Query: catalog.EncodeQuery(catalog.Query{Subject: "budget"})}); err != nil {
		t.Fatal(err)
	}
	for _, m := range testMessages { // mail arriving after the hold is covered too
		e.ingest(m)
	}
	e.seal(t.TempDir(), label, []uint64{1, 2, 3}, nil)
	for seq, want := range map[uint64]bool{1: true, 2: false, 3: false} {
		if m, _ := e.j.Message(ctx, "acme", seq); m.HasBody != want {
			t.Errorf("seq %d HasBody = %v after release, want %v", seq, m.HasBody, want)
		}
	}
	counts, err := e.cat.HoldCounts(ctx)
	if err != nil || counts["case-1"] != 1 {
		t.Fatalf("HoldCounts = %v, %v", counts, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(ctx, e.j, e.cat, catalog.Query{Subject: "budget"}, ExportOptions{Out: out, Signer: e.archive.sec[0]})
	if err != nil || p.Produced != 1 {
		t.Fatalf("Export of held message without media: %+v, %v", p, err)
	}
	_, err = Export(ctx, e.j, e.cat, catalog.Query{Subject: "evil"}, ExportOptions{Out: filepath.Join(t.TempDir(), "o"), Signer: e.archive.sec[0]})
	var inc *IncompleteError
	if !errors.As(err, &inc) {
		t.Fatalf("unheld released message exported without media: %v", err)
	}
}
