package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/format"
)

// memJournal is the empty journal of a new machine, in memory: it
// implements Importer, catalog.Source and Journal. (Replace with
// journal.Journal once it provides ImportSealed.)
type memJournal struct {
	mu      sync.Mutex
	tenants map[string]journal.Tenant
	msgs    map[catalog.Key]journal.Message
	vols    map[string]journal.Volume
	rev     uint64
	notify  chan struct{}
}

func newMem() *memJournal {
	return &memJournal{tenants: map[string]journal.Tenant{}, msgs: map[catalog.Key]journal.Message{},
		vols: map[string]journal.Volume{}, notify: make(chan struct{}, 1)}
}

func (j *memJournal) AddTenant(ctx context.Context, t journal.Tenant) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.tenants[t.Name]; ok {
		return journal.ErrExists
	}
	j.tenants[t.Name] = t
	return nil
}

func (j *memJournal) ImportSealed(ctx context.Context, v journal.Volume, msgs []journal.Message) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.vols[v.Label]; ok {
		return journal.ErrExists
	}
	for _, m := range msgs {
		if _, ok := j.msgs[catalog.Key{Tenant: m.Tenant, Seq: m.Seq}]; ok {
			return journal.ErrExists
		}
	}
	j.vols[v.Label] = v
	for _, m := range msgs {
		j.rev++
		m.Rev = j.rev
		j.msgs[catalog.Key{Tenant: m.Tenant, Seq: m.Seq}] = m
	}
	return nil
}

func (j *memJournal) Since(ctx context.Context, after uint64, fn func(journal.Message) error) error {
	j.mu.Lock()
	var todo []journal.Message
	for _, m := range j.msgs {
		if m.Rev > after {
			todo = append(todo, m)
		}
	}
	j.mu.Unlock()
	sort.Slice(todo, func(a, b int) bool { return todo[a].Rev < todo[b].Rev })
	for _, m := range todo {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (j *memJournal) Message(ctx context.Context, tenant string, seq uint64) (journal.Message, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	m, ok := j.msgs[catalog.Key{Tenant: tenant, Seq: seq}]
	if !ok {
		return m, journal.ErrNotFound
	}
	return m, nil
}

func (j *memJournal) OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error) {
	return nil, journal.ErrReleased
}
func (j *memJournal) Notify() <-chan struct{}                           { return j.notify }
func (j *memJournal) Holds(ctx context.Context) ([]journal.Hold, error) { return nil, nil }
func (j *memJournal) Audit(ctx context.Context, actor, action, detail string) (journal.Event, error) {
	return journal.Event{Actor: actor, Action: action, Detail: detail}, nil
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
	mem := newMem()
	cat, err := catalog.Open(filepath.Join(t.TempDir(), "catalog"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	res, err := RebuildCatalog(ctx, mem, cat, RebuildOptions{Media: imgs, Keys: e.tenant.sec, Signers: e.archive.pub})
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
	p, err := Export(ctx, mem, cat, catalog.Query{}, ExportOptions{Media: imgs, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0]})
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
			mem := newMem()
			cat, err := catalog.Open(filepath.Join(t.TempDir(), "catalog"), mem)
			if err != nil {
				t.Fatal(err)
			}
			defer cat.Close()
			res, err := RebuildCatalog(context.Background(), mem, cat, c.opts)
			if !errors.Is(err, ErrRebuildRefused) {
				t.Fatalf("err = %v, want ErrRebuildRefused", err)
			}
			if len(res.Findings) == 0 || res.Findings[0].Check != c.check {
				t.Errorf("findings = %v, want a %q finding", res.Findings, c.check)
			}
			if len(mem.msgs) != 0 || len(mem.tenants) != 0 {
				t.Errorf("refused rebuild imported %d messages, %d tenants", len(mem.msgs), len(mem.tenants))
			}
		})
	}
}
