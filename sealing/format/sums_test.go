package format

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseSumsWhole is ParseSums as it was before ScanSums (the whole file
// split into lines): ScanSums must accept and refuse exactly what it did,
// with the same errors.
func parseSumsWhole(b []byte) ([]Sum, error) {
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

func TestScanSumsMatchesParseSums(t *testing.T) {
	h := strings.Repeat("ab", 32)
	good := h + "  A\n" + h + "  B/C\n"
	cases := []string{
		"", "\n", "\n\n", good, strings.TrimSuffix(good, "\n"), good + "\n", "\n" + good,
		h + "  B\n" + h + "  A\n", h + "  A\n" + h + "  A\n", strings.ToUpper(h) + "  A\n",
		h[:62] + "  A\n", h + "0  A\n", h + " A\n", h + "  \n", h + "  /A\n", h + "  A/../B\n",
		h + "  A\\B\n", h + "  A\r\n", h + "   A\n", h + "  A  B\n", "zz" + h[2:] + "  A\n",
		// a bad line before a missing final newline: the newline error wins
		h + "  B\n" + h + "  A\n" + h + "  C", "x\n" + good,
		// a line longer than ScanSums' buffer
		h + "  " + strings.Repeat("L", 100<<10) + "\n" + good, good + h + "  " + strings.Repeat("Z", 70<<10),
	}
	for i, c := range cases {
		want, werr := parseSumsWhole([]byte(c))
		got, gerr := ParseSums([]byte(c))
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("case %d %.40q: got %v %v, want %v %v", i, c, len(got), gerr, len(want), werr)
		}
		if gerr != nil && !IsSumsError(gerr) {
			t.Errorf("case %d: %v is not a SumsError", i, gerr)
		}
	}
}

// TestCheckSumsListStreaming: the findings of a SHA256SUMS that merges
// with the file list at every position (extra files before, between and
// after the listed ones; missing ones), and a malformed line after good
// ones gives only the sums finding.
func TestCheckSumsListStreaming(t *testing.T) {
	tenant, signer := newKeys(t), newKeys(t)
	dir, _ := buildDir(t, tenant, signer)
	for _, p := range []string{"AAA.TXT", "MSG/0000000/0000000006.PGQ", "ZZZ/X.TXT"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
	}
	os.Remove(filepath.Join(dir, MessagePath(5)))
	v, err := OpenVolume(DirTree(dir))
	if err != nil {
		t.Fatal(err)
	}
	got := findingChecks(v.CheckSumsList(nil))
	want := "missing " + MessagePath(5) + "; extra AAA.TXT; extra MSG/0000000/0000000006.PGQ; extra ZZZ/X.TXT"
	if got != want {
		t.Errorf("findings %q, want %q", got, want)
	}
	sb, _ := os.ReadFile(filepath.Join(dir, SumsFile))
	lines := bytes.SplitAfter(sb, []byte("\n"))
	bad := append(bytes.Join(lines[:3], nil), []byte("not a line\n")...)
	os.WriteFile(filepath.Join(dir, SumsFile), bad, 0o644)
	v, _ = OpenVolume(DirTree(dir))
	fs := v.CheckSumsList(nil)
	if len(fs) != 1 || fs[0].Check != CheckSums || fs[0].Detail != "format: SHA256SUMS line 4: malformed" {
		t.Errorf("malformed SHA256SUMS: %v", fs)
	}
}

// flakyTree returns SHA256SUMS with one bit flipped from its second read on.
type flakyTree struct {
	DirTree
	reads int
}

func (f *flakyTree) Open(p string) (io.ReadCloser, error) {
	if p != SumsFile {
		return f.DirTree.Open(p)
	}
	b, err := os.ReadFile(filepath.Join(string(f.DirTree), p))
	if err != nil {
		return nil, err
	}
	if f.reads++; f.reads > 1 {
		b[10] ^= 1
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// TestSumsReadTwiceDiffer: the SHA256SUMS whose lines are checked must be
// the one whose hash (and signature) was checked before.
func TestSumsReadTwiceDiffer(t *testing.T) {
	tenant, signer := newKeys(t), newKeys(t)
	dir, _ := buildDir(t, tenant, signer)
	v, err := OpenVolume(&flakyTree{DirTree: DirTree(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.SumsSHA256(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifySignature(signer.pub); err == nil { // a bad signature, or "read differently"
		t.Errorf("signature over a SHA256SUMS that changed: %v", err)
	}
	fs := v.CheckSumsList(nil)
	if len(fs) != 1 || fs[0].Check != CheckSums || !strings.Contains(fs[0].Detail, "read differently") {
		t.Errorf("findings %v", fs)
	}
}

// TestCheckMessagesIndexFailsLate: an INDEX.PGP whose damage shows only at
// its end (the integrity check) is only the index finding, and no message
// is decrypted or passed to fn: CheckMessages reads the whole index before
// it decrypts any message.
func TestCheckMessagesIndexFailsLate(t *testing.T) {
	tenant, signer := newKeys(t), newKeys(t)
	dir, _ := buildDir(t, tenant, signer)
	p := filepath.Join(dir, IndexFile)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	flip(t, p, fi.Size()-5) // inside the MDC packet
	v, err := OpenVolume(DirTree(dir))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	n, fs := v.CheckMessages(tenant.sec, func(MessageResult) { calls++ })
	if n != -1 || len(fs) != 1 || fs[0].Check != CheckIndex || calls != 0 {
		t.Errorf("n %d, %d calls, findings %v", n, calls, fs)
	}
}
