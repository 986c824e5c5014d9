package media

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// File data is copied by two goroutines so that reading the next bytes
// (a disk read, or a caller's decrypting reader) overlaps writing the
// previous ones: a reader fills up to streamBuffers buffers of
// streamBufSize bytes, the writer empties them in order. When both a
// file's reader and the destination are *os.File, the writer copies that
// file itself with io.Copy, which uses copy_file_range.
const (
	streamBufSize = 1 << 20 // bytes
	streamBuffers = 4       // peak buffer memory: 4 MiB
)

// copyFileRange enables the writer's kernel copy (copy_file_range) of a
// file whose reader and destination are both *os.File. Off: it copies one
// file at a time without overlapping reads and writes, and on the
// reference machine the two-goroutine stream was faster (media/bench,
// 1 GiB, best of 3: 81% of a plain sequential write against 55% with
// copy_file_range; docs/media.md).
const copyFileRange = false

// chunk is one step of the file stream, in image order.
type chunk struct {
	data   []byte   // bytes to write (a pooled buffer)
	direct *os.File // a whole file for the writer to copy (fast path)
	f      File     // the file being copied whole (fast path)
	pad    int      // zero bytes after the data: the file ended
	err    error    // reading failed; nothing follows
}

// writeFiles streams every file's data, padding each to a sector boundary.
func (l *Layout) writeFiles(w *countWriter) error {
	_, toFile := w.w.(*os.File)
	toFile = toFile && copyFileRange
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
					if !readFile(l.list.File(int(d.files[k].idx)), toFile, ch, free, stop) {
						return
					}
				}
			}
		}
	}()
	err := writeChunks(w, ch, free)
	close(stop)
	for c := range ch { // drain: the reader stops at its next step
		if c.direct != nil {
			c.direct.Close()
		}
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
		case c.direct != nil:
			if err := copyDirect(w, c.direct, c.f); err != nil {
				return err
			}
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
func readFile(f File, direct bool, ch chan<- chunk, free chan []byte, stop <-chan struct{}) bool {
	send := func(c chunk) bool {
		select {
		case ch <- c:
			return c.err == nil
		case <-stop:
			if c.direct != nil {
				c.direct.Close()
			}
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
	if of, ok := r.(*os.File); ok && direct {
		return send(chunk{direct: of, f: f, pad: pad})
	}
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

// copyDirect copies an *os.File whole (copy_file_range) and closes it.
func copyDirect(w io.Writer, r *os.File, f File) error {
	defer r.Close()
	n, err := io.Copy(w, io.LimitReader(r, f.Size))
	if err != nil {
		return fmt.Errorf("media: copy %q: %w", f.Path, err)
	}
	if n != f.Size {
		return readError(f, n, io.EOF)
	}
	return checkEnd(f, r)
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
