package journal_test

import (
	"errors"
	"testing"

	"github.com/archiver/archiver/journal"
)

func kinds(fs []journal.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Kind]++
	}
	return m
}

func TestCheckAndRebuildAfterIndexDamage(t *testing.T) {
	j := newJ(t)
	for i := range 5 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 100))
	}
	if fs, err := j.Check(ctx); err != nil || len(fs) != 0 {
		t.Fatalf("clean journal: %v %v", fs, err)
	}
	// Damage: drop seq 3 from the tenant index, and point the dedup entry of
	// seq 1 at another message.
	err := j.RawUpdate(func(tx journal.Tx) error {
		if err := tx.Delete(journal.BucketIdxTenant, journal.TenantKey("acme", journal.U64(3))); err != nil {
			return err
		}
		m1, _ := j.Message(ctx, "acme", 1)
		return tx.Put(journal.BucketIdxIdent, journal.TenantKey("acme", m1.Identity[:]), journal.U64(5))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Message(ctx, "acme", 3); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("damage not effective: %v", err)
	}
	fs, err := j.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k := kinds(fs); k["index"] != 2 || len(fs) != 2 {
		t.Fatalf("findings %v, want 2 index findings", fs)
	}
	if err := j.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if fs, _ := j.Check(ctx); len(fs) != 0 {
		t.Fatalf("after rebuild: %v", fs)
	}
	if m, err := j.Message(ctx, "acme", 3); err != nil || m.Seq != 3 {
		t.Fatalf("seq 3 after rebuild: %+v %v", m, err)
	}
	// dedup works again for seq 1
	if st := ingest(t, j, env("a@acme.example", "b@acme.example"), msg(0, 100)); !st[0].Duplicate || st[0].Seq != 1 {
		t.Fatalf("dedup after rebuild %+v", st[0])
	}
}

func TestCheckFindsBodyDamageAndQuarantinesBadRecord(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := range 3 {
		ingest(t, j, env("a@x.example", "b@x.example"), msg(i, 100))
	}
	err = j.RawUpdate(func(tx journal.Tx) error {
		k, _ := tx.Cursor(journal.BucketBodies).First() // body of seq 1
		if err := tx.Put(journal.BucketBodies, append([]byte(nil), k...), []byte("flipped")); err != nil {
			return err
		}
		return tx.Put(journal.BucketMessages, journal.U64(2), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := j.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k := kinds(fs)
	if k["body-mismatch"] != 1 || k["corrupt-record"] != 1 || k["seq-gap"] == 0 || k["orphan-body"] != 1 {
		t.Fatalf("findings %v", fs)
	}
	if !hasAlarm(status(t, j), "corrupt-record") {
		t.Fatal("no corrupt-record alarm")
	}
	// The bad record was moved aside, not deleted: a second check no longer
	// sees it as corrupt, and the quarantine holds its bytes.
	var kept []byte
	j.RawUpdate(func(tx journal.Tx) error {
		_, v := tx.Cursor("quarantine").First()
		kept = append(kept, v...)
		return nil
	})
	if string(kept) != "{not json" {
		t.Fatalf("quarantine holds %q", kept)
	}
	fs, _ = j.Check(ctx)
	if kinds(fs)["corrupt-record"] != 0 {
		t.Fatalf("second check %v", fs)
	}
}

func TestDanglingDedupEntryNeverBlocksIngest(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	raw := msg(1, 100)
	first := ingest(t, j, env("a@x.example", "b@x.example"), raw)
	// Damage: the dedup entry points at a record that does not exist.
	m, _ := j.Message(ctx, "default", first[0].Seq)
	j.RawUpdate(func(tx journal.Tx) error {
		return tx.Put(journal.BucketIdxIdent, journal.TenantKey("default", m.Identity[:]), journal.U64(999))
	})
	again := ingest(t, j, env("a@x.example", "b@x.example"), raw)
	if again[0].Duplicate || again[0].Seq != 2 {
		t.Fatalf("stored %+v; want a new message despite the damaged index", again[0])
	}
	if !hasAlarm(status(t, j), "corrupt-record") {
		t.Fatal("no corrupt-record alarm")
	}
	if err := j.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	fs, _ := j.Check(ctx)
	if k := kinds(fs); len(fs) != 1 || k["duplicate-identity"] != 1 {
		t.Fatalf("findings after rebuild %v; want only the duplicate identity", fs)
	}
	if st := ingest(t, j, env("a@x.example", "b@x.example"), raw); !st[0].Duplicate || st[0].Seq != 2 {
		t.Fatalf("third delivery %+v; want a duplicate of seq 2", st[0])
	}
}
