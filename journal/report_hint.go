package journal

import (
	"bufio"
	"bytes"
	"io"
)

// reportHeader is the header field that marks an Exchange envelope journal
// report, lower-cased.
var reportHeader = []byte("x-ms-journal-report:")

// mayBeReport says whether the header block (up to the first empty line,
// at most 1 MiB) has a line starting with X-MS-Journal-Report:, so that the
// full report parser runs only on messages that can be reports.
func mayBeReport(r io.Reader) bool {
	br := bufio.NewReaderSize(io.LimitReader(r, 1<<20), 4096)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) >= len(reportHeader) && bytes.EqualFold(line[:len(reportHeader)], reportHeader) {
			return true
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 && err == nil {
			return false // end of the header block
		}
		for err == bufio.ErrBufferFull { // skip the rest of a long line
			_, err = br.ReadSlice('\n')
		}
		if err != nil {
			return false
		}
	}
}

// mayBeReport checks the delivery's header block, in place when the body
// is in memory.
func (d *Delivery) mayBeReport() bool {
	if d.file != nil {
		return mayBeReport(d.body())
	}
	for b := d.mem; len(b) > 0; {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		if len(line) >= len(reportHeader) && bytes.EqualFold(line[:len(reportHeader)], reportHeader) {
			return true
		}
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return false
		}
		b = rest
	}
	return false
}
