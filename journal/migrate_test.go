package journal

import (
	"encoding/json"
	"errors"
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

// TestMigration3SealingMarks: a v2 journal opens as v3 with its records
// intact, and a binary that knows only v2 refuses a v3 file, so it cannot
// miss the sealing marks and seal those messages again.
func TestMigration3SealingMarks(t *testing.T) {
	st, dir := openRawStore(t)
	err := st.Update(func(tx Tx) error {
		if err := migrate(tx, 2); err != nil {
			return err
		}
		b, _ := json.Marshal(record{Message: Message{Tenant: "acme", Seq: 1, JSeq: 1, Rev: 1, Size: 3, State: Journaled}})
		return tx.Put(bMessages, u64(1), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	j, err := Open(dir, Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	j.view(func(tx Tx) error {
		if v := getU64(tx.Get(bMeta, []byte("version"))); v != 3 {
			t.Fatalf("version %d, want 3", v)
		}
		if tx.Get(bMessages, u64(1)) == nil {
			t.Fatal("record lost in migration")
		}
		return nil
	})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	old := SchemaVersion
	SchemaVersion = 2 // what a v2 archiver would run
	defer func() { SchemaVersion = old }()
	_, err = Open(dir, Options{MinFreeBytes: -1})
	var newer ErrNewerSchema
	if !errors.As(err, &newer) || newer.Have != 3 || newer.Want != 2 {
		t.Fatalf("v2 code opened a v3 journal: err %v", err)
	}
}
