package journal_test

import (
	"errors"
	"maps"
	"sort"
	"sync"
	"testing"

	"github.com/archiver/archiver/journal"
)

// memStore is a copy-on-write in-memory Store: proof that the journal
// needs nothing from bbolt beyond the Store interface.
type memStore struct {
	mu  sync.Mutex
	cur map[string]map[string][]byte
}

func newMemStore(buckets ...string) *memStore {
	s := &memStore{cur: map[string]map[string][]byte{}}
	for _, b := range buckets {
		s.cur[b] = map[string][]byte{}
	}
	return s
}

func (s *memStore) View(fn func(journal.Tx) error) error {
	s.mu.Lock()
	snap := s.cur
	s.mu.Unlock()
	return fn(&memTx{b: snap})
}

func (s *memStore) Update(fn func(journal.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[string]map[string][]byte{}
	for name, b := range s.cur {
		next[name] = maps.Clone(b)
	}
	if err := fn(&memTx{b: next, rw: true}); err != nil {
		return err
	}
	s.cur = next
	return nil
}

func (s *memStore) Size() (int64, int64, error) { return 0, 0, nil }
func (s *memStore) Close() error                { return nil }

type memTx struct {
	b  map[string]map[string][]byte
	rw bool
}

func (t *memTx) Get(bucket string, key []byte) []byte { return t.b[bucket][string(key)] }

func (t *memTx) Put(bucket string, key, value []byte) error {
	if !t.rw {
		return errors.New("read-only tx")
	}
	if t.b[bucket] == nil {
		return errors.New("no bucket " + bucket)
	}
	if value == nil {
		value = []byte{}
	}
	t.b[bucket][string(key)] = append([]byte(nil), value...)
	return nil
}

func (t *memTx) Delete(bucket string, key []byte) error {
	delete(t.b[bucket], string(key))
	return nil
}

func (t *memTx) Clear(bucket string) error {
	t.b[bucket] = map[string][]byte{}
	return nil
}

func (t *memTx) Cursor(bucket string) journal.Cursor {
	keys := make([]string, 0, len(t.b[bucket]))
	for k := range t.b[bucket] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &memCursor{m: t.b[bucket], keys: keys, i: -1}
}

// memCursor walks a snapshot of the keys taken when it was created.
type memCursor struct {
	m    map[string][]byte
	keys []string
	i    int
}

func (c *memCursor) at() ([]byte, []byte) {
	if c.i < 0 || c.i >= len(c.keys) {
		c.i = max(-1, min(c.i, len(c.keys)))
		return nil, nil
	}
	return []byte(c.keys[c.i]), c.m[c.keys[c.i]]
}

func (c *memCursor) First() ([]byte, []byte) { c.i = 0; return c.at() }
func (c *memCursor) Last() ([]byte, []byte)  { c.i = len(c.keys) - 1; return c.at() }
func (c *memCursor) Next() ([]byte, []byte)  { c.i++; return c.at() }
func (c *memCursor) Prev() ([]byte, []byte)  { c.i--; return c.at() }
func (c *memCursor) Seek(k []byte) ([]byte, []byte) {
	c.i = sort.SearchStrings(c.keys, string(k))
	return c.at()
}

func TestOpenStoreInMemory(t *testing.T) {
	buckets := []string{"meta", "tenants", "tseq", "messages", "bodies", "pending", "idx_tenant", "idx_ident",
		"idx_rev", "idx_unsealed", "stats", "volumes", "idx_label", "sealing", "holds", "audit", "alarms", "quarantine"}
	j, err := journal.OpenStore(t.TempDir(), newMemStore(buckets...), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
		t.Fatal(err)
	}
	raw := msg(1, 200<<10) // four chunks
	a := ingest(t, j, env("a@acme.example", "b@acme.example"), raw)
	b := ingest(t, j, env("a@acme.example", "b@acme.example"), raw)
	if a[0].Seq != 1 || !b[0].Duplicate {
		t.Fatalf("stored %+v then %+v", a, b)
	}
	if got, n := bodySHA(t, j, "acme", 1); got != a[0].SHA256 || n != int64(len(raw)) {
		t.Fatal("body read back differs")
	}
	v := seal(t, j, "acme", "V1")
	verify(t, j, v.Label, "c", true, "deep")
	if res, err := j.Release(ctx, v.Label, journal.ReleaseOptions{}); err != nil || res.BytesFreed != int64(len(raw)) {
		t.Fatalf("release %+v %v", res, err)
	}
	if fs, err := j.Check(ctx); err != nil || len(fs) != 0 {
		t.Fatalf("check %v %v", fs, err)
	}
	if _, err := j.AuditVerify(ctx); err != nil {
		t.Fatal(err)
	}
}
