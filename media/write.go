package media

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// WriteTo streams the image to w in one pass: descriptors, path tables,
// directories, then each file's data read from File.Open, in layout order,
// each padded with zeros to a sector boundary. It writes exactly
// l.Size() bytes for the same inputs, bit-identical every time. A reader
// yielding more or fewer bytes than File.Size stops it with an error
// wrapping ErrSizeChanged. It returns the number of bytes written.
func (l *Layout) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 256<<10)
	err := l.writeMeta(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = l.writeFiles(cw)
	}
	if err == nil && cw.n != l.Size() {
		err = fmt.Errorf("media: wrote %d bytes, planned %d", cw.n, l.Size())
	}
	return cw.n, err
}

// writeMeta writes everything up to the first file extent.
func (l *Layout) writeMeta(w io.Writer) error {
	if _, err := w.Write(make([]byte, systemAreaSectors*SectorSize)); err != nil {
		return err
	}
	for _, joliet := range []bool{false, true} {
		if _, err := w.Write(descriptor(l.info, l.descriptorArgs(joliet))); err != nil {
			return err
		}
	}
	if _, err := w.Write(terminator()); err != nil {
		return err
	}
	isoID := func(d *dirNode) string { return d.n.iso }
	jolID := func(d *dirNode) string { return d.n.jol }
	tables := [][]byte{
		pathTable(l.iso, isoID, isoDir, false),
		pathTable(l.iso, isoID, isoDir, true),
		pathTable(l.jol, jolID, jolDir, false),
		pathTable(l.jol, jolID, jolDir, true),
	}
	for _, t := range tables {
		if _, err := w.Write(t); err != nil {
			return err
		}
	}
	for _, d := range l.iso {
		if _, err := w.Write(l.directory(d, false)); err != nil {
			return err
		}
	}
	for _, d := range l.jol {
		if _, err := w.Write(l.directory(d, true)); err != nil {
			return err
		}
	}
	return nil
}

func (l *Layout) descriptorArgs(joliet bool) descriptorArgs {
	a := descriptorArgs{joliet: joliet, spaceSize: uint32(l.sectors)}
	root := l.iso[0]
	if joliet {
		a.ptBytes, a.lLBA, a.mLBA = l.jolPT, l.ptLBA[2], l.ptLBA[3]
		a.rootLBA, a.rootSectors = root.jolLBA, root.jolSecs
	} else {
		a.ptBytes, a.lLBA, a.mLBA = l.isoPT, l.ptLBA[0], l.ptLBA[1]
		a.rootLBA, a.rootSectors = root.isoLBA, root.isoSecs
	}
	return a
}

// isoDir and jolDir give a directory's path table number and extent.
func isoDir(d *dirNode) (uint16, uint32) { return d.isoNum, d.isoLBA }
func jolDir(d *dirNode) (uint16, uint32) { return d.jolNum, d.jolLBA }

// pathTable encodes one path table (ECMA-119 §9.4), padded to whole sectors.
func pathTable(dirs []*dirNode, id func(*dirNode) string, loc func(*dirNode) (uint16, uint32), msb bool) []byte {
	var b []byte
	for _, d := range dirs {
		parent, _ := loc(d.parent)
		_, lba := loc(d)
		rec := make([]byte, pathRecordLen(len(id(d))))
		pathRecord(rec, id(d), lba, parent, msb)
		b = append(b, rec...)
	}
	return append(b, make([]byte, int(sectorsFor(int64(len(b))))*SectorSize-len(b))...)
}

// directory encodes one directory extent (ECMA-119 §6.8.1, §9.1): ".",
// "..", then the children in order, no record crossing a sector boundary.
func (l *Layout) directory(d *dirNode, joliet bool) []byte {
	secs, lba, plba, psecs, order := d.isoSecs, d.isoLBA, d.parent.isoLBA, d.parent.isoSecs, d.isoOrder
	if joliet {
		secs, lba, plba, psecs, order = d.jolSecs, d.jolLBA, d.parent.jolLBA, d.parent.jolSecs, d.jolOrder
	}
	b := make([]byte, int(secs)*SectorSize)
	date, seq := recordingDate(l.info.Recorded), uint16(l.info.SeqNum)
	dirRecord(b[0:dotRecordLen], "\x00", lba, secs*SectorSize, true, date, seq)
	dirRecord(b[dotRecordLen:2*dotRecordLen], "\x01", plba, psecs*SectorSize, true, date, seq)
	off := 2 * dotRecordLen
	t := tree{list: l.list}
	for c := range d.children() {
		k := child(order, c)
		n := t.name(d, k)
		id := n.iso
		if joliet {
			id = n.jol
		}
		rl := recordLen(len(id))
		if off%SectorSize+rl > SectorSize {
			off += SectorSize - off%SectorSize
		}
		switch {
		case k < len(d.files):
			f := d.files[k]
			dirRecord(b[off:off+rl], id, f.lba, f.size, false, date, seq)
		case joliet:
			sd := d.subdirs[k-len(d.files)]
			dirRecord(b[off:off+rl], id, sd.jolLBA, sd.jolSecs*SectorSize, true, date, seq)
		default:
			sd := d.subdirs[k-len(d.files)]
			dirRecord(b[off:off+rl], id, sd.isoLBA, sd.isoSecs*SectorSize, true, date, seq)
		}
		off += rl
	}
	return b
}

// countWriter counts bytes written through it.
type countWriter struct {
	w   io.Writer
	n   int64
	buf []byte
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadFrom keeps the kernel fast path (copy_file_range) when a file's
// reader is an *os.File and w is one too, and otherwise copies through a
// 1 MiB buffer (rather than os.File's 32 KiB generic path).
func (c *countWriter) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if _, isFile := lr.R.(*os.File); isFile {
			if rf, ok := c.w.(io.ReaderFrom); ok {
				n, err := rf.ReadFrom(r)
				c.n += n
				return n, err
			}
		}
	}
	if c.buf == nil {
		c.buf = make([]byte, 1<<20)
	}
	return io.CopyBuffer(writerOnly{c}, r, c.buf)
}

type writerOnly struct{ io.Writer }
