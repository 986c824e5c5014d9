package media

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// name is one path component as recorded in both volumes.
type name struct {
	orig   string // the caller's component, recorded in Joliet
	iso    string // primary identifier: "NAME.EXT;1", "NAME.;1" or a directory's "NAME"
	isoKey string // sorts as ECMA-119 §9.3 requires (name, then extension)
	jol    string // Joliet identifier, UCS-2 big-endian bytes (sorts by code unit)
	fold   string // lower-cased original: Joliet names must differ ignoring case
}

// isDChar reports whether c is a d-character (ECMA-119 §7.4.1: A–Z 0–9 _).
func isDChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func allDChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDChar(s[i]) {
			return false
		}
	}
	return true
}

// isoSafeFile reports whether s is recorded unchanged as a primary file
// identifier: d-characters with at most one dot separating a non-empty name
// from a non-empty extension, at most 30 bytes in all.
func isoSafeFile(s string) bool {
	if s == "" || len(s) > maxFileID {
		return false
	}
	base, ext, dot := strings.Cut(s, ".")
	if dot && (base == "" || ext == "") {
		return false
	}
	return allDChars(base) && allDChars(ext)
}

// isoSafeDir reports whether s is recorded unchanged as a primary directory
// identifier: 1 to 31 d-characters (ECMA-119 §7.6).
func isoSafeDir(s string) bool {
	return s != "" && len(s) <= maxDirID && allDChars(s)
}

// mapName checks one component and computes its identifiers in both
// volumes. The mapping is documented in docs/media.md.
func mapName(orig string, dir bool) (name, error) {
	if err := checkJoliet(orig); err != nil {
		return name{}, err
	}
	n := name{orig: orig, jol: ucs2(orig), fold: strings.ToLower(orig)}
	var base, ext string
	switch {
	case dir && isoSafeDir(orig):
		base = orig
	case !dir && isoSafeFile(orig):
		base, ext, _ = strings.Cut(orig, ".")
	case dir:
		base = mangle(orig, "", maxDirID)
	default:
		b, e := orig, ""
		if i := strings.LastIndexByte(orig, '.'); i > 0 && i < len(orig)-1 {
			b, e = orig[:i], orig[i+1:]
		}
		e = truncate(sanitize(e), 8)
		base, ext = mangle(b, orig, maxFileID-len(e)-1), e
		if ext == "" {
			base = mangle(b, orig, maxFileID)
		}
	}
	n.isoKey = base + "\x01" + ext
	switch {
	case dir:
		n.iso = base
	default:
		n.iso = base + "." + ext + ";1"
	}
	return n, nil
}

// mangle makes an ISO-safe name part of at most max bytes that ends in "_"
// and eight hex digits of SHA-256(whole), so that different originals get
// different identifiers (collisions are still detected and refused).
func mangle(part, whole string, max int) string {
	if whole == "" {
		whole = part
	}
	sum := sha256.Sum256([]byte(whole))
	suffix := fmt.Sprintf("_%08X", binary.BigEndian.Uint32(sum[:4]))
	return truncate(sanitize(part), max-len(suffix)) + suffix
}

// sanitize upper-cases ASCII letters and replaces every other character
// that is not a d-character with "_", one per rune.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		case r < utf8.RuneSelf && isDChar(byte(r)):
			b.WriteByte(byte(r))
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) > n {
		return s[:n]
	}
	return s
}

// checkJoliet rejects names the Joliet volume cannot record: invalid
// UTF-8, control characters, * / : ; ? \, "." and "..", or more than 64
// UCS-2 units.
func checkJoliet(s string) error {
	switch {
	case s == "" || s == "." || s == "..":
		return fmt.Errorf("empty, \".\" or \"..\" component: %w", ErrName)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q is not UTF-8: %w", s, ErrName)
	case strings.ContainsAny(s, `*/:;?\`):
		return fmt.Errorf("%q contains one of * / : ; ? \\: %w", s, ErrName)
	case len(utf16.Encode([]rune(s))) > maxJoliet:
		return fmt.Errorf("%q is longer than %d UCS-2 units: %w", s, maxJoliet, ErrName)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q contains a control character: %w", s, ErrName)
		}
	}
	return nil
}

// ucs2 encodes s as big-endian UTF-16 (Joliet records UCS-2 level 3).
func ucs2(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.BigEndian.PutUint16(b[2*i:], c)
	}
	return string(b)
}

// splitPath checks a slash-separated path and returns its components.
func splitPath(p string) ([]string, error) {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return nil, fmt.Errorf("media: %q: empty, absolute or ends in /: %w", p, ErrName)
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxDepth {
		return nil, fmt.Errorf("media: %q: %d components, at most %d: %w", p, len(parts), MaxDepth, ErrDepth)
	}
	return parts, nil
}
