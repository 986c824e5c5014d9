package mailparse

import (
	"bufio"
	"io"
	"sync"
)

// readerSize is the buffer of the header readers (bytes): a header line up
// to this long is read in one piece.
const readerSize = 64 << 10

// readers pools the 64 KiB buffered readers of Summarize and
// ParseJournalReport: every ingested message is parsed at least once, and
// allocating (and zeroing) 64 KiB per message was the largest allocation of
// an SMTP delivery.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}

// getReader returns a pooled reader over r; give it back with putReader
// once nothing read from it (slices of its buffer) is used any more.
func getReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readers.Put(br)
}
