package journal

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// openRawStore opens a bare store with every bucket, schema version 0.
func openRawStore(t *testing.T) (*boltStore, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := openBolt(filepath.Join(dir, dbFile), time.Second, allBuckets)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

func TestMigration1InitialLayout(t *testing.T) {
	st, _ := openRawStore(t)
	defer st.Close()
	err := st.Update(func(tx Tx) error { return migrate(tx, 1) })
	if err != nil {
		t.Fatal(err)
	}
	st.View(func(tx Tx) error {
		if v := getU64(tx.Get(bMeta, []byte("version"))); v != 1 {
			t.Fatalf("version %d, want 1", v)
		}
		return nil
	})
}

func TestMigration2ComputesStats(t *testing.T) {
	st, dir := openRawStore(t)
	err := st.Update(func(tx Tx) error {
		if err := migrate(tx, 1); err != nil {
			return err
		}
		// a v1 journal: records, no stats
		for i, r := range []record{
			{Message: Message{Tenant: "acme", Seq: 1, JSeq: 1, Rev: 1, Size: 10, State: Journaled, HasBody: true}},
			{Message: Message{Tenant: "acme", Seq: 2, JSeq: 2, Rev: 2, Size: 5, State: Released}},
		} {
			b, _ := json.Marshal(r)
			if err := tx.Put(bMessages, u64(uint64(i+1)), b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	j, err := Open(dir, Options{MinFreeBytes: -1}) // migrates to SchemaVersion
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.view(func(tx Tx) error {
		if v := getU64(tx.Get(bMeta, []byte("version"))); v != SchemaVersion {
			t.Fatalf("version %d, want %d", v, SchemaVersion)
		}
		got := getStats(tx, "acme")
		want := tenantStats{Messages: 2, Released: 1, Bytes: 15, BodyBytes: 10}
		if got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		return nil
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	st, dir := openRawStore(t)
	st.Update(func(tx Tx) error { return tx.Put(bMeta, []byte("version"), u64(SchemaVersion+1)) })
	st.Close()
	if _, err := Open(dir, Options{MinFreeBytes: -1}); err == nil {
		t.Fatal("opened a journal with a newer schema")
	}
}
