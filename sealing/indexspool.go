package sealing

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// indexSpool holds a volume's plaintext INDEX.PGP JSON Lines in a work
// file rather than in memory: about 700 bytes per message, which for a
// dvd5 of small mail (some 200,000 messages) would otherwise be the
// largest single use of memory in a seal (docs/sealing.md, "Memory").
type indexSpool struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes written
}

// newIndexSpool creates an index work file in dir (removed with dir).
func newIndexSpool(dir string) (*indexSpool, error) { return newSpool(dir, "index-*.jsonl") }

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

// Close closes the work file (the work directory removal deletes it).
func (x *indexSpool) Close() error { return x.f.Close() }
