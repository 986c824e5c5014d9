package journal

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
)

// writeChunks stores b as chunks first, first+1, … of body id. b must stay
// unmodified until the transaction ends.
func writeChunks(tx Tx, id uint64, first uint32, b []byte) error {
	for n := first; len(b) > 0; n++ {
		c := min(len(b), chunkSize)
		if err := tx.Put(bBodies, chunkKey(id, n), b[:c]); err != nil {
			return err
		}
		b = b[c:]
	}
	return nil
}

// chunkKeys returns the keys of body id's chunks, in order.
func chunkKeys(tx Tx, id uint64) (keys [][]byte, bytes int64) {
	prefix := u64(id)
	c := tx.Cursor(bBodies)
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
		bytes += int64(len(v))
	}
	return keys, bytes
}

// deleteBody removes every chunk of body id and returns the bytes freed.
func deleteBody(tx Tx, id uint64) (int64, error) {
	keys, n := chunkKeys(tx, id)
	for _, k := range keys {
		if err := tx.Delete(bBodies, k); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// copyBody duplicates body src as body dst (a large message routed to a
// second tenant).
func copyBody(tx Tx, src, dst uint64) error {
	keys, _ := chunkKeys(tx, src)
	for _, k := range keys {
		v := append([]byte(nil), tx.Get(bBodies, k)...)
		if err := tx.Put(bBodies, chunkKey(dst, binary.BigEndian.Uint32(k[8:])), v); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(k, p []byte) bool { return bytes.HasPrefix(k, p) }

// stageBody moves a large body into the database ahead of its commit, in
// transactions of at most stageTx bytes, registered in bucket pending so
// that Open removes it if the commit never happens.
func (j *Journal) stageBody(ctx context.Context, r io.Reader, size int64) (uint64, error) {
	var id uint64
	err := j.update(func(tx Tx) error {
		var err error
		if id, err = nextCounter(tx, "body"); err != nil {
			return err
		}
		return tx.Put(bPending, u64(id), nil)
	})
	if err != nil {
		return 0, unavailable("stage", err)
	}
	for n := uint32(0); ; {
		buf := make([]byte, stageTx)
		got, rerr := io.ReadFull(r, buf)
		if got > 0 {
			err := j.update(func(tx Tx) error { return writeChunks(tx, id, n, buf[:got]) })
			if err != nil {
				j.dropBody(id)
				return 0, unavailable("stage", err)
			}
			n += uint32((got + chunkSize - 1) / chunkSize)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return id, nil
		}
		if rerr != nil {
			j.dropBody(id)
			return 0, unavailable("spool read", rerr)
		}
	}
}

// dropStaged removes the staged body of a request that was not committed.
func (j *Journal) dropStaged(r *commitReq) {
	if r.staged != 0 {
		j.dropBody(r.staged)
	}
}

// dropBody is best effort: Open's dropPending finishes the job after a crash.
func (j *Journal) dropBody(id uint64) {
	_ = j.update(func(tx Tx) error {
		if _, err := deleteBody(tx, id); err != nil {
			return err
		}
		return tx.Delete(bPending, u64(id))
	})
}

// dropPending deletes every staged body whose commit never happened.
func dropPending(tx Tx) error {
	var ids []uint64
	c := tx.Cursor(bPending)
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		ids = append(ids, getU64(k))
	}
	for _, id := range ids {
		if _, err := deleteBody(tx, id); err != nil {
			return err
		}
		if err := tx.Delete(bPending, u64(id)); err != nil {
			return err
		}
	}
	return nil
}

// OpenBody returns the raw bytes of a message, read chunk by chunk in short
// read transactions. ErrReleased when its body is gone; ErrNotFound when
// there is no such message.
func (j *Journal) OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error) {
	var rec record
	err := j.view(func(tx Tx) error {
		var err error
		rec, err = lookupSeq(tx, tenant, seq)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !rec.HasBody {
		return nil, fmt.Errorf("%w: %s/%d is on volume %s", ErrReleased, tenant, seq, rec.Volume)
	}
	return &bodyReader{j: j, id: rec.BodyID, left: rec.Size}, nil
}

type bodyReader struct {
	j    *Journal
	id   uint64
	n    uint32
	buf  []byte
	left int64
}

func (b *bodyReader) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.left <= 0 {
			return 0, io.EOF
		}
		if err := b.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	b.left -= int64(n)
	return n, nil
}

func (b *bodyReader) next() error {
	return b.j.view(func(tx Tx) error {
		v := tx.Get(bBodies, chunkKey(b.id, b.n))
		if v == nil {
			return fmt.Errorf("%w: body %d chunk %d missing (released meanwhile, or run journal check)", ErrReleased, b.id, b.n)
		}
		b.buf = append(b.buf[:0], v...)
		b.n++
		return nil
	})
}

func (b *bodyReader) Close() error { b.buf = nil; return nil }
