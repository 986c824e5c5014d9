package journal

import (
	"encoding/json"
	"fmt"
)

// migration upgrades the schema from version To-1 to To inside one
// transaction. Migrations run in order at Open and are never edited once
// released; a schema change appends one.
type migration struct {
	To   uint64
	Name string
	Fn   func(Tx) error
}

// migrations is the ordered list; SchemaVersion is its last To.
var migrations = []migration{
	{1, "initial bucket layout", func(Tx) error { return nil }},
	{2, "per-tenant stats counters", migrateStats},
	// v3 adds the sealing bucket: tenant‖seq → label‖path marks that
	// RecordSealed writes in chunked transactions before the transaction
	// recording the set's volumes, then finishes by rewriting the records
	// in chunks. A mark counts (the message reads as Sealed on that
	// volume) only while a volume with its label is recorded (idx_label);
	// a mark without one is an orphan of an interrupted RecordSealed, read
	// as not sealed and dropped at Open. (The first v3, never released,
	// wrote every mark in the volumes' transaction and counted them all; its
	// files hold only marks whose volume is recorded, which read the same
	// now.) The bucket is created at Open; the version exists so that a v2
	// archiver, which would not read the marks as sealed and could seal the
	// messages a second time, refuses the file (ErrNewerSchema) instead.
	{3, "sealing marks for chunked RecordSealed", func(Tx) error { return nil }},
}

// SchemaVersion is the version this code writes.
var SchemaVersion = migrations[len(migrations)-1].To

// ErrNewerSchema: the file was written by a newer archiver.
type ErrNewerSchema struct{ Have, Want uint64 }

func (e ErrNewerSchema) Error() string {
	return fmt.Sprintf("journal schema version %d is newer than this archiver's %d; upgrade archiver", e.Have, e.Want)
}

// migrate brings tx up to version target.
func migrate(tx Tx, target uint64) error {
	have := getU64(tx.Get(bMeta, []byte("version")))
	if have > SchemaVersion {
		return ErrNewerSchema{have, SchemaVersion}
	}
	for _, m := range migrations {
		if m.To <= have || m.To > target {
			continue
		}
		if err := m.Fn(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.To, m.Name, err)
		}
		if err := tx.Put(bMeta, []byte("version"), u64(m.To)); err != nil {
			return err
		}
	}
	return nil
}

// migrateStats (v2) computes the stats bucket from the message records.
func migrateStats(tx Tx) error {
	if err := tx.Clear(bStats); err != nil {
		return err
	}
	all := map[string]*tenantStats{}
	c := tx.Cursor(bMessages)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		r, err := decodeRecordTx(tx, k, v)
		if err != nil {
			continue // Check reports and quarantines it
		}
		s := all[r.Tenant]
		if s == nil {
			s = &tenantStats{}
			all[r.Tenant] = s
		}
		statsOf(&r, s)
	}
	for t, s := range all {
		v, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if err := tx.Put(bStats, []byte(t), v); err != nil {
			return err
		}
	}
	return nil
}
