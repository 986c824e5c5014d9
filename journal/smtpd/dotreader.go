package smtpd

import (
	"bufio"
	"bytes"
	"io"
)

// copyDotData copies the text of one DATA command (RFC 5321 §4.1.1.4)
// from r to w, unstuffed as §4.5.2 says and changed in no other way.
//
// A line is what lies between two CRLFs; the first line begins right after
// the DATA command's CRLF. A line made of a single "." ends the data and is
// not copied. A line that begins with "." loses that one "."; every other
// byte is copied as it came, bare CR and bare LF included (they end no
// line). So "\r\n.\r\n" and nothing else ends the data, also as the very
// first line (the empty message).
//
// The copy streams: it hands w slices of r's buffer, splitting them only
// before a stuffed dot, and holds nothing else. It returns the bytes
// written and nil at the end of the data, or r's error (io.EOF becomes
// io.ErrUnexpectedEOF). Errors from w are returned too; a caller that
// wants to drain the data after a storage failure gives a w that keeps
// the error and returns nil.
func copyDotData(w io.Writer, r *bufio.Reader) (n int64, err error) {
	lineStart := true // the next byte begins a line
	afterCR := false  // the last byte copied was CR and may begin a CRLF
	emit := func(p []byte) error {
		k, err := w.Write(p)
		n += int64(k)
		_, _ = r.Discard(len(p))
		return err
	}
	for {
		buf, err := peekSome(r)
		if err != nil {
			return n, err
		}
		if lineStart && buf[0] == '.' {
			if len(buf) < 3 {
				if buf, err = peekN(r, 3); err != nil {
					return n, err
				}
			}
			if buf[1] == '\r' && buf[2] == '\n' {
				_, _ = r.Discard(3)
				return n, nil
			}
			_, _ = r.Discard(1) // the stuffed dot; the rest of the line is copied
			lineStart = false
			continue
		}
		lineStart = false
		if afterCR {
			afterCR = false
			if buf[0] == '\n' {
				if err := emit(buf[:1]); err != nil {
					return n, err
				}
				lineStart = true
				continue
			}
		}
		if i := bytes.Index(buf, crlfDot); i >= 0 {
			if err := emit(buf[:i+2]); err != nil {
				return n, err
			}
			lineStart = true
			continue
		}
		if err := emit(buf); err != nil {
			return n, err
		}
		switch {
		case bytes.HasSuffix(buf, crlfBytes):
			lineStart = true
		case buf[len(buf)-1] == '\r':
			afterCR = true
		}
	}
}

var (
	crlfBytes = []byte("\r\n")
	crlfDot   = []byte("\r\n.")
)

// peekSome returns every byte r holds, reading if it holds none. The slice
// is valid until the next read from r.
func peekSome(r *bufio.Reader) ([]byte, error) {
	if r.Buffered() == 0 {
		if _, err := r.Peek(1); err != nil {
			return nil, unexpectedEOF(err)
		}
	}
	return r.Peek(r.Buffered())
}

// peekN returns the next n bytes of r without consuming them.
func peekN(r *bufio.Reader, n int) ([]byte, error) {
	b, err := r.Peek(n)
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	return b, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
