package journal

// Store is the transactional key/value engine under the journal. The default
// is bbolt (store_bolt.go); a replicated engine can replace it. Buckets are
// flat and named; they are created when the store opens. Byte slices
// returned by Get and Cursor are valid only until the transaction ends:
// copy them out. Update either commits durably (fsync) before returning nil,
// or changes nothing.
type Store interface {
	View(fn func(Tx) error) error
	Update(fn func(Tx) error) error
	Size() (file, used int64, err error) // bytes: the file, and the extent in use (including free pages inside)
	Close() error
}

// Tx is one transaction over named buckets. Put, Delete and Clear fail in a
// read-only transaction. Put may keep a reference to value until the
// transaction ends; callers must not modify it.
type Tx interface {
	Get(bucket string, key []byte) []byte // nil when absent
	Put(bucket string, key, value []byte) error
	Delete(bucket string, key []byte) error
	Cursor(bucket string) Cursor
	Clear(bucket string) error // deletes every key of the bucket
}

// Cursor walks one bucket in key order (bytewise). A nil key means the end.
type Cursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	Seek(k []byte) (key, v []byte) // first key >= k
	Next() (k, v []byte)
	Prev() (k, v []byte)
}

// compacter is an optional Store ability used by Journal.Compact: copy the
// live data to a fresh file at path (fsync'd) and close the store.
type compacter interface {
	CompactTo(path string) error
}
