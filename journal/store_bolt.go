package journal

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/unix"
)

// boltStore is the default Store on one bbolt file. No bbolt type leaves
// this file.
type boltStore struct {
	db       *bolt.DB
	mapped   atomic.Int64 // bytes (estimated) read through the mmap since the last releaseMapped
	releases atomic.Int64 // releaseMapped calls so far
	// commitReleases counts commits during which releaseDuringCommit ran
	// (tests)
	commitReleases atomic.Int64
}

// releaseEvery is how many bytes may be read through bbolt's mmap
// before its pages are dropped from this process's resident set (bytes).
// Reading a body faults its pages into RSS as file-backed pages; a seal of
// a whole month would otherwise grow RSS by the bytes it read (issue 4:
// "RSS under 256 MiB whatever the volume size").
const releaseEvery = 32 << 20

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
	st := &boltStore{db: db}
	// bolt.Open rebuilt the free list (NoFreelistSync) by walking every
	// page, which with fault-around mapped the whole file: drop it now
	// rather than after the next releaseEvery bytes of reads, or a quiet
	// serve stays resident at the journal's size.
	db.View(func(tx *bolt.Tx) error { st.releaseMapped(tx); return nil })
	return st, nil
}

// faultAround is what one access is assumed to map besides the bytes it
// reads (bytes): Linux maps up to 64 KiB around a faulted file page
// (fault_around_bytes), so looking up one record maps its neighbours too,
// bodies included. (Page-cache folios can be larger and map more; counting
// 2 MiB per access made a 1 GiB seal 50 % slower in madvise calls and did
// not lower its RssFile peak, which comes from bbolt's own commit path.)
const faultAround = 64 << 10

func (s *boltStore) View(fn func(Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx: tx, s: s}) })
}

// Update runs fn in a write transaction. A transaction large enough to
// have released the mapping while fn ran (sealing a volume of 100,000
// messages) also has a large commit: bbolt then reads through the mmap
// every node it rewrites or frees, with fault-around mapping 64 KiB per
// page touched, which took RssFile from 11 to 143 MiB during one
// RecordSealed commit. While such a commit runs, releaseDuringCommit
// keeps dropping those pages.
func (s *boltStore) Update(fn func(Tx) error) error {
	var stop func()
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	defer func() {
		if stop != nil {
			s.commitReleases.Add(1)
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		released := 0 // by this transaction's own accesses, not other transactions'
		err := fn(boltTx{tx: tx, s: s, released: &released})
		if err == nil && released >= bigTxReleases {
			stop = s.releaseDuringCommit()
		}
		return err
	})
}

// bigTxReleases is how many releases while fn ran make a transaction
// large enough for releaseDuringCommit (8: 256 MiB of estimated mapped
// bytes; RecordSealed of 40,000 messages makes about 400, an ingest batch
// one or two).
const bigTxReleases = 8

// commitReleaseEvery is how often releaseDuringCommit drops the mapping's
// pages while a large commit runs. The commit faults pages in fast (60 MiB
// in its first 5 ms, measured at 124,000 messages), so this is short; one
// release of a mapping with few resident pages takes some microseconds.
// It does not bound the peak strictly: the first milliseconds of a commit
// still map 10-20 MiB before the releases catch up (measured), and more
// when the releasing goroutine is not scheduled.
const commitReleaseEvery = 100 * time.Microsecond

// releaseDuringCommit drops the mapping's resident pages every
// commitReleaseEvery until the returned function is called (after the
// commit). Each release runs inside its own short read transaction, which
// holds bbolt's mmap lock: the mapping cannot be remapped or unmapped
// under it (a remap waits for read transactions to end), so the range
// released is always bbolt's current mapping. A commit that must grow the
// mapping waits at most one release.
func (s *boltStore) releaseDuringCommit() (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			s.db.View(func(tx *bolt.Tx) error {
				s.releaseMapped(tx)
				return nil
			})
			time.Sleep(commitReleaseEvery)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// touched counts n bytes mapped by an access in t, and past releaseEvery
// drops the mapping's pages from the resident set (counted for t when it
// is a write transaction).
func (s *boltStore) touched(t boltTx, n int) {
	if s.mapped.Add(int64(n)) >= releaseEvery {
		s.mapped.Store(0)
		s.releaseMapped(t.tx)
		if t.released != nil {
			*t.released++
		}
	}
}

// releaseMapped drops the pages of bbolt's read-only MAP_SHARED mapping
// from the resident set (madvise MADV_DONTNEED, Linux madvise(2)): the
// data stays in the page cache and the next access faults it back in
// unchanged, so this is safe while other goroutines hold values that point
// into the mapping. It must run inside transaction tx (read or write, before
// commit): the mapping cannot move then (a remap needs every read
// transaction closed, and only the writer's own commit remaps), and
// tx.Size() bytes are within it — never beyond, where other memory lives.
func (s *boltStore) releaseMapped(tx *bolt.Tx) {
	s.releases.Add(1)
	info := s.db.Info()
	size := uintptr(tx.Size())
	if info.Data != 0 && size > 0 {
		unix.Syscall(unix.SYS_MADVISE, info.Data, size, unix.MADV_DONTNEED)
	}
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

type boltTx struct {
	tx       *bolt.Tx
	s        *boltStore
	released *int // write transactions: how many times their accesses released the mapping
}

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
	v := b.Get(key)
	t.s.touched(t, faultAround+len(v))
	return v
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
	t.s.touched(t, faultAround)
	return b.Put(key, value)
}

func (t boltTx) Delete(bucket string, key []byte) error {
	b, err := t.bucket(bucket)
	if err != nil {
		return err
	}
	t.s.touched(t, faultAround)
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
	return boltCursor{b.Cursor(), t}
}

// boltCursor counts the mapped bytes its moves touch (see touched): a seek
// may fault in a folio, a step to the next element reads about a page plus
// the value.
type boltCursor struct {
	c *bolt.Cursor
	t boltTx
}

func (c boltCursor) seek(k, v []byte) ([]byte, []byte) {
	c.t.s.touched(c.t, faultAround+len(k)+len(v))
	return k, v
}

func (c boltCursor) step(k, v []byte) ([]byte, []byte) {
	c.t.s.touched(c.t, 4<<10+len(k)+len(v))
	return k, v
}

func (c boltCursor) First() ([]byte, []byte)        { return c.seek(c.c.First()) }
func (c boltCursor) Last() ([]byte, []byte)         { return c.seek(c.c.Last()) }
func (c boltCursor) Seek(k []byte) ([]byte, []byte) { return c.seek(c.c.Seek(k)) }
func (c boltCursor) Next() ([]byte, []byte)         { return c.step(c.c.Next()) }
func (c boltCursor) Prev() ([]byte, []byte)         { return c.step(c.c.Prev()) }

type emptyCursor struct{}

func (emptyCursor) First() ([]byte, []byte)      { return nil, nil }
func (emptyCursor) Last() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Seek([]byte) ([]byte, []byte) { return nil, nil }
func (emptyCursor) Next() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Prev() ([]byte, []byte)       { return nil, nil }
