package media

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// File data is copied by two goroutines so that reading the next bytes
// (a disk read, or a caller's decrypting reader) overlaps writing the
// previous ones: a reader fills up to streamBuffers buffers of
// streamBufSize bytes, the writer empties them in order. (A kernel copy,
// copy_file_range, of files whose reader and destination are both
// *os.File was slower: it copies one file at a time without overlapping
// reads and writes; media/bench, 1 GiB, best of 3: 55% of a plain
// sequential write against 81%; docs/media.md.)
const (
	streamBufSize = 1 << 20 // bytes
	streamBuffers = 4       // peak buffer memory: 4 MiB
)

// chunk is one step of the file stream, in image order.
type chunk struct {
	data []byte // bytes to write (a pooled buffer)
	pad  int    // zero bytes after the data: the file ended
	err  error  // reading failed; nothing follows
}

// writeFiles streams every file's data, padding each to a sector boundary.
func (l *Layout) writeFiles(w *countWriter) error {
	free := make(chan []byte, streamBuffers)
	for range streamBuffers {
		free <- make([]byte, streamBufSize)
	}
	ch := make(chan chunk, streamBuffers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ch)
		for _, d := range l.iso { // extent order
			for c := range d.children() {
				if k := child(d.isoOrder, c); k < len(d.files) && d.files[k].size > 0 {
					if !readFile(l.list.File(int(d.files[k].idx)), ch, free, stop) {
						return
					}
				}
			}
		}
	}()
	err := writeChunks(w, ch, free)
	close(stop)
	for range ch { // drain: the reader stops at its next step
	}
	wg.Wait()
	return err
}

func writeChunks(w *countWriter, ch <-chan chunk, free chan<- []byte) error {
	zero := make([]byte, SectorSize)
	for c := range ch {
		switch {
		case c.err != nil:
			return c.err
		case c.data != nil:
			_, err := w.Write(c.data)
			free <- c.data[:cap(c.data)]
			if err != nil {
				return err
			}
		}
		if c.pad > 0 {
			if _, err := w.Write(zero[:c.pad]); err != nil {
				return err
			}
		}
	}
	return nil
}

// readFile sends one file's chunks; it reports false when the stream must
// end (an error was sent, or stop was closed).
func readFile(f File, ch chan<- chunk, free chan []byte, stop <-chan struct{}) bool {
	send := func(c chunk) bool {
		select {
		case ch <- c:
			return c.err == nil
		case <-stop:
			return false
		}
	}
	if f.Open == nil {
		return send(chunk{err: fmt.Errorf("media: %q: File.Open is nil", f.Path)})
	}
	r, err := f.Open()
	if err != nil {
		return send(chunk{err: fmt.Errorf("media: open %q: %w", f.Path, err)})
	}
	pad := int(sectorsFor(f.Size)*SectorSize - f.Size)
	defer r.Close()
	for left := f.Size; left > 0; {
		var buf []byte
		select {
		case buf = <-free:
		case <-stop:
			return false
		}
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), left)])
		left -= int64(n)
		if err != nil {
			free <- buf
			return send(chunk{err: readError(f, f.Size-left, err)})
		}
		c := chunk{data: buf[:n]}
		if left == 0 {
			if err := checkEnd(f, r); err != nil {
				free <- buf
				return send(chunk{err: err})
			}
			c.pad = pad
		}
		if !send(c) {
			return false
		}
	}
	return true
}

func readError(f File, n int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("media: %q: read %d bytes, File.Size is %d: %w", f.Path, n, f.Size, ErrSizeChanged)
	}
	return fmt.Errorf("media: read %q: %w", f.Path, err)
}

// checkEnd checks that r has nothing after File.Size bytes.
func checkEnd(f File, r io.Reader) error {
	var one [1]byte
	m, err := io.ReadFull(r, one[:])
	if m > 0 {
		return fmt.Errorf("media: %q: more than File.Size %d bytes: %w", f.Path, f.Size, ErrSizeChanged)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("media: read %q: %w", f.Path, err)
	}
	return nil
}
