package format

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Sum is one line of SHA256SUMS.
type Sum struct {
	Path   string // relative to the disc root, slash-separated
	SHA256 [32]byte
}

// FormatSums renders sums in GNU `sha256sum` text format: per file
// "<64 lower-case hex>  <path>\n", sorted by path (byte order).
func FormatSums(sums []Sum) []byte {
	s := append([]Sum(nil), sums...)
	sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path })
	var b bytes.Buffer
	for _, x := range s {
		b.WriteString(hex.EncodeToString(x.SHA256[:]))
		b.WriteString("  ")
		b.WriteString(x.Path)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseSums parses SHA256SUMS strictly: every line exactly as FormatSums
// writes it, paths sorted and unique, no empty or absolute paths, no "..".
func ParseSums(b []byte) ([]Sum, error) {
	var out []Sum
	err := ScanSums(bytes.NewReader(b), func(s Sum) error { out = append(out, s); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errSumsNewline is ParseSums' error for a file that is empty or does not
// end in a newline; it takes precedence over every other parse error.
var errSumsNewline = fmt.Errorf("format: %s: empty or missing final newline", SumsFile)

// SumsError is a SHA256SUMS format error found by ScanSums (as opposed to
// an error reading the file or one returned by fn).
type SumsError struct{ msg string }

func (e *SumsError) Error() string { return e.msg }

// ScanSums is ParseSums reading r line by line and calling fn per entry
// instead of holding the file and its entries (SHA256SUMS grows with the
// messages of a volume: 46 MB at 500,000). It checks each line as
// ParseSums does and returns the same errors, ParseSums' first: a file
// that is empty or lacks its final newline is that error even when an
// earlier line is malformed, so after a malformed line ScanSums reads on
// to the end. fn sees only entries before the first bad line; an error
// from fn or from reading r stops it and is returned as it is.
func ScanSums(r io.Reader, fn func(Sum) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		prev    string
		lineErr error
		buf     []byte
		total   int64
		last    byte
	)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // a line longer than the buffer (never a valid one)
			buf = append(buf[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		total += int64(len(line))
		if len(line) > 0 {
			last = line[len(line)-1]
		}
		if err == io.EOF {
			if total == 0 || last != '\n' {
				return errSumsNewline
			}
			return lineErr
		}
		if err != nil {
			return err
		}
		if lineErr != nil {
			continue // only the final newline can still change the answer
		}
		s, perr := parseSumLine(line[:len(line)-1], n, prev)
		if perr != nil {
			lineErr = perr
			continue
		}
		prev = s.Path
		if err := fn(s); err != nil {
			return err
		}
	}
}

// parseSumLine parses line n (without its newline) after the path prev.
func parseSumLine(line []byte, n int, prev string) (Sum, error) {
	var s Sum
	h, p, ok := bytes.Cut(line, []byte("  "))
	if !ok || len(h) != 64 || !lowerHex(h) {
		return s, &SumsError{fmt.Sprintf("format: %s line %d: malformed", SumsFile, n)}
	}
	hex.Decode(s.SHA256[:], h)
	path := string(p)
	if path == "" || strings.HasPrefix(path, "/") || strings.Contains(path, "..") || strings.ContainsAny(path, "\\\r") {
		return s, &SumsError{fmt.Sprintf("format: %s line %d: bad path %q", SumsFile, n, path)}
	}
	if n > 1 && path <= prev {
		return s, &SumsError{fmt.Sprintf("format: %s line %d: %q not sorted or duplicate", SumsFile, n, path)}
	}
	s.Path = path
	return s, nil
}

// lowerHex reports whether h is lower-case hexadecimal digits only
// (ParseSums accepted what hex.DecodeString does and that are lower-case).
func lowerHex(h []byte) bool {
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsSumsError reports whether err is a SHA256SUMS format error of
// ScanSums (not a read error).
func IsSumsError(err error) bool {
	var se *SumsError
	return errors.As(err, &se) || err == errSumsNewline
}
