package sealing

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// indexSpool is an append-then-read-back work file: a volume's INDEX.PGP
// stream (compressed as it grows, indexPGP) and its SHA256SUMS lines are
// kept there rather than in memory: about 700 bytes of index per message,
// which for a dvd5 of small mail (some 200,000 messages) would otherwise
// be the largest single use of memory in a seal (docs/sealing.md,
// "Memory").
type indexSpool struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes written
}

// newIndexSpool creates an index work file in dir (removed with dir).
func newIndexSpool(dir string) (*indexSpool, error) { return newSpool(dir, "index-*.z") }

// newSpool creates a work file named after pattern (os.CreateTemp) in dir:
// the same append-then-read-back file, for a volume's SHA256SUMS lines too.
func newSpool(dir, pattern string) (*indexSpool, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("sealing: work dir: %w", err)
	}
	return &indexSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (x *indexSpool) Write(p []byte) (int, error) {
	n, err := x.w.Write(p)
	x.n += int64(n)
	return n, err
}

// Len returns the bytes written so far.
func (x *indexSpool) Len() int64 { return x.n }

// Reader flushes and returns a reader over the whole index.
func (x *indexSpool) Reader() (io.Reader, error) {
	if err := x.w.Flush(); err != nil {
		return nil, fmt.Errorf("sealing: index work file: %w", err)
	}
	return bufio.NewReaderSize(io.NewSectionReader(x.f, 0, x.n), 64<<10), nil
}

// indexPGP is a volume's INDEX.PGP while messages are placed: the
// JSON Lines go into a pgp.SizedMessage as each message is placed, its
// compressed stream into a work file, and its exact size, were the volume
// closed now or after one more message, is what packing counts.
type indexPGP struct {
	msg   *pgp.SizedMessage
	spool *indexSpool
}

// newIndexPGP starts the INDEX.PGP of a volume encrypted to `to`, its
// stream in a work file in dir.
func newIndexPGP(dir string, to openpgp.EntityList) (*indexPGP, error) {
	sp, err := newIndexSpool(dir)
	if err != nil {
		return nil, err
	}
	m, err := pgp.NewSizedMessage(sp, to, pgp.EncryptOptions{Compress: true})
	if err != nil {
		sp.Close()
		return nil, fmt.Errorf("sealing: %s: %w", format.IndexFile, err)
	}
	return &indexPGP{msg: m, spool: sp}, nil
}

// Write adds index lines.
func (x *indexPGP) Write(p []byte) (int, error) { return x.msg.Write(p) }

// writeTo finishes INDEX.PGP and writes it to w, returning its size and
// SHA-256.
func (x *indexPGP) writeTo(w io.Writer) (int64, [32]byte, error) {
	var sum [32]byte
	if _, err := x.msg.Finish(); err != nil {
		return 0, sum, fmt.Errorf("sealing: index work file: %w", err)
	}
	r, err := x.spool.Reader()
	if err != nil {
		return 0, sum, err
	}
	h := sha256.New()
	n, err := x.msg.WriteMessage(io.MultiWriter(w, h), r)
	copy(sum[:], h.Sum(nil))
	return n, sum, err
}

// Close closes the work file (the work directory removal deletes it).
func (x *indexSpool) Close() error { return x.f.Close() }
