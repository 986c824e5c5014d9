package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/format"
)

// target is the empty data directory of a new machine: a journal and a
// catalog, nothing else.
type target struct {
	j   *journal.Journal
	cat *catalog.Catalog
}

func newTarget(t *testing.T) target {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal"), journal.Options{MinFreeBytes: -1, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cat, err := catalog.Open(filepath.Join(dir, "catalog"), j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return target{j, cat}
}

// counts returns how many tenants and messages the target holds.
func (tg target) counts(t *testing.T) (tenants, msgs int) {
	ts, err := tg.j.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = tg.j.Messages(context.Background(), "", func(journal.Message) error { msgs++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return len(ts), msgs
}

// twoVolumes seals 1–3 and 4–5 into two chained, released volumes.
func twoVolumes(t *testing.T) (*env, []string) {
	e := newEnv(t)
	for _, m := range testMessages {
		e.ingest(m)
	}
	dir := t.TempDir()
	return e, []string{
		e.seal(dir, "ACME_202611_V01OF01", []uint64{1, 2, 3}, nil),
		e.seal(dir, "ACME_202612_V01OF01", []uint64{4, 5}, nil),
	}
}

var rebuildQueries = []catalog.Query{
	{}, {Tenant: "acme"}, {Text: "falcon"}, {Subject: "evil"}, {Text: "escape.sh"},
	{MessageID: "nul@outside.example"}, {From: []string{"alice@outside.example"}},
	{From: []string{"sender@outside.example"}}, {To: []string{"custodian@acme.example"}},
	{Text: `"project falcon numbers"`}, {Text: "binary"},
}

func TestRebuildFromImagesGivesSameAnswers(t *testing.T) {
	e, imgs := twoVolumes(t)
	ctx := context.Background()
	tg := newTarget(t)
	cat := tg.cat
	res, err := RebuildCatalog(ctx, tg.j, cat, RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: e.archive.pub})
	if err != nil {
		t.Fatalf("RebuildCatalog: %v (%+v)", err, res)
	}
	if res.Messages != 5 || res.Indexed != 5 || len(res.Findings) != 0 ||
		!reflect.DeepEqual(res.Volumes, []string{"ACME_202611_V01OF01", "ACME_202612_V01OF01"}) {
		t.Fatalf("result = %+v", res)
	}
	for _, q := range rebuildQueries {
		want, err := e.cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cat.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 && q.Tenant == "" && len(q.From) == 0 && q.Text != "" {
			t.Fatalf("query %+v matches nothing in the original", q)
		}
		if a, b := describe(got), describe(want); !reflect.DeepEqual(a, b) {
			t.Errorf("query %+v: rebuilt %v, original %v", q, a, b)
		}
	}
	// export works again, from the discs
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(ctx, tg.j, cat, catalog.Query{}, ExportOptions{Media: imgs, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0]})
	if err != nil || p.Produced != 5 {
		t.Fatalf("Export after rebuild: %+v, %v", p, err)
	}
	for i := 1; i <= 5; i++ {
		b, _ := os.ReadFile(filepath.Join(out, fmt.Sprintf("%06d.eml", i)))
		if !bytes.Equal(b, e.raw[uint64(i)]) {
			t.Errorf("exported %d differs from the original", i)
		}
	}
}

// describe is what must survive a rebuild: identity, hash, location, summary.
func describe(ms []journal.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s/%d %x %s:%s %q %q %s", m.Tenant, m.Seq, m.SHA256[:4], m.Volume, m.Path,
			m.Summary.Subject, m.Summary.MessageID, m.Summary.Date))
	}
	return out
}

func TestRebuildRefusesBrokenChainOrSignature(t *testing.T) {
	e, imgs := twoVolumes(t)
	other := genKeys(t, "impostor")
	cases := map[string]struct {
		opts  RebuildOptions
		check string
	}{
		"first volume missing": {RebuildOptions{Media: imgs[1:], Keys: e.tenant.sec, Signers: e.archive.pub}, format.CheckChain},
		"untrusted signer":     {RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: other.pub}, format.CheckSignature},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tg := newTarget(t)
			res, err := RebuildCatalog(context.Background(), tg.j, tg.cat, c.opts)
			if !errors.Is(err, ErrRebuildRefused) {
				t.Fatalf("err = %v, want ErrRebuildRefused", err)
			}
			if len(res.Findings) == 0 || res.Findings[0].Check != c.check {
				t.Errorf("findings = %v, want a %q finding", res.Findings, c.check)
			}
			if tenants, msgs := tg.counts(t); tenants != 0 || msgs != 0 {
				t.Errorf("refused rebuild imported %d messages, %d tenants", msgs, tenants)
			}
		})
	}
}
