package format

import (
	"bytes"
	"encoding/hex"
	"fmt"
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
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("format: %s: empty or missing final newline", SumsFile)
	}
	var out []Sum
	for n, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		h, p, ok := strings.Cut(line, "  ")
		raw, err := hex.DecodeString(h)
		if !ok || err != nil || len(raw) != 32 || strings.ToLower(h) != h {
			return nil, fmt.Errorf("format: %s line %d: malformed", SumsFile, n+1)
		}
		if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.ContainsAny(p, "\\\r") {
			return nil, fmt.Errorf("format: %s line %d: bad path %q", SumsFile, n+1, p)
		}
		if len(out) > 0 && p <= out[len(out)-1].Path {
			return nil, fmt.Errorf("format: %s line %d: %q not sorted or duplicate", SumsFile, n+1, p)
		}
		var s Sum
		s.Path = p
		copy(s.SHA256[:], raw)
		out = append(out, s)
	}
	return out, nil
}
