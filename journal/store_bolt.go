package journal

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// boltStore is the default Store on one bbolt file. No bbolt type leaves
// this file.
type boltStore struct {
	db *bolt.DB
}

// openBolt opens (creating) the bbolt file at path with every bucket in
// buckets. It waits at most lockTimeout for the file lock and then returns
// ErrLocked.
func openBolt(path string, lockTimeout time.Duration, buckets []string) (*boltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        lockTimeout,
		NoFreelistSync: true, // freelist rebuilt at open: less write amplification
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return fmt.Errorf("bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltStore{db: db}, nil
}

func (s *boltStore) View(fn func(Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (s *boltStore) Update(fn func(Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (s *boltStore) Size() (file, used int64, err error) {
	fi, err := os.Stat(s.db.Path())
	if err != nil {
		return 0, 0, err
	}
	err = s.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	return fi.Size(), used, err
}

func (s *boltStore) Close() error { return s.db.Close() }

// CompactTo copies every bucket into a new file at path, fsyncs it and
// closes both databases.
func (s *boltStore) CompactTo(path string) error {
	defer s.db.Close()
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, s.db, 16<<20); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) bucket(name string) (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("journal: no bucket %q", name)
	}
	return b, nil
}

func (t boltTx) Get(bucket string, key []byte) []byte {
	b, err := t.bucket(bucket)
	if err != nil {
		return nil
	}
	return b.Get(key)
}

// appendOnly buckets get keys in ascending order: their pages are filled to
// 90% instead of bbolt's 50% (bbolt FillPercent).
var appendOnly = map[string]bool{bMessages: true, bBodies: true, bIdxRev: true, bAudit: true, bVolumes: true}

func (t boltTx) Put(bucket string, key, value []byte) error {
	b, err := t.bucket(bucket)
	if err != nil {
		return err
	}
	if appendOnly[bucket] {
		b.FillPercent = 0.9
	}
	return b.Put(key, value)
}

func (t boltTx) Delete(bucket string, key []byte) error {
	b, err := t.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Delete(key)
}

func (t boltTx) Clear(bucket string) error {
	if err := t.tx.DeleteBucket([]byte(bucket)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	_, err := t.tx.CreateBucket([]byte(bucket))
	return err
}

func (t boltTx) Cursor(bucket string) Cursor {
	b, err := t.bucket(bucket)
	if err != nil {
		return emptyCursor{}
	}
	return b.Cursor()
}

type emptyCursor struct{}

func (emptyCursor) First() ([]byte, []byte)      { return nil, nil }
func (emptyCursor) Last() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Seek([]byte) ([]byte, []byte) { return nil, nil }
func (emptyCursor) Next() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Prev() ([]byte, []byte)       { return nil, nil }
