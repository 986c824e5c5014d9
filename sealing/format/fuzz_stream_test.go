package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// FuzzScanSums: the streaming ScanSums and ParseSums agree on every input:
// the same entries, and the same error (verify reads SHA256SUMS with one,
// tests and tools with the other).
func FuzzScanSums(f *testing.F) {
	f.Add(fmt.Appendf(nil, "%x  A\n%x  B/C.PGP\n", sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))))
	f.Add(fmt.Appendf(nil, "%x  B\n%x  A\n", sha256.Sum256(nil), sha256.Sum256(nil)))
	f.Add([]byte("x  y"))
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := ParseSums(b)
		var got []Sum
		gerr := ScanSums(bytes.NewReader(b), func(s Sum) error { got = append(got, s); return nil })
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("ParseSums: %v; ScanSums: %v", werr, gerr)
		}
		if werr == nil && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ParseSums: %v; ScanSums: %v", want, got)
		}
	})
}

// FuzzIndexRoundTrip: an index ReadIndex accepts writes back (WriteIndex)
// to lines ReadIndex accepts again as the same entries, and what
// WriteIndex wrote reads back to the same octets; every accepted line
// holds exactly one JSON object.
func FuzzIndexRoundTrip(f *testing.F) {
	var seed bytes.Buffer
	WriteIndex(&seed, []IndexEntry{
		{Seq: 1, JSeq: 7, Received: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), Envelope: Envelope{MailFrom: "a@b", RcptTo: []string{"c@d"}},
			Subject: "hi <&>", Size: 3, SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte("abc"))), Path: MessagePath(1)},
		{Seq: 9, JSeq: 8, Received: time.Date(2026, 11, 3, 10, 0, 1, 0, time.UTC), Envelope: Envelope{RcptTo: []string{}, Reported: []string{"x@y"}},
			Date: "2026-11-03T09:00:00Z", From: "é", MessageID: "m@id", Path: MessagePath(9)},
	})
	f.Add(seed.Bytes())
	f.Add([]byte(`{"seq":1,"path":"MSG/0000000/0000000001.PGP"} {"seq":2}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := ReadIndex(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteIndex(&out, ix); err != nil {
			t.Fatal(err)
		}
		ix2, err := ReadIndex(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("accepted %q; its rewrite %q is refused: %v", b, out.Bytes(), err)
		}
		var out2 bytes.Buffer
		WriteIndex(&out2, ix2)
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("rewrite not stable: %q, then %q", out.Bytes(), out2.Bytes())
		}
		lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
		if len(b) > 0 && len(lines) != len(ix) {
			t.Fatalf("accepted %d entries from %d lines: %q", len(ix), len(lines), b)
		}
		for _, l := range lines {
			if len(b) > 0 && !json.Valid(l) {
				t.Fatalf("accepted a line that is not one JSON value: %q", l)
			}
		}
	})
}

// TestFuzzSeeds: every fuzz target here has a checked-in seed corpus.
func TestFuzzSeeds(t *testing.T) { testtool.FuzzSeeds(t) }
